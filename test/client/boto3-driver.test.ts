// boto3 through examples/drivers/boto3_driver.py (Debian's /usr/bin/python3 with
// python3-boto3). This test FAILS, not skips, when boto3 cannot be imported: CI
// installs python3-boto3, so a missing module is a broken environment.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { boto3Available, exampleDriverCommand } from '../../src/cli/commands/client.ts';
import { runClientChecks } from '../../src/client-checks/lanes.ts';
import { startDriver } from '../../src/driver/driver-client.ts';
import { loadSpecs } from '../../src/spec/load.ts';

const EXPECTED = join(import.meta.dirname, '..', '..', 'fixtures', 'expected-failures', 'boto3-driver.txt');

function expectedIds(): Set<string> {
  return new Set(
    readFileSync(EXPECTED, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(/\s+/)[0]!),
  );
}

describe('boto3 driver', () => {
  test('makes a new client in its process when asked (fresh-client)', async () => {
    if (!boto3Available()) throw new Error('boto3 cannot be imported by /usr/bin/python3');
    const driver = startDriver({
      command: exampleDriverCommand('boto3'),
      api: '2017-01-17',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'K', secretAccessKey: 'S' },
      timeoutMs: 10_000,
    });
    try {
      // an undeclared member: botocore refuses the call before sending (nothing listens there)
      expect(await driver.call('GetAccountBalance', { x: 1 })).toHaveProperty('error');
      expect(await driver.fresh()).toBe(true);
      expect(await driver.call('GetAccountBalance', { x: 1 })).toHaveProperty('error');
    } finally {
      await driver.close();
    }
  });

  test('runs with /usr/bin/python3 and passes every check but its documented deviations', async () => {
    if (!boto3Available())
      throw new Error(
        'boto3 cannot be imported by /usr/bin/python3: install Debian python3-boto3 (apt-get install python3-boto3) to run the boto3 driver test',
      );
    const results = await runClientChecks(loadSpecs(), {
      kind: 'client',
      client: 'driver',
      driver: exampleDriverCommand('boto3'),
      apis: ['2017-01-17'],
      runs: 3,
      seed: 99,
      // as users run it: boto3's default retries (legacy mode, 5 attempts) and the CLI's default
      // time limit; lanes so that the back-off of one call does not hold up every other check
      // (the waits are sleeps, not work: more lanes than cores is what shortens them)
      timeoutMs: 10_000,
      lanes: 4,
    });
    const expected = expectedIds();
    expect(results.length).toBeGreaterThan(0);
    const unexpected = results
      .filter((r) => (r.outcome.status === 'failed') !== expected.has(r.def.id))
      .map((r) => `${r.def.id}: ${r.outcome.status} ${r.outcome.detail}`);
    expect(unexpected).toEqual([]);
    // the documented deviation is the `{type}:{uri}` error type form and nothing else
    for (const r of results.filter((x) => expected.has(x.def.id)))
      expect(r.outcome.detail).toMatch(/type form \{type\}:\{uri\}/);
  }, 480_000);
});
