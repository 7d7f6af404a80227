import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runConformance } from '../../src/runner/run.ts';
import type { Target } from '../../src/runner/types.ts';

const include = [join(import.meta.dirname, 'fixtures/suite/demo.suite.ts')];

function demo(extra: Record<string, unknown> = {}): Target {
  return { kind: 'client', driver: 'demo', seed: 42, runs: 3, ...extra } as Target;
}

describe('runConformance (in-process, fixture suite)', () => {
  test('maps passed / failed / skipped-with-reason into a report', async () => {
    const outcome = await runConformance({
      target: demo({ failing: ['2017-01-17/Op/b'], skipping: ['2014-08-15/Op/d'] }),
      include,
      progress: false,
    });
    const byId = Object.fromEntries(outcome.report.results.map((r) => [r.id, r]));
    expect(byId['2017-01-17/Op/a']?.status).toBe('passed');
    expect(byId['2017-01-17/Op/b']?.status).toBe('failed');
    expect(byId['2017-01-17/Op/b']?.detail).toContain('broke with seed 42');
    expect(byId['2014-08-15/Op/d']).toMatchObject({ status: 'not-run', detail: 'needs provider states' });
    expect(outcome.report.summary).toEqual({ passed: 3, failed: 1, notRun: 1, expectedFailures: 0 });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.report.coverage?.['2017-01-17/Op']).toEqual({ case: 6 });
  });
});
