// `mturk-conformance report`: merging shards and targets, exit status.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseReport } from '../../src/report/load.ts';
import type { CheckResult, ConformanceReport } from '../../src/report/types.ts';
import { writeReports } from '../../src/runner/output.ts';
import { report, result } from '../report/fixtures.ts';
import { cli, ownLines, scratchDir } from './helpers.ts';

/** A check result as the report command's tests want it (a failure's detail has two lines). */
function check(id: string, status: CheckResult['status'], severity: CheckResult['severity'] = 'must') {
  return result(id, { status, severity, detail: status === 'failed' ? 'broken\nmore' : '', reproduce: 'x' });
}

/** A run (or one shard of it) against a server at `endpoint`. */
function run(endpoint: string, shard: string | undefined, results: CheckResult[]): ConformanceReport {
  return report(results, {
    target: { kind: 'server', endpoint },
    api: ['2017-01-17'],
    seed: 77,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 10,
    ...(shard ? { shard } : {}),
  });
}

describe('mturk-conformance report', () => {
  test('merges the shards of one run; exit 1 on a must failure', async () => {
    const cwd = await scratchDir();
    await writeReports(join(cwd, 's1'), [
      run('http://127.0.0.1:8080', '1/2', [check('2017-01-17/A/a', 'passed')]),
    ]);
    await writeReports(join(cwd, 's2'), [
      run('http://127.0.0.1:8080', '2/2', [check('2017-01-17/A/b', 'failed')]),
    ]);
    const r = await cli(['report', 's1', 's2/conformance.json', '--out', 'merged'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    const merged = parseReport(
      JSON.parse(await readFile(join(cwd, 'merged', 'conformance.json'), 'utf8')),
      'm',
    );
    expect(merged.results.map((x) => x.id).sort()).toEqual(['2017-01-17/A/a', '2017-01-17/A/b']);
    expect(merged.shard).toBeUndefined();
    expect(r.stdout).toContain('1 passed, 1 failed (1 must, 0 should)');
    expect(r.stdout).toContain(`report: ${join(cwd, 'merged', 'report.html')}`);
  });

  test('a should failure gates only with --strict; several targets side by side', async () => {
    const cwd = await scratchDir();
    await writeReports(join(cwd, 'a'), [
      run('http://127.0.0.1:1', undefined, [check('2017-01-17/A/a', 'passed')]),
    ]);
    await writeReports(join(cwd, 'b'), [
      run('http://127.0.0.1:2', undefined, [check('2017-01-17/A/a', 'failed', 'should')]),
    ]);
    const lax = await cli(['report', 'a', 'b', '--out', 'm'], { cwd });
    expect(lax.code, lax.stderr).toBe(0);
    const files = await readdir(join(cwd, 'm'));
    expect(files).toEqual(
      expect.arrayContaining(['127-0-0-1-1', '127-0-0-1-2', 'junit.xml', 'report.html', 'summary.md']),
    );
    const strict = await cli(['report', 'a', 'b', '--out', 'm', '--strict'], { cwd });
    expect(strict.code).toBe(1);
    // the merged directory reads back as the same two targets
    const again = await cli(['report', 'm', '--out', 'm2'], { cwd });
    expect(again.code).toBe(0);
    expect(again.stdout.match(/^http:\/\/127\.0\.0\.1:\d \(server\)$/gm)).toHaveLength(2);
  });

  test('refuses an --out dir holding other files; unreadable input → exit 2', async () => {
    const cwd = await scratchDir();
    await writeReports(join(cwd, 'a'), [
      run('http://127.0.0.1:1', undefined, [check('2017-01-17/A/a', 'passed')]),
    ]);
    await writeFile(join(cwd, 'keep.txt'), 'x');
    const r = await cli(['report', 'a', '--out', '.'], { cwd });
    expect(r.code).toBe(2);
    expect(ownLines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/--out \. holds files this tool did not write \(a\/, keep\.txt\)/);
    await writeFile(join(cwd, 'bad.json'), '{"tool": 1}');
    const bad = await cli(['report', 'bad.json'], { cwd });
    expect(bad.code).toBe(2);
    expect(ownLines(bad.stderr)).toEqual([
      expect.stringMatching(/^mturk-conformance report: \S*bad\.json: missing required field "target"$/),
    ]);
  });

  test('refuses shards that do not make up one run (exit 2), unless --allow-partial', async () => {
    const cwd = await scratchDir();
    const endpoint = 'http://127.0.0.1:8080';
    await writeReports(join(cwd, 's1'), [run(endpoint, '1/3', [check('2017-01-17/A/a', 'passed')])]);
    await writeReports(join(cwd, 's2'), [run(endpoint, '2/3', [check('2017-01-17/A/b', 'passed')])]);
    const partial = await cli(['report', 's1', 's2', '--out', 'merged'], { cwd });
    expect(partial.code).toBe(2);
    expect(ownLines(partial.stderr)).toEqual([
      'mturk-conformance report: refusing to merge: http://127.0.0.1:8080 (seed 77): shard 3/3 is missing; pass --allow-partial to merge anyway',
    ]);
    expect(await readdir(cwd)).not.toContain('merged');

    const anyway = await cli(['report', 's1', 's2', '--out', 'merged', '--allow-partial'], { cwd });
    expect(anyway.code).toBe(0);
    expect(ownLines(anyway.stderr)).toEqual([
      'mturk-conformance report: WARNING: http://127.0.0.1:8080 (seed 77): shard 3/3 is missing: the merged report is partial or mixed',
    ]);

    const other = run(endpoint, '3/3', [check('2017-01-17/A/c', 'passed')]);
    other.seed = 78;
    await writeReports(join(cwd, 's3'), [other]);
    const seeds = await cli(['report', 's1', 's2', 's3', '--out', 'merged2'], { cwd });
    expect(seeds.code).toBe(2);
    expect(ownLines(seeds.stderr)[0]).toMatch(/different seeds \(77, 78\)/);
  });
});
