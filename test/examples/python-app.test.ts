// The Python example (examples/app-tests/python): a boto3 app and its unittest tests, run with
// Debian's python as its README says, against the server mode as a user starts it
// (`npx mturk-conformance emulator --accept-any-signature`), Workers and the clock through the
// control endpoint. CI installs python3-boto3 (.ci/run): a missing boto3 fails, never skips.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const DIR = resolve(ROOT, 'examples/app-tests/python');
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
let child: ChildProcess;
let url = '';

beforeAll(async () => {
  // npx finds the project's own bin; --no-install: never the registry
  child = spawn(NPX, ['--no-install', 'mturk-conformance', 'emulator', '--port', '0', '--accept-any-signature'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // its own process group, so that the emulator under npx is stopped with it
    detached: true,
  });
  url = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) ok(m[1]!);
    });
    child.on('close', (code) => fail(new Error(`the emulator exited ${code}: ${out}`)));
  });
}, 60_000);
afterAll(async () => {
  if (child?.pid === undefined || child.exitCode !== null) return;
  const closed = new Promise((r) => child.once('close', r));
  process.kill(-child.pid, 'SIGTERM');
  await closed;
});

describe('examples/app-tests/python', () => {
  it('its unittest tests pass against the server mode with Debian’s boto3', async () => {
    const r = await run('/usr/bin/python3', ['-m', 'unittest', '-v', 'test_labelling'], {
      cwd: DIR,
      env: { ...process.env, MTURK_ENDPOINT: url, PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 120_000,
    }).catch((e: { stdout?: string; stderr?: string; code?: number }) => ({ ...e, failed: true }));
    // unittest reports on stderr
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    expect('failed' in r ? out : 'passed', out).toBe('passed');
    expect(out).toMatch(/^Ran 4 tests in /m);
    expect(out).toMatch(/^OK$/m);
    expect(out).not.toMatch(/skipped/);
  }, 180_000);
});
