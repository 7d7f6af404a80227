// The server conformance suite. The runner provides the target
// (`provide: { target }`); every check of the catalogue becomes one test named
// by its check id, leaving its CheckRecord on task.meta.conformance. A check
// that cannot run is skipped with its reason (reported as not-run), never passed.
import { inject, test } from 'vitest';
import { serverChecks } from '../../src/checks/catalogue.ts';
import { runCheck } from '../../src/checks/run.ts';
import type { ServerTargetConfig } from '../../src/checks/types.ts';
import { suiteStopped } from '../../src/runner/interrupt.ts';
import { loadSpecs, trustValidatedSpecs } from '../../src/spec/load.ts';

const target = inject('target') as ServerTargetConfig | undefined;

if (target?.kind !== 'server') {
  test.skip('no server target was provided (run through `mturk-conformance server`)', () => {});
} else {
  trustValidatedSpecs(inject('validatedSpecs'));
  const set = target.specsDir ? loadSpecs(target.specsDir) : loadSpecs();
  const checks = serverChecks(set, target);
  suiteStopped();
  // each check sends a few requests per run; give it room beyond the per-request timeout
  const timeout = Math.max(60_000, target.timeoutMs * Math.max(20, target.runs * 4));
  if (checks.length === 0) test.skip('no check matches the selection', () => {});
  for (const check of checks) {
    const define = check.concurrent ? test.concurrent : test;
    define(check.id, { timeout }, async (ctx) => {
      // the run was stopped (Ctrl-C): reported not-run, as the runner says why
      if (suiteStopped()) return ctx.skip();
      const result = await runCheck(check, set, target);
      ctx.task.meta.conformance = result.record;
      if (result.status === 'not-run') {
        ctx.skip(result.record.notRunReason ?? 'the check could not run');
        return;
      }
      if (result.status === 'failed') throw new Error(result.record.detail ?? `${check.id} failed`);
    });
  }
}
