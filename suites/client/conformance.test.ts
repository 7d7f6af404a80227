// The client suite: one vitest test per client check, run against the client the runner
// provides (inject('clientTarget'), or inject('target') with kind 'client'). Against the mock
// (ids `<api>/<Operation>/client.<check>`) or, when the target names a server, end to end
// against that server (ids `<api>/<Operation>/e2e.<rule>`, src/client-checks/e2e-checks.ts). The
// endpoint and the client live for the whole file.
import { afterAll, beforeAll, inject, test } from 'vitest';
import type { CheckRecord } from '../../src/checks/types.ts';
import { E2eSession, e2eCheckRecord } from '../../src/client-checks/e2e-session.ts';
import { ClientSession, loadSpecsFor, toCheckRecord } from '../../src/client-checks/lanes.ts';
import type { ClientCheckOutcome } from '../../src/client-checks/mock-checks.ts';
import type { ClientTargetConfig } from '../../src/mock/types.ts';
import { suiteStopped } from '../../src/runner/interrupt.ts';
import { trustValidatedSpecs } from '../../src/spec/load.ts';

function providedTarget(): ClientTargetConfig {
  const own = inject('clientTarget') as ClientTargetConfig | undefined;
  if (own?.kind === 'client') return own;
  const shared = inject('target') as unknown as ClientTargetConfig | undefined;
  if (shared?.kind === 'client') return shared;
  throw new Error(
    'the client suite needs a client target: provide `clientTarget` (or `target` with kind "client")',
  );
}

interface SuiteCheck {
  id: string;
  run(): Promise<ClientCheckOutcome>;
  diagnostics(): string;
  record(outcome: ClientCheckOutcome, diagnostics: string): CheckRecord;
}

const target = providedTarget();
suiteStopped();
// the specs the runner's process validated: the same bytes skip the meta-schema compile
trustValidatedSpecs(inject('validatedSpecs'));
const set = loadSpecsFor(target);
const session = target.server ? new E2eSession(set, target) : new ClientSession(set, target);
const notRun = (reason: string): ClientCheckOutcome => ({
  status: 'not-run',
  detail: '',
  notRunReason: reason,
});

const checks: SuiteCheck[] =
  session instanceof E2eSession
    ? session.catalogue().map((def) => ({
        id: def.id,
        run: () => session.runCheck(def),
        diagnostics: () => session.diagnostics(),
        record: (o, d) => e2eCheckRecord(def, o, target, d),
      }))
    : session.catalogue().map((def) => ({
        id: def.id,
        run: () => (target.unavailable ? Promise.resolve(notRun(target.unavailable)) : session.runCheck(def)),
        diagnostics: () => session.diagnostics(def),
        record: (o, d) => toCheckRecord(def, o, target, d),
      }));

beforeAll(async () => {
  if (!target.unavailable) await session.start();
});

afterAll(async () => {
  await session.close();
});

// With more than one lane (in-process clients), checks on different lanes run side by side; the
// lanes keep each check's traffic apart. End-to-end checks share one server's state: one at a time.
const declare = session instanceof ClientSession && session.laneCount > 1 ? test.concurrent : test;

for (const check of checks) {
  declare(check.id, async (ctx) => {
    // the run was stopped (Ctrl-C): reported not-run, as the runner says why
    if (suiteStopped()) return ctx.skip();
    const outcome = await check.run();
    const record = check.record(outcome, outcome.status === 'failed' ? check.diagnostics() : '');
    (ctx.task.meta as { conformance?: CheckRecord }).conformance = record;
    if (outcome.status === 'not-run') {
      ctx.skip(outcome.notRunReason ?? 'not run');
      return;
    }
    if (outcome.status === 'failed') throw new Error(record.detail ?? outcome.detail);
  });
}
