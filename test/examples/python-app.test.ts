// The Python example (examples/app-tests/python): a boto3 app and its unittest tests, run with
// Debian's python by the command the README gives. The tests start the server mode as a user
// does (`npx mturk-conformance emulator --accept-any-signature`) and drive Workers and the clock
// through its control endpoint. CI installs python3-boto3 (.ci/run): without it this fails, never
// skips.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

describe('examples/app-tests/python', () => {
  it('its unittest tests pass against `npx mturk-conformance emulator` with Debian’s boto3', async () => {
    const { MTURK_ENDPOINT: _, ...env } = process.env;
    const r = await run('/usr/bin/python3', ['examples/app-tests/python/test_labelling.py', '-v'], {
      cwd: ROOT,
      env: { ...env, PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 180_000,
    }).catch((e: { stdout?: string; stderr?: string; code?: number }) => ({ ...e, failed: true }));
    // unittest reports on stderr
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    expect('failed' in r ? out : 'passed', out).toBe('passed');
    expect(out).toMatch(/^Ran 4 tests in /m);
    expect(out).toMatch(/^OK$/m);
    expect(out).not.toMatch(/skipped|Warning/);
  }, 180_000);
});
