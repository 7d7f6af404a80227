// runConformance in-process against a fixture suite (test/runner/fixtures/suite):
// status mapping, selection, shards, expected failures, redaction.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseReport } from '../../src/report/load.ts';
import { runConformance } from '../../src/runner/run.ts';
import type { Target } from '../../src/runner/types.ts';

const include = [join(import.meta.dirname, 'fixtures/suite/demo.suite.ts')];
const ALL = [
  '2014-08-15/Op/c',
  '2014-08-15/Op/d',
  '2014-08-15/Other/e',
  '2017-01-17/Op/a',
  '2017-01-17/Op/b',
];

function demo(extra: Record<string, unknown> = {}): Target {
  return { kind: 'client', driver: 'demo', seed: 42, runs: 3, ...extra } as Target;
}

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'mturk-conformance-runner-'));
}

describe('runConformance with a fixture suite', () => {
  test('maps passed / failed / skipped-with-reason into a valid report', async () => {
    const outcome = await runConformance({
      target: demo({ failing: ['2017-01-17/Op/b'], skipping: ['2014-08-15/Op/d'] }),
      include,
      progress: false,
    });
    const byId = Object.fromEntries(outcome.report.results.map((r) => [r.id, r]));
    expect(byId['2017-01-17/Op/a']?.status).toBe('passed');
    expect(byId['2017-01-17/Op/b']).toMatchObject({ status: 'failed', severity: 'must' });
    expect(byId['2017-01-17/Op/b']?.detail).toContain('broke with seed 42');
    expect(byId['2014-08-15/Op/d']).toMatchObject({ status: 'not-run', detail: 'needs provider states' });
    expect(outcome.report.summary).toEqual({ passed: 3, failed: 1, notRun: 1, expectedFailures: 0 });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.executed).toBe(4);
    expect(outcome.report.coverage?.['2017-01-17/Op']).toEqual({ case: 6 });
    expect(outcome.report.target).toEqual({ kind: 'client', driver: 'demo' });
    expect(() => parseReport(JSON.parse(JSON.stringify(outcome.report)), 'report')).not.toThrow();
  });

  test('a failing `should` check does not fail the run unless strict', async () => {
    const target = demo({ failing: ['2014-08-15/Other/e'] });
    expect((await runConformance({ target, include, progress: false })).exitCode).toBe(0);
    expect((await runConformance({ target, include, progress: false, strict: true })).exitCode).toBe(1);
  });

  test('--check takes ids and globs and leaves the others out of the report', async () => {
    const one = await runConformance({
      target: demo(),
      include,
      progress: false,
      checks: ['2017-01-17/Op/a'],
    });
    expect(one.report.results.map((r) => r.id)).toEqual(['2017-01-17/Op/a']);
    const glob = await runConformance({ target: demo(), include, progress: false, checks: ['2014-08-15/*'] });
    expect(glob.report.results.map((r) => r.id).sort()).toEqual(ALL.filter((id) => id.startsWith('2014')));
    const none = await runConformance({ target: demo(), include, progress: false, checks: ['nope/Nope/x'] });
    expect(none.exitCode).toBe(2);
    expect(none.reason).toMatch(/nothing matches --check/);
  });

  test('shards are disjoint and together cover every check once', async () => {
    const ids: string[] = [];
    for (const shard of ['1/2', '2/2']) {
      const outcome = await runConformance({ target: demo(), include, progress: false, shard });
      expect(outcome.report.shard).toBe(shard);
      expect(outcome.report.results.every((r) => r.status === 'passed')).toBe(true);
      ids.push(...outcome.report.results.map((r) => r.id));
    }
    expect(ids.sort()).toEqual(ALL);
  });

  test('all checks not run → exit 2 with the reason', async () => {
    const outcome = await runConformance({ target: demo({ skipping: ALL }), include, progress: false });
    expect(outcome.exitCode).toBe(2);
    expect(outcome.reason).toMatch(/^no checks ran: all 5 were not run/);
  });

  test('expected failures: listed+failing → expected-failure, listed+passing → failed', async () => {
    const dir = await tmp();
    const file = join(dir, 'expected.txt');
    await writeFile(file, '# known problems\n2017-01-17/Op/b  tracked in #12\n2017-01-17/Op/a\n');
    const outcome = await runConformance({
      target: demo({ failing: ['2017-01-17/Op/b'] }),
      include,
      progress: false,
      expectedFailures: file,
    });
    const byId = Object.fromEntries(outcome.report.results.map((r) => [r.id, r]));
    expect(byId['2017-01-17/Op/b']?.status).toBe('expected-failure');
    expect(byId['2017-01-17/Op/b']?.detail).toContain('tracked in #12');
    expect(byId['2017-01-17/Op/a']).toMatchObject({
      status: 'failed',
      detail: `passed but is listed in ${file}: remove it from the list`,
    });
    expect(outcome.exitCode).toBe(1);
  });

  test('--update-expected-failures keeps comments, writes a .bak and makes the run pass', async () => {
    const dir = await tmp();
    const file = join(dir, 'expected.txt');
    const before =
      '# known problems (keep this line)\n2017-01-17/Op/a  was broken once\n\n# more\n2014-08-15/Op/c\n';
    await writeFile(file, before);
    const outcome = await runConformance({
      target: demo({ failing: ['2017-01-17/Op/b', '2014-08-15/Op/c'] }),
      include,
      progress: false,
      expectedFailures: file,
      updateExpectedFailures: true,
    });
    expect(await readFile(`${file}.bak`, 'utf8')).toBe(before);
    const after = await readFile(file, 'utf8');
    expect(after).toContain('# known problems (keep this line)');
    expect(after).toContain('# more');
    expect(after).not.toContain('2017-01-17/Op/a');
    expect(after).toMatch(/^2014-08-15\/Op\/c$/m);
    expect(after).toMatch(/^2017-01-17\/Op\/b {2}2017-01-17\/Op\/b broke with seed 42$/m);
    expect(outcome.expectedFailuresUpdate).toMatchObject({
      added: ['2017-01-17/Op/b'],
      removed: ['2017-01-17/Op/a'],
    });
    expect(outcome.exitCode).toBe(0);
    expect(outcome.report.summary.expectedFailures).toBe(2);
  });

  test('progress counts expected failures apart from failures', async () => {
    const dir = await tmp();
    const file = join(dir, 'expected.txt');
    await writeFile(file, '2017-01-17/Op/b\n2014-08-15/Op/c\n');
    const lines: string[] = [];
    const stream = { write: (s: string) => lines.push(s) !== 0, isTTY: false };
    await runConformance({
      target: demo({ failing: ['2017-01-17/Op/b', '2014-08-15/Op/c', '2014-08-15/Op/d'] }),
      include,
      progress: { stream: stream as never, tty: false, intervalMs: 0 },
      expectedFailures: file,
    });
    expect(lines.at(-1)).toMatch(/^\[5\/5\] .* \.\.\. 1 failed, 2 expected failures\n$/);
  });

  test('--update-expected-failures never replaces a .bak that is already there', async () => {
    const dir = await tmp();
    const file = join(dir, 'expected.txt');
    await writeFile(file, '2017-01-17/Op/a\n');
    await writeFile(`${file}.bak`, 'my own notes\n');
    const outcome = await runConformance({
      target: demo({ failing: ['2017-01-17/Op/b'] }),
      include,
      progress: false,
      expectedFailures: file,
      updateExpectedFailures: true,
    });
    expect(await readFile(`${file}.bak`, 'utf8')).toBe('my own notes\n');
    expect(await readFile(`${file}.bak.1`, 'utf8')).toBe('2017-01-17/Op/a\n');
    expect(outcome.expectedFailuresUpdate?.backup).toBe(`${file}.bak.1`);
  });

  test('listed ids that match no check are reported as stale', async () => {
    const file = join(await tmp(), 'expected.txt');
    await writeFile(file, '2017-01-17/Op/renamed-check\n1999-01-01/Op/other-api\n');
    const lines: string[] = [];
    await runConformance({
      target: demo(),
      include,
      progress: false,
      expectedFailures: file,
      log: (l) => lines.push(l),
    });
    expect(lines).toEqual([
      `warning: 1 check id in ${file} matches no check of this suite (e.g. 2017-01-17/Op/renamed-check): remove it from the list`,
    ]);
  });

  test('secrets never reach the report', async () => {
    const outcome = await runConformance({
      target: demo({ failing: ['2017-01-17/Op/b'] }),
      include,
      progress: false,
      secrets: ['seed 42'],
    });
    expect(JSON.stringify(outcome.report)).not.toContain('seed 42');
    expect(JSON.stringify(outcome.report)).toContain('<redacted>');
  });

  test('no test files → a RunError', async () => {
    await expect(
      runConformance({ target: demo(), include: ['test/runner/fixtures/none/*.suite.ts'], progress: false }),
    ).rejects.toThrow(/no test files match/);
  });
});
