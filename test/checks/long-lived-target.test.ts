// A CI runs the server suite again and again against one long-lived target: what earlier runs
// left behind (a spent balance, thousands of blocks, legacy-made HITs) must not fail a correct
// server. Each case sets up such a target in-process and runs the checks it once broke.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serverChecks } from '../../src/checks/catalogue.ts';
import { runCheck } from '../../src/checks/run.ts';
import { Session } from '../../src/checks/session.ts';
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
    // a server whose every account (a fresh requester's too) holds a cent, as many runs leave one
    const account = set.model.account!;
    const specs = structuredClone(set);
    specs.model.entities[account.entity]!.fields[account.field] = '0.01';
    const poor = await startEmulator({ port: 0, host: '127.0.0.1', specs });
    try {
      const rs = await run(poor, ['ApproveAssignment', 'DisableHIT'], /\/stateful\.model$/);
      expect(failures(rs)).toEqual([]);
      expect(rs.filter((r) => r.status === 'passed').length).toBe(rs.length);
    } finally {
      await poor.close();
    }
  }, 60_000);
});

describe("the usual requester's balance spent", () => {
  test('the charge checks pay from a fresh requester, whose balance nobody spent', async () => {
    // the usual requester's account as earlier runs leave it: a cent
    const account = set.model.account!;
    const store = em.emulator.store;
    store.update(store.accountOf(account.entity, TEST_REQUESTER_1.accessKeyId), { [account.field]: '0.01' });
    const charged = APIS.flatMap((api) =>
      [...set.apis[api].operations.values()].flatMap((op) =>
        op.behaviour.rules
          .filter((r) => r.kind === 'charge' || r.kind === 'cascade')
          .map((r) => `${api}/${op.operation}/rule.${r.id}`),
      ),
    );
    const operations = [...new Set(charged.map((id) => id.split('/')[1]!))];
    const rs = await run(em, operations, new RegExp(`^(${charged.join('|')})$`));
    expect(rs.length).toBeGreaterThan(3);
    expect(
      rs
        .filter((r) => r.status !== 'passed')
        .map((r) => `${r.record.id}: ${r.record.notRunReason ?? r.record.detail}`),
    ).toEqual([]);
  }, 60_000);
});

describe('a block list other runs filled', () => {
  test('an observation finds a block past the hundredth page of ten, in both APIs', async () => {
    // what earlier runs leave: more blocks than a hundred pages of the default ten hold, and then
    // the one the check looks for
    const store = em.emulator.store;
    const owner = TEST_REQUESTER_1.accessKeyId;
    for (let i = 0; i < 1010; i++) store.create('WorkerBlock', { owner });
    const last = store.create('WorkerBlock', { owner });
    const s = new Session(set, config(em, []), {
      id: 'test/observe',
      api: '2017-01-17',
      operation: 'ListWorkerBlocks',
      rule: 'test',
    });
    for (const api of APIS) {
      const seen = await s.observe(api, 'WorkerBlock', { WorkerId: last.id });
      expect(seen.present, api).toBe(true);
    }
  }, 30_000);

  test('the WorkerBlock model runs sign with a fresh requester: their list holds only their own blocks', async () => {
    const before = new Set(em.emulator.store.list('WorkerBlock').map((b) => b.id));
    const rs = await run(
      em,
      ['CreateWorkerBlock', 'DeleteWorkerBlock', 'BlockWorker', 'UnblockWorker'],
      /^(2017-01-17|2014-08-15)\/[A-Za-z]+\/stateful\.model$/,
    );
    expect(failures(rs)).toEqual([]);
    expect(rs.filter((r) => r.status === 'passed').length).toBe(rs.length);
    const made = em.emulator.store.list('WorkerBlock').filter((b) => !before.has(b.id));
    expect(made.length).toBeGreaterThan(0);
    const testKeys = TEST_CREDENTIALS.map((c) => c.accessKeyId);
    expect(made.filter((b) => b.owner !== undefined && testKeys.includes(b.owner)).map((b) => b.id)).toEqual(
      [],
    );
  }, 60_000);

  test('the valid requests of owned listings run each case as a fresh requester: a page holds what that case made', async () => {
    const testKeys = TEST_CREDENTIALS.map((c) => c.accessKeyId);
    const before = new Set(em.emulator.store.list('HIT').map((b) => b.id));
    const blocks = new Set(em.emulator.store.list('WorkerBlock').map((b) => b.id));
    const rs = await run(
      em,
      ['ListHITs', 'SearchHITs', 'ListWorkerBlocks', 'GetBlockedWorkers'],
      /^(2017-01-17|2014-08-15)\/[A-Za-z]+\/valid\.request$/,
    );
    expect(failures(rs)).toEqual([]);
    expect(rs.filter((r) => r.status === 'passed').length).toBe(rs.length);
    const made = [
      ...em.emulator.store.list('HIT').filter((h) => !before.has(h.id)),
      ...em.emulator.store.list('WorkerBlock').filter((b) => !blocks.has(b.id)),
    ];
    expect(made.length).toBeGreaterThan(0);
    expect(made.filter((e) => testKeys.includes(String(em.emulator.store.ownerOf(e))))).toEqual([]);
    // a requester per case, not one per check
    expect(new Set(made.map((e) => em.emulator.store.ownerOf(e))).size).toBeGreaterThan(rs.length);
  }, 60_000);
});
