// The Python example (examples/app-tests/python): a boto3 app and its pytest-style tests, run with
// Debian's python against the emulator's server mode (`mturk-conformance emulator`), Workers and the
// clock through the control endpoint.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../cli/helpers.ts';

const run = promisify(execFile);
const DIR = resolve(import.meta.dirname, '../../examples/app-tests/python');
let child: ChildProcess;
let url = '';

beforeAll(async () => {
  child = spawn(process.execPath, [BIN, 'emulator', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) ok(m[1]!);
    });
    child.on('close', (code) => fail(new Error(`the emulator exited ${code}`)));
  });
}, 60_000);
afterAll(() => {
  child?.kill('SIGTERM');
});

describe('examples/app-tests/python', () => {
  it('its tests pass against the server mode with Debian’s boto3', async () => {
    const r = await run('/usr/bin/python3', ['test_labelling.py'], {
      cwd: DIR,
      env: { ...process.env, MTURK_ENDPOINT: url, PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 120_000,
    }).catch((e: { stdout?: string; stderr?: string; code?: number }) => e);
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    expect(out).not.toMatch(/^FAIL /m);
    expect(out.match(/^PASS /gm)?.length, out).toBe(3);
  }, 180_000);
});
