// Ctrl-C in the middle of a run: the checks in flight finish, the report of what finished is
// written (the rest not-run, saying why), and the command exits 130, in bounded time.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { INTERRUPTED_DETAIL } from '../../src/runner/interrupt.ts';
import { BIN, STACK_LINE, scratchDir } from './helpers.ts';

test('SIGINT during `run` writes the partial report and exits 130', async () => {
  const cwd = await scratchDir();
  // more cases per property than the default, so that the run is still going when the signal
  // comes (each check in flight then still ends within seconds)
  const child = spawn(process.execPath, [BIN, 'run', '--runs', '1000', '--seed', '7', '--server-only'], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  // the signal goes a few seconds after the suite started: checks are running by then
  const started = new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      if (/server suite: /.test(stderr)) setTimeout(resolve, 3000);
    });
  });
  const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  await Promise.race([started, ended]);
  const signalledAt = Date.now();
  child.kill('SIGINT');
  const code = await ended;
  clearTimeout(guard);

  expect(code, stderr).toBe(130);
  expect(Date.now() - signalledAt).toBeLessThan(60_000);
  expect(stderr).toMatch(/interrupted: the report holds the \d+ of \d+ checks that finished/);
  expect(stderr).not.toMatch(STACK_LINE);
  expect(stdout).toMatch(/report: /);
  const report = JSON.parse(await readFile(join(cwd, 'reports/latest/conformance.json'), 'utf8')) as {
    results: { status: string; detail: string }[];
  };
  const stopped = report.results.filter((r) => r.detail === INTERRUPTED_DETAIL);
  expect(stopped.length).toBeGreaterThan(0);
  expect(stopped.every((r) => r.status === 'not-run')).toBe(true);
  // what finished before the signal is kept as it was judged
  expect(report.results.some((r) => r.status === 'passed')).toBe(true);
}, 180_000);
