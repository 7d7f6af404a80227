// The client suite: one vitest test per client check (id `<api>/<Operation>/client.<check>`),
// run against the client the runner provides (inject('clientTarget'), or inject('target')
// with kind 'client'). The mock endpoint and the client live for the whole file.
import { afterAll, beforeAll, inject, test } from 'vitest';
import type { CheckRecord } from '../../src/checks/types.ts';
import { ClientSession, loadSpecsFor, toCheckRecord } from '../../src/mock/session.ts';
import type { ClientTargetConfig } from '../../src/mock/types.ts';

function providedTarget(): ClientTargetConfig {
  const own = inject('clientTarget') as ClientTargetConfig | undefined;
  if (own?.kind === 'client') return own;
  const shared = inject('target') as unknown as ClientTargetConfig | undefined;
  if (shared?.kind === 'client') return shared;
  throw new Error(
    'the client suite needs a client target: provide `clientTarget` (or `target` with kind "client")',
  );
}

const target = providedTarget();
const set = loadSpecsFor(target);
const session = new ClientSession(set, target);

beforeAll(async () => {
  await session.start();
});

afterAll(async () => {
  await session.close();
});

for (const def of session.catalogue()) {
  test(def.id, async (ctx) => {
    const outcome = await session.runCheck(def);
    const record: CheckRecord = toCheckRecord(
      def,
      outcome,
      target,
      outcome.status === 'failed' ? session.diagnostics() : '',
    );
    (ctx.task.meta as { conformance?: CheckRecord }).conformance = record;
    if (outcome.status === 'not-run') {
      ctx.skip(outcome.notRunReason ?? 'not run');
      return;
    }
    if (outcome.status === 'failed') throw new Error(record.detail ?? outcome.detail);
  });
}
