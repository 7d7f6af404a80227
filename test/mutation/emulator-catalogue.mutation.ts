// The test Stryker runs (stryker.config.mjs → stryker.vitest.config.ts): the
// server check catalogue, in-process, against a fresh reference emulator, with
// few runs. A mutant of the emulator's validation, engine or state code
// survives only if every check still passes. Not part of `npm test` (the
// broken-emulators test covers the same ground with more runs).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serverChecks } from '../../src/checks/catalogue.ts';
import { runCheck } from '../../src/checks/run.ts';
import type { CheckResult, ServerTargetConfig } from '../../src/checks/types.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { TEST_CREDENTIALS } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { APIS } from '../../src/spec/types.ts';

const set = loadSpecs();
const RUNS = Number(process.env.MUTATION_RUNS ?? 3);

let emulator: RunningEmulator;
let results: CheckResult[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  const config: ServerTargetConfig = {
    kind: 'server',
    endpoint: emulator.url,
    statesUrl: emulator.statesUrl,
    apis: [...APIS],
    runs: RUNS,
    seed: 20261124,
    timeoutMs: 5000,
    credentials: [...TEST_CREDENTIALS],
  };
  results = await Promise.all(serverChecks(set, config).map((c) => runCheck(c, set, config)));
}, 120_000);

afterAll(async () => emulator?.close());

describe('reference emulator under the check catalogue', () => {
  for (const api of APIS) {
    test(`${api}: every check runs and no must-level check fails`, () => {
      const mine = results.filter((r) => r.record.api === api);
      expect(mine.length).toBeGreaterThan(10);
      const bad = mine.filter(
        (r) => r.status === 'not-run' || (r.status === 'failed' && r.record.severity === 'must'),
      );
      expect(bad.map((r) => `${r.record.id}: ${r.record.detail ?? r.record.notRunReason}`)).toEqual([]);
    });
  }
  test('should-level checks pass too', () => {
    const bad = results.filter((r) => r.status === 'failed');
    expect(bad.map((r) => r.record.id)).toEqual([]);
  });
});
