// `mturk-conformance run` (what `npm start` runs): emulator + server suite +
// bundled clients, one merged report directory.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadReports } from '../../src/report/load.ts';
import { cli } from './helpers.ts';

test('run: exit 0, one conformance.json per target, merged html/summary/junit, a table', async () => {
  // the whole catalogue and every bundled client: under a minute idle, minutes under load
  const r = await cli(['run', '--runs', '3', '--seed', '8', '--report-dir', 'out', '--no-progress'], {
    timeoutMs: 480_000,
  });
  expect(r.code, r.stderr).toBe(0);
  const dir = join(r.cwd, 'out');
  const files = await readdir(dir);
  expect(files).toEqual(
    expect.arrayContaining(['report.html', 'summary.md', 'junit.xml', 'reference-emulator']),
  );
  const reports = await loadReports([dir]);
  const server = reports.find((x) => x.target.kind === 'server');
  expect(server?.target.name).toBe('reference emulator');
  expect(server?.api.sort()).toEqual(['2014-08-15', '2017-01-17']);
  expect(server?.summary.notRun).toBe(0);
  expect(server?.summary.failed).toBe(0);
  expect(server?.seed).toBe(8);
  if (!/client suite not available/.test(r.stderr)) {
    expect(reports.filter((x) => x.target.kind === 'client').length).toBeGreaterThan(0);
  }
  const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
  expect(junit.match(/<testsuite /g)?.length).toBe(reports.length);
  expect(r.stdout).toMatch(/^reference emulator \(server, http:\/\/127\.0\.0\.1:\d+\)$/m);
  expect(r.stdout).toMatch(/operation\s+2017-01-17\s+2014-08-15/);
  expect(r.stdout).toContain(`report: ${join(dir, 'report.html')}`);
  // a second run replaces its own files without complaint
  const again = await cli(
    ['run', '--runs', '1', '--seed', '9', '--report-dir', 'out', '--no-progress', '--server-only'],
    {
      cwd: r.cwd,
    },
  );
  expect(again.code, again.stderr).toBe(0);
  expect((await loadReports([dir])).map((x) => x.seed)).toEqual([9]);
}, 720_000);
