// Helpers for the CLI's end-to-end tests: run bin/mturk-conformance.mjs as a
// child process (from a scratch directory, so nothing depends on the current
// directory), and small local targets.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../bin/mturk-conformance.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  cwd: string;
}

export async function scratchDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'mturk-conformance-cli-'));
}

/**
 * Runs the CLI asynchronously (targets served from this process keep answering meanwhile).
 * The credential variables of this process are not passed on; `env` sets variables of the child.
 * `bin`: another copy's executable (default: this repository's).
 */
export async function cli(
  args: string[],
  options: { cwd?: string; timeoutMs?: number; env?: Record<string, string>; bin?: string } = {},
): Promise<CliResult> {
  const cwd = options.cwd ?? (await scratchDir());
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      cwd,
      env: {
        ...process.env,
        NO_COLOR: '1',
        MTURK_CONFORMANCE_DEBUG: '',
        MTURK_ACCESS_KEY: undefined,
        MTURK_SECRET_KEY: undefined,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, cwd });
    });
  });
}

/** stderr without the AWS SDK's Node version notice (printed by a dependency, not by us). */
export function ownLines(stderr: string): string[] {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  return lines.filter(
    (l) =>
      !/NodeVersionSupportWarning|AWS SDK|^versions published|^will require node|^To continue|^and security|^More information|--trace-warnings/.test(
        l,
      ),
  );
}

/** A stack trace looks like "    at fn (file:line:col)". */
export const STACK_LINE = /^\s+at .+[:(]/m;

/** A server that answers every request with `200 <html>oops</html>`. */
export async function startGarbageServer(): Promise<{
  url: string;
  hits: () => number;
  close: () => Promise<void>;
}> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>oops</html>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port nothing listens on: bind one, note it, close it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
