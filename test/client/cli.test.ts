// The client command end to end: through the runner (vitest Node API), the
// report files, the exit codes, and a hanging driver that still ends in time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { ConformanceReport } from '../../src/report/types.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'mturk-conformance.mjs');
const dirs: string[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mturk-client-cli-'));
  dirs.push(d);
  return d;
}

function cli(args: string[], timeout = 240_000) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [BIN, 'client', ...args, '--no-progress'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, AWS_SECRET_ACCESS_KEY: 'parent-secret-must-not-leak' },
  });
  return { ...r, elapsed: Date.now() - started };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('mturk-conformance client', () => {
  test('--client legacy-rest writes a client report and exits 0', () => {
    const dir = tempDir();
    const r = cli(['--client', 'legacy-rest', '--runs', '2', '--seed', '5', '--report-dir', dir, '--force']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as ConformanceReport;
    expect(report.target.kind).toBe('client');
    expect(report.target.driver).toMatch(/legacy-rest/);
    expect(report.api).toEqual(['2014-08-15']);
    expect(report.results.length).toBeGreaterThan(10);
    expect(report.results.every((x) => /^2014-08-15\/\w+\/client\./.test(x.id))).toBe(true);
  });

  test('a driver that hangs fails its cases and the run ends in bounded time', () => {
    const dir = tempDir();
    const driver = `'${process.execPath}' test/fixtures/broken-drivers/hang.mjs`;
    const r = cli([
      '--driver',
      driver,
      '--operations',
      'RejectAssignment',
      '--runs',
      '2',
      '--seed',
      '5',
      '--timeout-ms',
      '500',
      '--report-dir',
      dir,
      '--force',
    ]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.elapsed).toBeLessThan(60_000);
    const report = JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as ConformanceReport;
    expect(report.target.driver).toBe(driver);
    expect(report.results.every((x) => x.status === 'failed')).toBe(true);
    expect(report.results.map((x) => x.detail).join('\n')).toMatch(/no answer to case|did not answer/);
    expect(JSON.stringify(report)).not.toContain('parent-secret-must-not-leak');
  });

  test('a driver that cannot start is one line on stderr and exit 2, before any check', () => {
    const dir = tempDir();
    const notExecutable = join(dir, 'driver.sh');
    writeFileSync(notExecutable, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    const cases: [string, RegExp][] = [
      ['/nonexistent/python3 driver.py', /cannot start the driver \(\/nonexistent\/python3\): .*ENOENT/],
      [`cd ${dir} && /usr/bin/python3 driver.py`, /cannot start the driver \(cd\).*run without a shell/],
      [`'${notExecutable}'`, /cannot start the driver .*EACCES/],
      [
        `'${process.execPath}' '${join(dir, 'missing.mjs')}'`,
        /the driver exited with code 1 when started with no cases: .*Cannot find module/,
      ],
    ];
    for (const [driver, message] of cases) {
      const reportDir = join(dir, 'report');
      const r = cli(['--driver', driver, '--runs', '1', '--report-dir', reportDir, '--force'], 60_000);
      expect(r.status, `${driver}: ${r.stderr}`).toBe(2);
      const lines = r.stderr
        .trim()
        .split('\n')
        .filter((l) => !/seed \d+/.test(l));
      expect(lines, driver).toHaveLength(1);
      expect(lines[0], driver).toMatch(message);
      expect(existsSync(join(reportDir, 'conformance.json')), driver).toBe(false);
    }
  });

  test('usage errors exit 2', () => {
    expect(cli([]).status).toBe(2);
    expect(cli(['--client', 'nope']).status).toBe(2);
    expect(cli(['--client', 'sdk-v3', '--driver', 'x']).status).toBe(2);
    expect(cli(['--client', 'sdk-v3', '--max-attempts', '0']).status).toBe(2);
  });
});

describe('runClientSuite (what `mturk-conformance run` calls)', () => {
  test('returns one client report per bundled client', async () => {
    const { runClientSuite } = await import('../../src/cli/commands/client.ts');
    const { reports } = await runClientSuite({ seed: 3, runs: 1, progress: false });
    // sdk-v3, the legacy REST client and the legacy SOAP client
    expect(reports.map((r) => r.target.kind)).toEqual(['client', 'client', 'client']);
    expect(reports.map((r) => r.api)).toEqual([['2017-01-17'], ['2014-08-15'], ['2014-08-15']]);
    for (const r of reports)
      expect(r.results.filter((x) => x.severity === 'must' && x.status === 'failed')).toEqual([]);
  }, 240_000);
});
