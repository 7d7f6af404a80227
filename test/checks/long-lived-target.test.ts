// A CI runs the server suite again and again against one long-lived target: what earlier runs
// left behind (a spent balance, thousands of blocks, legacy-made HITs) must not fail a correct
// server. Each case sets up such a target in-process and runs the checks it once broke.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serverChecks } from '../../src/checks/catalogue.ts';
import { runCheck } from '../../src/checks/run.ts';
import type { CheckResult, ServerTargetConfig } from '../../src/checks/types.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { TEST_CREDENTIALS, TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { APIS } from '../../src/spec/types.ts';

const set = loadSpecs();

function config(em: RunningEmulator, operations: string[], runs = 10): ServerTargetConfig {
  return {
    kind: 'server',
    endpoint: em.url,
    statesUrl: em.statesUrl,
    apis: [...APIS],
    runs,
    seed: 7,
    timeoutMs: 15000,
    credentials: [...TEST_CREDENTIALS],
    operations,
  };
}

async function run(em: RunningEmulator, operations: string[], ids: RegExp): Promise<CheckResult[]> {
  const cfg = config(em, operations);
  const checks = serverChecks(set, cfg).filter((c) => ids.test(`${c.api}/${c.operation}/${c.check}`));
  expect(checks.length).toBeGreaterThan(0);
  return Promise.all(checks.map((c) => runCheck(c, set, cfg)));
}

const failures = (rs: CheckResult[]) =>
  rs.filter((r) => r.status === 'failed').map((r) => `${r.record.id}\n${r.record.detail}`);

let em: RunningEmulator;
beforeAll(async () => {
  em = await startEmulator({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => em?.close());

describe('a balance other runs spent', () => {
  test('the model runs of charged calls take the documented InsufficientFunds refusal', async () => {
    // what many earlier runs leave: a cent
    const account = set.model.account!;
    const store = em.emulator.store;
    store.update(store.accountOf(account.entity, TEST_REQUESTER_1.accessKeyId), { [account.field]: '0.01' });
    const rs = await run(em, ['ApproveAssignment', 'DisableHIT'], /\/stateful\.model$/);
    expect(failures(rs)).toEqual([]);
    // the runs met the refusal (the drained balance is what they ran against)
    expect(rs.filter((r) => r.status === 'passed').length).toBeGreaterThan(0);
  }, 60_000);
});

describe('a block list other runs filled', () => {
  test('the WorkerBlock model runs find their blocks past the hundredth page of ten', async () => {
    // what earlier runs leave: more blocks than a hundred pages of the default ten hold
    const store = em.emulator.store;
    for (let i = 0; i < 1010; i++) store.create('WorkerBlock', { owner: TEST_REQUESTER_1.accessKeyId });
    const rs = await run(
      em,
      ['CreateWorkerBlock', 'DeleteWorkerBlock', 'BlockWorker', 'UnblockWorker'],
      /^(2017-01-17|2014-08-15)\/[A-Za-z]+\/stateful\.model$/,
    );
    expect(failures(rs)).toEqual([]);
    expect(rs.filter((r) => r.status === 'passed').length).toBe(rs.length);
  }, 90_000);
});
