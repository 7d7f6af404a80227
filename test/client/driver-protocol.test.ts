// The driver protocol: the SDK as a driver subprocess passes; drivers that
// crash, hang, print garbage or answer the wrong id fail their cases with a
// clear message, and the run ends in bounded time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { exampleDriverCommand } from '../../src/cli/commands/client.ts';
import { runClientChecks } from '../../src/client-checks/lanes.ts';
import { driverEnv, startDriver } from '../../src/driver/driver-client.ts';
import { splitCommand } from '../../src/driver/split.ts';
import type { ClientTargetConfig } from '../../src/mock/types.ts';
import { loadSpecs } from '../../src/spec/load.ts';

const set = loadSpecs();
const BROKEN = join(import.meta.dirname, '..', 'fixtures', 'broken-drivers');
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

describe('broken drivers fail their cases with a clear message, in bounded time', () => {
  const cases: [string, RegExp][] = [
    ['crash.mjs', /driver exited with code 3[\s\S]*something went badly wrong/],
    ['hang.mjs', /no answer to case c\d+|did not answer 2 cases in a row/],
    ['garbage.mjs', /not a JSON object[\s\S]*not json/],
    ['wrong-id.mjs', /answered id "c\d+-other" while case "c\d+" was waiting/],
  ];
  for (const [script, message] of cases) {
    test(script, async () => {
      const started = Date.now();
      const config: ClientTargetConfig = {
        ...base,
        driver: node(script),
        operations: ['RejectAssignment'],
        timeoutMs: 800,
      };
      const results = await runClientChecks(set, config);
      const elapsed = Date.now() - started;
      expect(results.length).toBeGreaterThan(3);
      for (const r of results) {
        expect(r.outcome.status, r.def.id).toBe('failed');
        expect(r.outcome.detail).toMatch(/the client could not be run/);
      }
      expect(results.map((r) => r.outcome.detail).join('\n')).toMatch(message);
      expect(elapsed).toBeLessThan(20_000);
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

  test('a late answer to a timed-out case is not taken for the next case', async () => {
    const driver = startDriver({
      command: `'${process.execPath}' -e "${[
        "const rl=require('readline').createInterface({input:process.stdin});",
        'let n=0;',
        "rl.on('line',l=>{const {id}=JSON.parse(l);n++;",
        "setTimeout(()=>process.stdout.write(JSON.stringify({id,output:{n}})+'\\\\n'),n===1?400:0);});",
      ].join('')}"`,
      api: '2017-01-17',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'K', secretAccessKey: 'S' },
      timeoutMs: 200,
      maxTimeouts: 5,
    });
    await expect(driver.call('X', {})).rejects.toThrow(/no answer to case c1/);
    await new Promise((r) => setTimeout(r, 400));
    await expect(driver.call('X', {})).resolves.toEqual({ output: { n: 2 } });
    await driver.close();
  });
});
