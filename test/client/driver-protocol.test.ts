// The driver protocol: the SDK as a driver subprocess passes; drivers that
// crash, hang, print garbage or answer the wrong id fail their cases with a
// clear message, and the run ends in bounded time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { exampleDriverCommand } from '../../src/cli/commands/client.ts';
import { runClientChecks } from '../../src/client-checks/lanes.ts';
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
