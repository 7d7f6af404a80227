// Before a run: start the driver once with no cases and close its stdin. A driver that cannot be
// started (the program is missing or not executable, a shell command line such as `cd dir && …`)
// or that exits with a failure status on its own (a missing script, an import that fails) would
// fail every check with the same message; the run is refused instead, with that one reason.
import { spawn } from 'node:child_process';
import type { Api } from '../spec/types.ts';
import type { Credentials } from '../wire/codec.ts';
import { driverEnv } from './driver-client.ts';
import { splitCommand } from './split.ts';

/** Words that only a shell understands; the driver command is run without one. */
const SHELL_WORDS = new Set([
  '&&',
  '||',
  '|',
  ';',
  '>',
  '>>',
  '<',
  '2>&1',
  '&',
  'cd',
  'export',
  'source',
  '.',
]);

export interface PreflightOptions {
  command: string;
  api: Api;
  credentials: Credentials;
  cwd?: string;
  /** How long the driver may take to exit after its stdin closed before it is left to the run (default 5 s). */
  waitMs?: number;
  baseEnv?: NodeJS.ProcessEnv;
}

function oneLine(s: string, n = 300): string {
  const lines = s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  // the last line that names an error (a Python traceback ends with it; Node prints it first,
  // then the stack and its version)
  const line =
    lines.findLast((l) => /error|cannot|can't|not found|no such|denied|exception/i.test(l)) ??
    lines.at(-1) ??
    '';
  return line.length > n ? `${line.slice(0, n)}…` : line;
}

/** Why the driver cannot run (one line), or undefined when it started and exited cleanly on end of input. */
export async function preflightDriver(opts: PreflightOptions): Promise<string | undefined> {
  let argv: string[];
  try {
    argv = splitCommand(opts.command);
  } catch (e) {
    return (e as Error).message;
  }
  if (argv.length === 0) return 'the driver command is empty';
  const shellHint = argv.some((w) => SHELL_WORDS.has(w))
    ? ' (the command is run without a shell, so `cd`, `&&`, pipes and redirections do not work: put them in a script and point --driver at it)'
    : '';
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    // the endpoint is a closed port: a driver that calls out before its first case gets nowhere
    env: driverEnv(opts.baseEnv ?? process.env, {
      endpoint: 'http://127.0.0.1:9',
      api: opts.api,
      credentials: opts.credentials,
    }),
    stdio: ['pipe', 'ignore', 'pipe'],
    shell: false,
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => {
    stderr = (stderr + c).slice(-4096);
  });
  child.stdin?.on('error', () => undefined);
  child.stdin?.end();
  const verdict = await new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => {
      // still running: it did start; whether it keeps to the protocol is for the run to see
      child.kill('SIGKILL');
      resolve(undefined);
    }, opts.waitMs ?? 5000);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve(`cannot start the driver (${argv[0]}): ${e.message}${shellHint}`);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(undefined);
      const why = stderr.trim() ? `: ${oneLine(stderr)}` : '';
      resolve(
        `the driver exited ${code !== null ? `with code ${code}` : `on signal ${signal}`} when started with no cases${why}${shellHint}`,
      );
    });
  });
  return verdict;
}
