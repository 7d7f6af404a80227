// The runner refuses MTurk's own endpoints always (even with --allow-remote)
// and any non-loopback endpoint without --allow-remote, before any connection
// is attempted: the CLI runs with a preload that logs every TCP connect and
// DNS lookup, and a server listening on this machine's non-loopback address
// checks that nobody knocked.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os, { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'mturk-conformance.mjs');
const PRELOAD = join(import.meta.dirname, 'record-connections.mjs');
const work = mkdtempSync(join(tmpdir(), 'mturk-safety-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  connects: Array<{ what: string; host?: string; port?: number }>;
}

// the guard only ends a CLI that hangs: a refusal is quick, but starting node and the CLI took
// 20 s and more on a loaded machine (it stays under the test timeout, so a hang reads as a failure)
function cli(args: string[], timeoutMs = 150_000): Promise<CliResult> {
  const log = join(work, `connect-${++n}.log`);
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', PRELOAD, BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, MTURK_SAFETY_CONNECT_LOG: log, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const connects = existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as CliResult['connects'][number])
        : [];
      done({ code, stdout, stderr, connects });
    });
  });
}

const MTURK = ['https://mechanicalturk.amazonaws.com/', 'https://mturk-requester.us-east-1.amazonaws.com'];

describe('the server command refuses what it must never touch', () => {
  it('the connection log works (sanity: a loopback run is recorded)', async () => {
    const srv = http.createServer((_q, s) => s.end());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as AddressInfo).port;
    try {
      const r = await cli(
        [
          'server',
          '--endpoint',
          `http://127.0.0.1:${port}/`,
          '--operations',
          'RejectAssignment',
          '--api',
          '2017-01-17',
          '--runs',
          '1',
          '--timeout-ms',
          '500',
          '--no-progress',
          '--report-dir',
          join(work, 'sanity'),
        ],
        150_000,
      );
      expect(r.connects.some((c) => c.what === 'connect' && c.port === port)).toBe(true);
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  }, 180_000);

  for (const endpoint of MTURK) {
    for (const allow of [false, true]) {
      it(`refuses ${endpoint}${allow ? ' even with --allow-remote' : ''}`, async () => {
        const r = await cli([
          'server',
          '--endpoint',
          endpoint,
          ...(allow ? ['--allow-remote'] : []),
          '--report-dir',
          join(work, `r${n}`),
        ]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/refusing/i);
        expect(r.stderr).toMatch(/Mechanical Turk/i);
        expect(r.stderr).not.toMatch(/^\s+at /m);
        expect(r.connects, JSON.stringify(r.connects)).toEqual([]);
      });
    }
  }

  it('refuses the MTurk host as --states-url too', async () => {
    const r = await cli([
      'server',
      '--endpoint',
      'http://127.0.0.1:9/',
      '--states-url',
      'https://mturk-requester.us-east-1.amazonaws.com/_states',
      '--allow-remote',
      '--report-dir',
      join(work, 'states'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing/i);
    expect(r.connects).toEqual([]);
  });

  it('refuses a non-loopback address without --allow-remote, at once, with no connection', async () => {
    const r = await cli([
      'server',
      '--endpoint',
      'http://10.255.255.1:8080/',
      '--report-dir',
      join(work, 'ten'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing .*not a loopback address/i);
    expect(r.stderr).toMatch(/--allow-remote/);
    // "at once" is what the connection log shows: no connect and no DNS lookup was even tried (a
    // time bound measured the machine's load as much as the refusal)
    expect(r.connects).toEqual([]);
  });

  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  it.skipIf(!external)(
    `a server on this machine's own non-loopback address (${external}) sees no connection`,
    async () => {
      let connections = 0;
      const srv = http.createServer((_q, s) => s.end('{}'));
      srv.on('connection', () => connections++);
      await new Promise<void>((r) => srv.listen(0, external, () => r()));
      const port = (srv.address() as AddressInfo).port;
      try {
        const r = await cli([
          'server',
          '--endpoint',
          `http://${external}:${port}/`,
          '--report-dir',
          join(work, 'ext'),
        ]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/not a loopback address/);
        expect(r.connects).toEqual([]);
        await new Promise((w) => setTimeout(w, 200));
        expect(connections).toBe(0);
      } finally {
        srv.closeAllConnections();
        await new Promise<void>((r) => srv.close(() => r()));
      }
    },
  );
});

describe('the runner API refuses the same endpoints', () => {
  it('throws a one-line RunError before running anything', async () => {
    const { runConformance } = await import('../../src/runner/run.ts');
    const target = (endpoint: string) => ({
      kind: 'server' as const,
      endpoint,
      apis: ['2017-01-17' as const],
      runs: 1,
      seed: 1,
      timeoutMs: 500,
      credentials: [],
    });
    for (const endpoint of MTURK) {
      for (const allowRemote of [false, true]) {
        await expect(
          runConformance({ target: target(endpoint), allowRemote, progress: false }),
        ).rejects.toThrow(/refusing.*Mechanical Turk/i);
      }
    }
    await expect(
      runConformance({ target: target('http://10.255.255.1:8080/'), progress: false }),
    ).rejects.toThrow(/not a loopback/);
  });
});
