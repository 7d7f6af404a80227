// The driver protocol: the SDK as a driver subprocess passes; drivers that
// crash, hang, print garbage or answer the wrong id fail their cases with a
// clear message, and the run ends in bounded time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { exampleDriverCommand } from '../../src/cli/commands/client.ts';
import {
  type ClientFactory,
  ClientSession,
  defaultFactory,
  runClientChecks,
} from '../../src/client-checks/lanes.ts';
import {
  type ClientCheckDef,
  type ClientCheckOutcome,
  clientCheckCatalogue,
} from '../../src/client-checks/mock-checks.ts';
import { clientReproduce } from '../../src/client-checks/reproduce.ts';
import { caseDeadlineMs } from '../../src/driver/deadline.ts';
import { driverEnv, startDriver } from '../../src/driver/driver-client.ts';
import { splitCommand } from '../../src/driver/split.ts';
import type { ClientTargetConfig } from '../../src/mock/types.ts';
import { loadSpecs } from '../../src/spec/load.ts';

const set = loadSpecs();
const BROKEN = join(import.meta.dirname, '..', 'fixtures', 'broken-drivers');
const RETRYING = join(import.meta.dirname, '..', 'fixtures', 'drivers');
const node = (script: string) => `'${process.execPath}' '${join(BROKEN, script)}'`;
const base = {
  kind: 'client' as const,
  client: 'driver' as const,
  apis: ['2017-01-17' as const],
  runs: 3,
  seed: 7,
};

describe('splitCommand', () => {
  test('splits words, keeps quoted spaces, no shell expansion', () => {
    expect(splitCommand(`python3 'my driver.py' --flag "a \\"b\\"" x\\ y $HOME`)).toEqual([
      'python3',
      'my driver.py',
      '--flag',
      'a "b"',
      'x y',
      '$HOME',
    ]);
    expect(() => splitCommand(`python3 'unterminated`)).toThrow(/unterminated/);
  });
});

describe('driverEnv', () => {
  test("scrubs the parent's AWS_* variables and sets the endpoint and test credentials", () => {
    const env = driverEnv(
      { PATH: '/bin', AWS_SECRET_ACCESS_KEY: 'real-secret', AWS_SESSION_TOKEN: 'tok', AWS_PROFILE: 'prod' },
      {
        endpoint: 'http://127.0.0.1:1',
        api: '2017-01-17',
        credentials: { accessKeyId: 'K', secretAccessKey: 'S' },
      },
    );
    expect(env.PATH).toBe('/bin');
    expect(env.AWS_SESSION_TOKEN).toBeUndefined();
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env.AWS_SECRET_ACCESS_KEY).toBe('S');
    expect(env.AWS_ACCESS_KEY_ID).toBe('K');
    expect(env.AWS_REGION).toBe('us-east-1');
    expect(env.MTURK_ENDPOINT).toBe('http://127.0.0.1:1');
    expect(env.MTURK_API_VERSION).toBe('2017-01-17');
  });
});

describe('the SDK as a driver subprocess', () => {
  test('passes every check of two operations', async () => {
    const config: ClientTargetConfig = {
      ...base,
      driver: exampleDriverCommand('sdk-v3'),
      operations: ['RejectAssignment', 'GetAssignment'],
      timeoutMs: 10_000,
    };
    const results = await runClientChecks(set, config);
    expect(results.length).toBeGreaterThan(0);
    expect(
      results.filter((r) => r.outcome.status !== 'passed').map((r) => `${r.def.id}: ${r.outcome.detail}`),
    ).toEqual([]);
  });
});

// "In bounded time" is each case's deadline, shown by the messages (no answer within 800 ms); the
// test timeout ends a run that ignores it. A wall-clock bound measured the machine's load too.
describe('broken drivers fail their cases with a clear message, in bounded time', () => {
  const cases: [string, RegExp][] = [
    ['crash.mjs', /driver exited with code 3[\s\S]*something went badly wrong/],
    ['hang.mjs', /(no answer to|did not answer) case c\d+ \(RejectAssignment\) within 800 ms/],
    ['garbage.mjs', /not a JSON object[\s\S]*not json/],
    ['wrong-id.mjs', /answered id "c\d+-other" while case "c\d+" was waiting/],
  ];
  for (const [script, message] of cases) {
    test(script, async () => {
      const config: ClientTargetConfig = {
        ...base,
        driver: node(script),
        operations: ['RejectAssignment'],
        timeoutMs: 800,
      };
      const results = await runClientChecks(set, config);
      expect(results.length).toBeGreaterThan(3);
      for (const r of results) {
        expect(r.outcome.status, r.def.id).toBe('failed');
        expect(r.outcome.detail).toMatch(/the client could not be run/);
      }
      expect(results.map((r) => r.outcome.detail).join('\n')).toMatch(message);
    });
  }

  test('a driver that crashed is started again for the next check', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'crash-once-')), 'marker');
    const results = await runClientChecks(set, {
      ...base,
      driver: `${node('crash-once.mjs')} '${marker}'`,
      operations: ['RejectAssignment'],
      timeoutMs: 10_000,
    });
    expect(results[0]!.outcome.status).toBe('failed');
    expect(results[0]!.outcome.detail).toMatch(/exited with code 3/);
    expect(results.slice(1).map((r) => `${r.def.id}: ${r.outcome.status} ${r.outcome.detail}`)).toEqual(
      results.slice(1).map((r) => `${r.def.id}: passed ${r.outcome.detail}`),
    );
    rmSync(dirname(marker), { recursive: true, force: true });
  });

  test('a driver that cannot be started fails with the reason', async () => {
    const results = await runClientChecks(set, {
      ...base,
      driver: '/nonexistent/driver --x',
      operations: ['RejectAssignment'],
      timeoutMs: 800,
    });
    for (const r of results) expect(r.outcome.detail).toMatch(/could not be started|exited/);
  });

  test('a driver that misses a deadline is stopped before its case fails; the next call fails at once', async () => {
    const driver = startDriver({
      command: `'${process.execPath}' -e "${[
        "const rl=require('readline').createInterface({input:process.stdin});",
        "rl.on('line',l=>{const {id}=JSON.parse(l);",
        "setTimeout(()=>process.stdout.write(JSON.stringify({id,output:{}})+'\\\\n'),400);});",
      ].join('')}"`,
      api: '2017-01-17',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'K', secretAccessKey: 'S' },
      timeoutMs: 200,
    });
    await expect(driver.call('X', {})).rejects.toThrow(/no answer to case c1 \(X\) within 200 ms/);
    expect(driver.deadReason()).toMatch(/stopped so that nothing it still sends reaches the next case/);
    // "at once": the call is refused before any timer or I/O callback could run (a driver still
    // waited on would need its deadline timer), not within a wall-clock bound
    const call = driver.call('X', {}).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    const first = await Promise.race([call, new Promise((r) => setImmediate(() => r('still waiting')))]);
    expect(first).toMatch(/did not answer case c1/);
    await driver.close();
  });
});

describe('retries: the case deadline allows the back-off of the faults it answers', () => {
  const retrying = (args: string) =>
    `'${process.execPath}' '${join(RETRYING, 'retrying-driver.mjs')}' ${args}`;

  test('caseDeadlineMs: base time plus botocore legacy back-off, capped by max attempts', () => {
    expect(caseDeadlineMs(10_000)).toBe(10_000);
    expect(caseDeadlineMs(10_000, 1)).toBe(11_000);
    expect(caseDeadlineMs(10_000, Number.POSITIVE_INFINITY)).toBe(25_000); // 5 attempts: 1+2+4+8 s
    expect(caseDeadlineMs(10_000, Number.POSITIVE_INFINITY, 3)).toBe(13_000);
    expect(caseDeadlineMs(0, Number.POSITIVE_INFINITY, 10)).toBe(
      1000 + 2000 + 4000 + 8000 + 16_000 + 4 * 20_000,
    );
  });

  test('the re-run line of a check keeps a --max-attempts that is not the default', () => {
    const def = {
      id: '2017-01-17/GetAssignment/client.error-code',
      api: '2017-01-17' as const,
      operation: 'GetAssignment',
    };
    const config: ClientTargetConfig = { ...base, driver: 'my-driver', timeoutMs: 10_000 };
    expect(clientReproduce(config, def)).not.toMatch(/--max-attempts/);
    expect(clientReproduce({ ...config, maxAttempts: 8 }, def)).toMatch(/ --max-attempts 8$/);
  });

  test("a client retrying on botocore's default (legacy) schedule at its longest back-off passes every check", async () => {
    // 5 attempts, 1 + 2 + 4 + 8 s: 15 s for a call whose every attempt fails, past the 10 s limit
    const results = await runClientChecks(set, {
      ...base,
      runs: 1,
      driver: retrying('5 1000,2000,4000,8000'),
      operations: ['RejectAssignment'],
      timeoutMs: 10_000,
    });
    expect(results.length).toBeGreaterThan(3);
    expect(
      results.filter((r) => r.outcome.status !== 'passed').map((r) => `${r.def.id}: ${r.outcome.detail}`),
    ).toEqual([]);
  }, 180_000);

  test('a client that retries too slowly fails the cases it misses and nothing it sends late reaches the next check', async () => {
    // deadline of a fault case: 4 s + 1 s (2 attempts); the driver sleeps 7 s before its retry
    const results = await runClientChecks(set, {
      ...base,
      runs: 1,
      driver: retrying('2 7000'),
      operations: ['GetAssignment'],
      timeoutMs: 4000,
      maxAttempts: 2,
    });
    const provokesFaults = (check: string) =>
      check === 'client.error-code' || check.startsWith('client.retry-');
    // client.invalid-input follows client.error-code: a late retry would land in its mock
    expect(results.some((r) => r.def.check === 'client.invalid-input')).toBe(true);
    for (const r of results) {
      if (provokesFaults(r.def.check)) {
        expect(r.outcome.status, r.def.id).toBe('failed');
        expect(r.outcome.detail, r.def.id).toMatch(
          /(no answer to|did not answer) case c\d+ \(\w+\) within 5000 ms/,
        );
      } else expect(`${r.def.id}: ${r.outcome.status} ${r.outcome.detail}`).toMatch(/: passed /);
    }
  }, 180_000);
});

// The SDKs' standard retry mode keeps a quota across calls that faults drain; the checks of later
// operations must not see a client an earlier operation's faults left without retries. In-process
// clients are made afresh per operation; a driver gets a new client in its process when it declared
// `fresh-client`, else a new process.
describe('a fresh client per operation', () => {
  const quotaDriver = (args = '') => `'${process.execPath}' '${join(RETRYING, 'quota-driver.mjs')}'${args}`;
  const api = '2017-01-17' as const;
  const fault = Object.entries(set.errors.errors).find(([, e]) => e.fault)![0];
  /** 60 calls answered with a fault on every attempt: 600 tokens of retries, more than the 500 of a full quota. */
  const drain = (operation: string, input: Record<string, unknown>): ClientCheckDef => ({
    id: `${api}/${operation}/test.drain`,
    api,
    operation,
    check: 'test.drain',
    severity: 'should',
    summary: 'spends the retry quota',
    rule: 'test',
    run: async (env) => {
      env.mock.setScript({ kind: 'error', error: fault, values: {} });
      for (let i = 0; i < 60; i++) await env.client.call(operation, input);
      return { status: 'passed', detail: '' };
    },
  });
  const retries = clientCheckCatalogue(set, {
    apis: [api],
    operations: ['GetHIT'],
    checks: ['client.retry-servicefault', 'client.retry-throttling'],
  });

  async function run(driver: string, defs: ClientCheckDef[]) {
    let starts = 0;
    const factory: ClientFactory = (...args) => {
      starts++;
      return defaultFactory(...args);
    };
    const session = new ClientSession(set, { ...base, driver, timeoutMs: 10_000 }, { factory });
    const outcomes: ClientCheckOutcome[] = [];
    try {
      await session.start();
      for (const def of defs) outcomes.push(await session.runCheck(def));
    } finally {
      await session.close();
    }
    return { starts, outcomes: outcomes.map((o) => `${o.status} ${o.detail}`) };
  }

  test('faults drain the quota driver: retry checks after them on the same operation fail', async () => {
    expect(retries.map((d) => d.check).sort()).toEqual([
      'client.retry-servicefault',
      'client.retry-throttling',
    ]);
    const r = await run(quotaDriver(), [drain('GetHIT', { HITId: 'H1' }), ...retries]);
    expect(r.starts).toBe(1);
    expect(r.outcomes.slice(1)).toEqual(
      retries.map(() => expect.stringMatching(/^failed .*the client gave up after 1 request/)),
    );
  });

  test('a driver that declared fresh-client gets a new client in its process before the next operation', async () => {
    const r = await run(quotaDriver(), [drain('GetAccountBalance', {}), ...retries]);
    expect(r.outcomes).toEqual(['passed ', ...retries.map(() => expect.stringMatching(/^passed /))]);
    expect(r.starts).toBe(1);
  });

  test('a driver that did not declare it (written before it), or failed to make one, is started again', async () => {
    for (const args of [' --no-fresh-client', ' --fresh-client-fails']) {
      const r = await run(quotaDriver(args), [drain('GetAccountBalance', {}), ...retries]);
      expect(r.outcomes, args).toEqual(['passed ', ...retries.map(() => expect.stringMatching(/^passed /))]);
      expect(r.starts, args).toBe(2);
    }
  });

  test('the example drivers make a new client in their process when asked', async () => {
    for (const [name, driverApi] of [
      ['sdk-v3', '2017-01-17'],
      ['legacy-soap', '2014-08-15'],
    ] as const) {
      const driver = startDriver({
        command: exampleDriverCommand(name),
        api: driverApi,
        endpoint: 'http://127.0.0.1:9',
        credentials: { accessKeyId: 'K', secretAccessKey: 'S' },
        timeoutMs: 10_000,
      });
      try {
        expect(await driver.call('GetAccountBalance', {}), name).toHaveProperty('error');
        expect(await driver.fresh(), name).toBe(true);
        expect(await driver.call('GetAccountBalance', {}), name).toHaveProperty('error');
      } finally {
        await driver.close();
      }
    }
  });

  test('the control message goes only to a driver that declared the feature, after it answered a case', async () => {
    const start = (args: string) =>
      startDriver({
        command: quotaDriver(args),
        api,
        endpoint: 'http://127.0.0.1:9',
        credentials: { accessKeyId: 'K', secretAccessKey: 'S' },
        timeoutMs: 10_000,
      });
    // [driver args, fresh() after an answer, the driver was sent the control message]
    const cases: [string, boolean, boolean][] = [
      ['', true, true],
      [' --fresh-client-fails', false, true],
      [' --no-fresh-client', false, false],
    ];
    for (const [args, fresh, sent] of cases) {
      const driver = start(args);
      try {
        expect(await driver.fresh(), `${args}: before any answer`).toBe(false);
        expect(await driver.call('GetAccountBalance', {})).toHaveProperty('error');
        expect(await driver.fresh(), args).toBe(fresh);
        expect(/a fresh client|control message/.test(driver.stderr()), args).toBe(sent);
        expect(driver.deadReason(), args).toBeUndefined();
      } finally {
        await driver.close();
      }
    }
  });
});
