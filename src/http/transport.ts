// The one hardened HTTP client the checks use to talk to a target server.
//
// - undici's Client over its llhttp parser (about half the CPU of node:http per exchange, which
//   the suites make tens of thousands of), at most DEFAULT_MAX_SOCKETS keep-alive sockets per
//   origin, no pipelining;
// - never follows redirects: a 3xx is answered as is (or flagged 'redirect' when asked);
// - one total deadline covering connect, headers and body, so a server that
//   trickles one byte a second is cut off;
// - a body-size cap (default 10 MB): past it the socket is destroyed, nothing more is read;
// - resets, refusals and protocol garbage become a typed error, never a throw;
// - refuses MTurk's own hosts always, and non-loopback hosts unless allowRemote.
import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { Dispatcher, Client as UndiciClient } from 'undici';
import type { WireRequest, WireResponse } from '../wire/http-types.ts';
import { checkTarget } from './targets.ts';

// undici's Client alone, required natively: the package's index also loads fetch, web streams and
// caches (100-300 ms at each start of a suite worker), and an import would take each of its modules
// through tsx's loader thread. The path is undici's own file, not its public API: should a later 7.x
// move it, the package's Client is the very same class.
const Client = ((require) => {
  try {
    return require('undici/lib/dispatcher/client.js');
  } catch {
    return require('undici').Client;
  }
})(createRequire(import.meta.url)) as typeof UndiciClient;

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_SOCKETS = 16;

export type TransportErrorKind = 'timeout' | 'too-large' | 'reset' | 'refused' | 'redirect' | 'protocol';

export type SendResult =
  | { ok: true; res: WireResponse; ms: number }
  | { ok: false; error: TransportErrorKind; message: string };

export interface SendOptions {
  /** Total deadline: connect + request + response headers + response body. */
  timeoutMs: number;
  /** Cap on the response body in bytes (default 10 MB). */
  maxBodyBytes?: number;
  /** Allow hosts outside the loopback interface (MTurk's own hosts stay refused). */
  allowRemote?: boolean;
  /** `record --allow-remote`: MTurk's sandbox hosts, and no other remote host (targets.ts). */
  allowSandbox?: boolean;
  /** Answer a 3xx as { ok: false, error: 'redirect' } instead of returning it. */
  flagRedirects?: boolean;
}

export interface TransportStats {
  /** requests that went out (a refused target sends none) */
  sent: number;
}

const stats: TransportStats = { sent: 0 };

/** Counters of this process's transport use (tests read them). */
export function transportStats(): TransportStats {
  return { ...stats };
}

// Each origin gets up to DEFAULT_MAX_SOCKETS Lanes. A Lane is one undici Client, so one socket at a
// time and no pipelining: a request knows whether it goes out on a socket that already carried an
// answer (Exchange.onError), and a lane is free for the next request the moment an answer is read
// (undici's Pool learns it a tick later, so sequential calls would open a second socket).
class Lane extends Client {
  /** The socket is open. */
  live = false;
  /** Answers read on the current socket. */
  served = 0;

  constructor(origin: string) {
    super(origin, CLIENT_OPTIONS);
    this.on('connect', () => {
      this.live = true;
      this.served = 0;
    });
    this.on('disconnect', () => {
      this.live = false;
    });
  }
}

const CLIENT_OPTIONS: UndiciClient.Options = {
  pipelining: 1,
  // send() keeps the one total deadline itself
  headersTimeout: 0,
  bodyTimeout: 0,
  // an idle socket is dropped this long before the server's announced keep-alive timeout, as
  // node:http's Agent did (undici's default margin is 2 s)
  keepAliveTimeoutThreshold: 1000,
};

class Lanes {
  private readonly idle: Lane[] = [];
  private readonly all: Lane[] = [];
  private waiting: Exchange[] = [];
  private head = 0;

  constructor(private readonly origin: string) {}

  run(x: Exchange): void {
    let lane = this.idle.pop();
    if (!lane && this.all.length < DEFAULT_MAX_SOCKETS) {
      lane = new Lane(this.origin);
      this.all.push(lane);
    }
    if (lane) x.start(lane);
    else this.waiting.push(x);
  }

  release(lane: Lane): void {
    while (this.head < this.waiting.length) {
      const x = this.waiting[this.head++]!;
      if (x.pending()) {
        // a queue that never empties drops the slots it went past now and then
        if (this.head >= 1024) {
          this.waiting = this.waiting.slice(this.head);
          this.head = 0;
        }
        x.start(lane);
        return;
      }
    }
    this.waiting = [];
    this.head = 0;
    this.idle.push(lane);
  }

  destroy(): void {
    const waiting = this.waiting.slice(this.head);
    this.waiting = [];
    this.head = 0;
    for (const x of waiting) x.fail('reset', 'the transport was closed before the request was sent');
    for (const lane of this.all) lane.destroy().catch(() => {});
  }
}

const pools = new Map<string, Lanes>();

function lanesFor(origin: string): Lanes {
  let lanes = pools.get(origin);
  if (!lanes) {
    lanes = new Lanes(origin);
    pools.set(origin, lanes);
  }
  return lanes;
}

/** Close the shared sockets (tests and the CLI call this at the end). */
export function closeTransport(): void {
  for (const lanes of pools.values()) lanes.destroy();
  pools.clear();
}

function joinPath(basePath: string, path: string): string {
  const base = basePath.endsWith('/') ? basePath.slice(0, -1) : basePath;
  const rest = path === '' ? '/' : path.startsWith('/') ? path : `/${path}`;
  return `${base}${rest}`;
}

/** Node's and undici's error codes → the transport's error kind. */
export function classifyError(err: unknown): { error: TransportErrorKind; message: string } {
  const e = err as NodeJS.ErrnoException & { code?: string };
  const code = typeof e?.code === 'string' ? e.code : '';
  const msg = e instanceof Error ? e.message : String(err);
  if (code === 'ECONNREFUSED') return { error: 'refused', message: `connection refused (${msg})` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return { error: 'refused', message: `host unreachable (${code})` };
  }
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { error: 'timeout', message: `connection timed out (${code})` };
  }
  if (code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW' || e?.name === 'HTTPParserError') {
    return { error: 'protocol', message: `malformed HTTP (${code ? `${code}: ` : ''}${msg})` };
  }
  // an answer with no request to answer, or an upgrade nobody asked for
  if (code === 'UND_ERR_SOCKET' && /^bad /.test(msg)) {
    return { error: 'protocol', message: `malformed HTTP (${msg})` };
  }
  // a request that cannot be written as given (a header with CR/LF, a method that is no token)
  if (
    code === 'UND_ERR_INVALID_ARG' ||
    code === 'UND_ERR_NOT_SUPPORTED' ||
    code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH' ||
    code === 'ERR_INVALID_CHAR' ||
    code === 'ERR_INVALID_HTTP_TOKEN'
  ) {
    return { error: 'protocol', message: `request not sent: ${msg}` };
  }
  if (code.startsWith('ERR_TLS') || code.startsWith('CERT_') || code === 'EPROTO') {
    return { error: 'protocol', message: `TLS failure (${code}: ${msg})` };
  }
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return { error: 'reset', message: 'the connection closed before the body was complete' };
  }
  if (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ECONNABORTED' ||
    code === 'UND_ERR_SOCKET' ||
    /hang up|aborted/i.test(msg)
  ) {
    return { error: 'reset', message: `connection reset by the server (${code ? `${code}: ` : ''}${msg})` };
  }
  return { error: 'reset', message: `connection failed (${code ? `${code}: ` : ''}${msg})` };
}

/** Headers (a Node message's, or a plain record) with lower-case names, repeated values joined with ', '. */
export function headersOf(raw: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

// Repeated answer headers are merged as node:http merges them (what the checks read before
// undici): these keep their first value, cookie joins with '; ', any other joins with ', '.
const FIRST_ONLY = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** undici's raw header list (name, value, …) → lower-case names; values trimmed at the end like node:http's. */
export function rawHeadersOf(raw: readonly (Buffer | string)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    let value = raw[i + 1]!.toString('latin1');
    const last = value.charCodeAt(value.length - 1);
    if (last === 0x20 || last === 0x09) value = value.replace(/[ \t]+$/, '');
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (!FIRST_ONLY.has(name)) out[name] = `${prev}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return out;
}

/** What a base URL gives every request to it: the verdict of checkTarget, and the parts of its URL. */
interface Base {
  verdict: ReturnType<typeof checkTarget>;
  origin?: string;
  pathname?: string;
}

// the suites send tens of thousands of requests to one or two base URLs: the verdict and the parts
// of a URL are worked out once per URL (parsing it was a visible share of a request)
const bases = new Map<string, Base>();
const MAX_BASES = 256;

function baseOf(baseUrl: string, opts: SendOptions): Base {
  const key = `${opts.allowRemote ? 1 : 0}${opts.allowSandbox ? 1 : 0}${baseUrl}`;
  let base = bases.get(key);
  if (base) return base;
  const verdict = checkTarget(baseUrl, { allowRemote: opts.allowRemote, allowSandbox: opts.allowSandbox });
  base = { verdict };
  if (verdict.ok) {
    base.origin = verdict.url.origin;
    base.pathname = verdict.url.pathname;
  }
  if (bases.size >= MAX_BASES) bases.clear();
  bases.set(key, base);
  return base;
}

// Hop-by-hop headers: the transport owns the connection (undici refuses some of them outright).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length']);

/** One exchange: undici's (legacy, allocation-light) handler, the deadline and the result. */
class Exchange implements Dispatcher.DispatchHandler {
  private reused = false;
  private lane: Lane | undefined;
  private abort: ((err?: Error) => void) | undefined;
  private settled = false;
  private answered = false;
  private retried = false;
  private status = 0;
  private headers: Record<string, string> = {};
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly started = performance.now();

  constructor(
    private readonly lanes: Lanes,
    private readonly origin: string,
    private readonly options: Dispatcher.DispatchOptions,
    private readonly maxBody: number,
    private readonly flagRedirects: boolean,
    timeoutMs: number,
    private readonly resolve: (r: SendResult) => void,
  ) {
    this.timer = setTimeout(
      () => this.fail('timeout', `no complete answer within ${timeoutMs} ms`),
      timeoutMs,
    );
  }

  private finish(result: SendResult): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve(result);
  }

  /** Not yet answered nor given up. */
  pending(): boolean {
    return !this.settled;
  }

  /** Goes out on this lane (Lanes.run). */
  start(lane: Lane): void {
    this.lane = lane;
    this.reused = lane.live && lane.served > 0;
    // a request undici refuses to write (a header with CR/LF, a bad method) reaches onError
    lane.dispatch(this.options, this);
  }

  /**
   * undici is done with the request: its lane takes the next one, once undici's callback has
   * returned (ahead of the caller's continuation, which is queued after it).
   */
  private done(): void {
    const lane = this.lane;
    this.lane = undefined;
    if (lane) queueMicrotask(() => this.lanes.release(lane));
  }

  fail(error: TransportErrorKind, message: string): void {
    this.finish({ ok: false, error, message });
    // The socket is not reusable after a failure mid-exchange: destroy it (a request still waiting
    // for a socket is dropped as soon as it gets one, in onConnect).
    this.abort?.();
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.settled) abort();
    else this.abort = abort;
  }

  onHeaders(status: number, raw: Buffer[]): boolean {
    if (this.settled) return false;
    if (status < 200) return true; // 1xx: the answer is still to come
    this.answered = true;
    this.status = status;
    const headers = rawHeadersOf(raw);
    this.headers = headers;
    if (this.flagRedirects && status >= 300 && status < 400) {
      const where = headers.location ? ` to ${headers.location}` : '';
      this.fail('redirect', `the server answered ${status}, a redirect${where}; redirects are not followed`);
      return false;
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxBody) {
      this.fail(
        'too-large',
        `the server announced a ${declared}-byte body, over the ${this.maxBody}-byte cap`,
      );
      return false;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.settled) return false;
    this.size += chunk.length;
    if (this.size > this.maxBody) {
      this.chunks.length = 0;
      this.fail('too-large', `the body went over the ${this.maxBody}-byte cap; the connection was closed`);
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.lane) this.lane.served++;
    this.done();
    const body =
      this.chunks.length === 1
        ? this.chunks[0]!.toString('utf8')
        : Buffer.concat(this.chunks, this.size).toString('utf8');
    this.finish({
      ok: true,
      res: { status: this.status, headers: this.headers, body },
      ms: performance.now() - this.started,
    });
  }

  onError(err: Error): void {
    this.done();
    if (this.settled) return;
    const c = classifyError(err);
    // A kept-alive socket that the server closed (or resets on reuse) fails before any answer:
    // the usual keep-alive race, not an answer. Sent again once on a new socket; a server that
    // resets fresh connections too still ends as 'reset'.
    if (c.error === 'reset' && !this.answered && this.reused && !this.retried) {
      this.retried = true;
      this.reused = false;
      this.abort = undefined;
      this.chunks = [];
      this.size = 0;
      const fresh = new Client(this.origin, CLIENT_OPTIONS);
      fresh.dispatch(this.options, this);
      fresh.close().catch(() => {});
      return;
    }
    this.fail(c.error, c.message);
  }
}

/** Send one request to baseUrl and read the whole answer, within the deadline and the size cap. */
export function send(baseUrl: string, req: WireRequest, opts: SendOptions): Promise<SendResult> {
  const base = baseOf(baseUrl, opts);
  const verdict = base.verdict;
  if (!verdict.ok)
    return Promise.resolve({ ok: false, error: 'refused', message: `not sent: ${verdict.reason}` });
  const origin = base.origin!;
  const timeoutMs = Math.max(1, opts.timeoutMs);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  stats.sent++;

  const path = joinPath(base.pathname!, req.path) + (req.query ? `?${req.query}` : '');
  const headers: Record<string, string> = {};
  for (const k in req.headers) {
    const name = k.toLowerCase();
    if (!HOP_BY_HOP.has(name)) headers[name] = req.headers[k]!;
  }
  const body = req.body ?? '';
  // undici counts a body's bytes itself, and sends no content-length for an empty one: node:http
  // sent 0 for any method but GET and HEAD, and servers may insist on it for a POST
  if (body.length === 0 && req.method !== 'GET' && req.method !== 'HEAD') headers['content-length'] = '0';
  const options: Dispatcher.DispatchOptions = {
    method: req.method as Dispatcher.HttpMethod,
    path,
    headers,
    body: body.length === 0 ? null : body,
  };

  return new Promise<SendResult>((resolve) => {
    const lanes = lanesFor(origin);
    lanes.run(new Exchange(lanes, origin, options, maxBody, opts.flagRedirects === true, timeoutMs, resolve));
  });
}
