// A canary secret: run the server command against the emulator with
// credentials whose secret keys are canaries registered in the emulator, then
// search stdout, stderr and every file of the report directory for them. The
// secrets must appear nowhere (signatures derived from them are fine), whether
// they came on the command line (--secret-key) or from the environment
// (MTURK_ACCESS_KEY/MTURK_SECRET_KEY).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import type { ConformanceReport } from '../../src/report/types.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'mturk-conformance.mjs');

const CANARIES = [
  { accessKeyId: 'AKIACANARYREQUESTER1', secretAccessKey: 'CANARYc4n4ry5ecretNumber1xQ7zK9wP2mV8dL3' },
  { accessKeyId: 'AKIACANARYREQUESTER2', secretAccessKey: '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' },
];
/** Pieces long enough to be telling if a secret leaked partly, truncated or split. */
const NEEDLES = CANARIES.flatMap((c) => [
  c.secretAccessKey,
  c.secretAccessKey.slice(6, 30),
  c.secretAccessKey.slice(-20),
]);

let emulator: RunningEmulator;
const work = mkdtempSync(join(tmpdir(), 'mturk-canary-'));

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, credentials: CANARIES });
});
afterAll(async () => {
  await emulator?.close();
  rmSync(work, { recursive: true, force: true });
});

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

type Way = 'command line' | 'environment';

/** The canary key pairs as arguments and variables, given the one way or the other. */
function keys(way: Way): { args: string[]; env: Record<string, string> } {
  if (way === 'environment') {
    return {
      args: [],
      env: {
        MTURK_ACCESS_KEY: CANARIES.map((c) => c.accessKeyId).join(','),
        MTURK_SECRET_KEY: CANARIES.map((c) => c.secretAccessKey).join(','),
      },
    };
  }
  return {
    args: CANARIES.flatMap((c) => ['--access-key', c.accessKeyId, '--secret-key', c.secretAccessKey]),
    env: {},
  };
}

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        NO_COLOR: '1',
        MTURK_ACCESS_KEY: undefined,
        MTURK_SECRET_KEY: undefined,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    // only a run that hangs is cut (a whole catalogue took over 150 s on a loaded machine)
    const timer = setTimeout(() => child.kill('SIGKILL'), 480_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** The warning --secret-key gets, and only --secret-key. */
function expectWarning(way: Way, stderr: string): void {
  const warned = /warning: --secret-key is visible .*set MTURK_SECRET_KEY instead/.test(stderr);
  expect(warned, stderr).toBe(way === 'command line');
}

describe.each<Way>(['command line', 'environment'])('canary secret from the %s', (way) => {
  const slug = way.replace(' ', '-');
  it('never appears in output or in any report file', { timeout: 600_000 }, async () => {
    const reportDir = join(work, `report-${slug}`);
    const given = keys(way);
    const args = ['server', '--endpoint', emulator.url, '--states-url', emulator.statesUrl, ...given.args];
    // The whole catalogue once (command line): every check's output is searched. From the
    // environment the keys take another way in and then the same one through the run, which a
    // sample of both API versions shows; a second whole catalogue passed 150 s under load.
    if (way === 'environment') args.push('--operations', 'GetAssignment,RejectAssignment,CreateHIT');
    args.push(
      '--runs',
      '3',
      '--seed',
      '11',
      '--timeout-ms',
      '2000',
      '--report-dir',
      reportDir,
      '--no-progress',
    );
    const r = await run(args, given.env);
    expectWarning(way, r.stderr);
    // the canary keys work: the emulator serves them, so checks pass (0) or some fail (1); never a refusal
    expect([0, 1], r.stderr).toContain(r.code);
    const written = files(reportDir);
    expect(written.length).toBeGreaterThan(0);
    const texts: Array<[string, string]> = [
      ['stdout', r.stdout],
      ['stderr', r.stderr],
      ...written.map((f) => [f, readFileSync(f, 'latin1')] as [string, string]),
    ];
    for (const [where, text] of texts) {
      for (const needle of NEEDLES) expect(text.includes(needle), `${needle} found in ${where}`).toBe(false);
    }
    // the run really used the canary credentials
    const report = readFileSync(join(reportDir, 'conformance.json'), 'utf8');
    expect(report.includes('AKIACANARYREQUESTER1') || r.stdout.includes('AKIACANARYREQUESTER1')).toBe(true);
  });

  it('a failing run (target broken) does not print it either', { timeout: 180_000 }, async () => {
    // a server that answers the wrong thing makes checks fail: failure messages, curl lines and
    // reproduce lines are where a secret could slip in
    const http = await import('node:http');
    const srv = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end('{"Unexpected":true}');
      });
    });
    await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', () => ok()));
    const port = (srv.address() as import('node:net').AddressInfo).port;
    const reportDir = join(work, `report-broken-${slug}`);
    const given = keys(way);
    try {
      const args = [
        'server',
        '--endpoint',
        `http://127.0.0.1:${port}/`,
        '--operations',
        'RejectAssignment',
        ...given.args,
      ];
      args.push(
        '--runs',
        '2',
        '--seed',
        '3',
        '--timeout-ms',
        '1000',
        '--report-dir',
        reportDir,
        '--no-progress',
      );
      const r = await run(args, given.env);
      expect(r.code).toBe(1);
      expectWarning(way, r.stderr);
      // the reproduce lines name the access keys and leave the secrets to MTURK_SECRET_KEY
      const reproduce = (
        JSON.parse(readFileSync(join(reportDir, 'conformance.json'), 'utf8')) as ConformanceReport
      ).results.flatMap((x) => (x.status === 'failed' && x.reproduce ? [x.reproduce] : []));
      expect(reproduce.length).toBeGreaterThan(0);
      for (const line of reproduce) {
        expect(line).toContain(CANARIES.map((c) => `--access-key ${c.accessKeyId}`).join(' '));
        expect(line).not.toContain('--secret-key');
      }
      const texts: Array<[string, string]> = [
        ['stdout', r.stdout],
        ['stderr', r.stderr],
        ...files(reportDir).map((f) => [f, readFileSync(f, 'latin1')] as [string, string]),
      ];
      for (const [where, text] of texts) {
        for (const needle of NEEDLES)
          expect(text.includes(needle), `${needle} found in ${where}`).toBe(false);
      }
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((ok) => srv.close(() => ok()));
    }
  });
});
