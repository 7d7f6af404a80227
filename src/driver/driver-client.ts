// The driver protocol, harness side: spawns a driver (no shell), writes one
// JSON case per line on its stdin and reads one JSON answer per line from its
// stdout. Harness-level failures (crash, hang, garbage, wrong id) make `call`
// throw a DriverError with a clear message. A driver that misses a case's
// deadline is killed (and its exit awaited) before the case fails, so its late
// retries cannot reach the mock of the next case; every later call fails at
// once and the session starts a fresh driver for the next check. Between operations the session
// asks a driver that declared the `fresh-client` feature for a new client (`fresh`); any other
// driver is never sent that message: the session starts a new process instead.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { datePaths, signingRegion, toJsonValue } from '../clients/common.ts';
import type { CallOptions, ClientResult, ClientUnderTest } from '../mock/types.ts';
import type { Api } from '../spec/types.ts';
import type { Credentials } from '../wire/codec.ts';
import { caseDeadlineMs, DEFAULT_CLIENT_MAX_ATTEMPTS } from './deadline.ts';
import { splitCommand } from './split.ts';

export class DriverError extends Error {
  override name = 'DriverError';
}

export interface DriverOptions {
  /** The command line, e.g. `python3 examples/drivers/boto3_driver.py`; split without a shell. */
  command: string;
  api: Api;
  endpoint: string;
  credentials: Credentials;
  /** How long one case may take before it fails, before the back-off allowance for its faults. */
  timeoutMs: number;
  /** The most attempts the client makes on retryable faults (the deadline allows their back-off); default 5. */
  maxAttempts?: number;
  cwd?: string;
  /** How much of the driver's stderr is kept (the tail), in characters; default 16384. */
  maxStderr?: number;
  /** The signing region the driver is told (AWS_REGION); default: the protocol specs'. */
  region?: string;
  /** The environment to start from (AWS_* variables are removed); default process.env. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Extra environment variables for the driver. */
  extraEnv?: Record<string, string>;
}

/** The driver's environment: the parent's minus every AWS_* variable, plus the endpoint and test credentials. */
export function driverEnv(
  base: NodeJS.ProcessEnv,
  v: { endpoint: string; api: Api; credentials: Credentials; region?: string },
): NodeJS.ProcessEnv {
  const region = v.region ?? signingRegion();
  const env: NodeJS.ProcessEnv = {};
  for (const [k, val] of Object.entries(base)) if (!/^AWS_/i.test(k)) env[k] = val;
  env.MTURK_ENDPOINT = v.endpoint;
  env.MTURK_API_VERSION = v.api;
  env.AWS_ACCESS_KEY_ID = v.credentials.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = v.credentials.secretAccessKey;
  env.AWS_REGION = region;
  env.AWS_DEFAULT_REGION = region;
  // keep SDKs from reading the user's files or the instance metadata service
  env.AWS_CONFIG_FILE = '/dev/null';
  env.AWS_SHARED_CREDENTIALS_FILE = '/dev/null';
  env.AWS_EC2_METADATA_DISABLED = 'true';
  return env;
}

function clip(s: string, n = 200): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

interface Pending {
  id: string;
  resolve: (r: ClientResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** The feature a driver declares (`"features": ["fresh-client"]` on an answer) to be sent the control message below. */
export const FRESH_CLIENT_FEATURE = 'fresh-client';

export interface DriverClient extends ClientUnderTest {
  /** The tail of the driver's stderr. */
  stderr(): string;
  /** Why the driver is no longer usable, if it is not. */
  deadReason(): string | undefined;
  /** How many cases the driver answered (a driver that answered none and died is not worth many restarts). */
  answered(): number;
  /** A new client in the driver's process, when it declared `fresh-client`; false otherwise (start a new process). */
  fresh(): Promise<boolean>;
}

export function startDriver(opts: DriverOptions): DriverClient {
  const argv = splitCommand(opts.command);
  if (argv.length === 0) throw new DriverError('the driver command is empty');
  const maxStderr = opts.maxStderr ?? 16384;
  const maxAttempts = opts.maxAttempts ?? DEFAULT_CLIENT_MAX_ATTEMPTS;
  let stderr = '';
  let dead: string | undefined;
  let pending: Pending | undefined;
  let seq = 0;
  let answered = 0;
  /** what the driver declared in its answers (`features`) */
  const features = new Set<string>();
  const abandoned = new Set<string>();
  let queue: Promise<unknown> = Promise.resolve();

  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env: { ...driverEnv(opts.baseEnv ?? process.env, opts), ...opts.extraEnv },
    stdio: ['pipe', 'pipe', 'pipe'],
    shell: false,
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const stderrTail = () =>
    stderr.trim() ? ` Driver stderr (tail): ${clip(stderr.trim().slice(-600), 600)}` : '';
  const die = (reason: string) => {
    if (dead) return;
    dead = reason;
    if (pending) {
      const p = pending;
      pending = undefined;
      clearTimeout(p.timer);
      p.reject(new DriverError(`${reason}${stderrTail()}`));
    }
  };

  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-maxStderr);
  });
  child.stdin?.on('error', () => {
    // EPIPE when the driver died; the exit handler reports it
  });
  child.once('error', (e) => die(`the driver could not be started (${argv[0]}): ${e.message}`));
  child.once('exit', (code, signal) => {
    die(
      `the driver exited${code !== null ? ` with code ${code}` : ''}${signal ? ` on signal ${signal}` : ''} before answering`,
    );
  });

  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      msg = undefined;
    }
    const p = pending;
    const id = msg && typeof msg === 'object' ? (msg as { id?: unknown }).id : undefined;
    if (typeof id === 'string' && abandoned.has(id) && (!p || p.id !== id)) return; // a late answer to a failed case
    if (!p) return; // nothing is waiting: unsolicited output is ignored
    const fail = (why: string) => {
      pending = undefined;
      clearTimeout(p.timer);
      abandoned.add(p.id);
      p.reject(new DriverError(why));
    };
    if (msg === undefined || msg === null || typeof msg !== 'object' || Array.isArray(msg))
      return fail(
        `the driver printed a line that is not a JSON object while case ${p.id} was waiting: ${clip(JSON.stringify(line))}`,
      );
    if (id !== p.id)
      return fail(
        `the driver answered id ${JSON.stringify(id)} while case ${JSON.stringify(p.id)} was waiting`,
      );
    const m = msg as {
      output?: unknown;
      error?: { code?: unknown; message?: unknown; turkErrorCode?: unknown };
      features?: unknown;
    };
    if (Array.isArray(m.features)) for (const f of m.features) if (typeof f === 'string') features.add(f);
    let result: ClientResult | undefined;
    if (
      m.output !== undefined &&
      m.output !== null &&
      typeof m.output === 'object' &&
      !Array.isArray(m.output)
    )
      result = { output: m.output as Record<string, unknown> };
    else if (m.error && typeof m.error === 'object' && typeof m.error.code === 'string')
      result = {
        error: {
          code: m.error.code,
          message: typeof m.error.message === 'string' ? m.error.message : '',
          ...(typeof m.error.turkErrorCode === 'string' ? { turkErrorCode: m.error.turkErrorCode } : {}),
        },
      };
    if (!result)
      return fail(
        `the driver's answer to case ${p.id} has neither an "output" object nor an "error" with a "code": ${clip(line)}`,
      );
    pending = undefined;
    clearTimeout(p.timer);
    answered++;
    p.resolve(result);
  });

  /** Kills the driver and resolves once it is gone (bounded: a process that never started emits no 'close'). */
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((r) => (giveUp = setTimeout(r, 5000)))]);
    clearTimeout(giveUp);
  };

  /** Writes one message and waits for its answer; `what` names it in messages (`Operation`). */
  const exchange = (
    what: string,
    body: Record<string, unknown>,
    deadline: number,
    allowance: string,
  ): Promise<ClientResult> =>
    new Promise<ClientResult>((resolve, reject) => {
      if (dead) return reject(new DriverError(`${dead}${stderrTail()}`));
      const id = `c${++seq}`;
      const timer = setTimeout(() => {
        if (pending?.id !== id) return;
        pending = undefined;
        abandoned.add(id);
        dead = `the driver did not answer case ${id} (${what}) within ${deadline} ms; it was stopped so that nothing it still sends reaches the next case`;
        const why = `no answer to case ${id} (${what}) within ${deadline} ms${allowance}${stderrTail()}`;
        // the case fails only once the driver is gone: no late retry of it can reach the next case
        void stop().then(() => reject(new DriverError(why)));
      }, deadline);
      pending = { id, resolve, reject, timer };
      child.stdin?.write(`${JSON.stringify({ id, ...body })}\n`);
    });

  const callOnce = (
    operation: string,
    input: Record<string, unknown>,
    options: CallOptions | undefined,
  ): Promise<ClientResult> => {
    const timestamps = datePaths(input);
    const faults = options?.faultAnswers ?? 0;
    const deadline = caseDeadlineMs(opts.timeoutMs, faults, maxAttempts);
    const allowance =
      deadline > opts.timeoutMs
        ? ` (${opts.timeoutMs} ms plus ${deadline - opts.timeoutMs} ms for the back-off of up to ${maxAttempts} attempts on the faults this case answers)`
        : '';
    return exchange(
      operation,
      {
        operation,
        input: toJsonValue(input),
        ...(timestamps.length ? { timestamps } : {}),
        ...(options?.responseGroups ? { responseGroups: options.responseGroups } : {}),
      },
      deadline,
      allowance,
    );
  };

  /** Messages go out one at a time, each once the previous one was answered (or failed). */
  const enqueue = (send: () => Promise<ClientResult>): Promise<ClientResult> => {
    const next = queue.then(send, send);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    name: `driver:${opts.command}`,
    api: opts.api,
    call(operation, input, options) {
      return enqueue(() => callOnce(operation, input, options));
    },
    // Only a driver that declared the feature is sent the control message: one written before it
    // existed never sees a line it does not know, and its session starts a new process instead.
    async fresh() {
      if (dead || !features.has(FRESH_CLIENT_FEATURE)) return false;
      const r = await enqueue(() =>
        exchange(FRESH_CLIENT_FEATURE, { control: FRESH_CLIENT_FEATURE }, opts.timeoutMs, ''),
      ).catch(() => undefined);
      return r !== undefined && 'output' in r;
    },
    async close() {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      let giveUp: NodeJS.Timeout | undefined;
      if (child.exitCode === null && child.signalCode === null)
        // a process that never started emits no 'close' on some platforms: do not wait for ever
        await Promise.race([exited, new Promise<void>((r) => (giveUp = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      clearTimeout(giveUp);
      lines.close();
    },
    diagnostics: () => stderr,
    stderr: () => stderr,
    deadReason: () => dead,
    answered: () => answered,
  };
}
