// The one hardened HTTP client the checks use to talk to a target server.
//
// - keep-alive Agent with a bounded number of sockets;
// - never follows redirects: a 3xx is answered as is (or flagged 'redirect' when asked);
// - one total deadline covering connect, headers and body, so a server that
//   trickles one byte a second is cut off;
// - a body-size cap (default 10 MB): past it the socket is destroyed, nothing more is read;
// - resets, refusals and protocol garbage become a typed error, never a throw;
// - refuses MTurk's own hosts always, and non-loopback hosts unless allowRemote.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { WireRequest, WireResponse } from '../wire/http-types.ts';
import { checkTarget } from './targets.ts';

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
  /** Use this agent instead of the shared keep-alive one (e.g. a benchmark's own). */
  agent?: http.Agent;
}

export interface TransportStats {
  sent: number;
  ok: number;
  errors: Record<TransportErrorKind, number>;
}

const stats: TransportStats = {
  sent: 0,
  ok: 0,
  errors: { timeout: 0, 'too-large': 0, reset: 0, refused: 0, redirect: 0, protocol: 0 },
};

/** Counters of this process's transport use (tests read them). */
export function transportStats(): TransportStats {
  return { ...stats, errors: { ...stats.errors } };
}

let httpAgent: http.Agent | undefined;
let httpsAgent: https.Agent | undefined;

const AGENT_OPTIONS: http.AgentOptions = {
  keepAlive: true,
  maxSockets: DEFAULT_MAX_SOCKETS,
  maxFreeSockets: DEFAULT_MAX_SOCKETS,
  maxTotalSockets: DEFAULT_MAX_SOCKETS * 4,
};

function sharedAgent(protocol: string): http.Agent {
  if (protocol === 'https:') {
    httpsAgent ??= new https.Agent(AGENT_OPTIONS);
    return httpsAgent;
  }
  httpAgent ??= new http.Agent(AGENT_OPTIONS);
  return httpAgent;
}

/** Close the shared agents' sockets (tests and the CLI call this at the end). */
export function closeTransport(): void {
  httpAgent?.destroy();
  httpsAgent?.destroy();
  httpAgent = undefined;
  httpsAgent = undefined;
}

function joinPath(basePath: string, path: string): string {
  const base = basePath.endsWith('/') ? basePath.slice(0, -1) : basePath;
  const rest = path === '' ? '/' : path.startsWith('/') ? path : `/${path}`;
  return `${base}${rest}`;
}

/** Node error code → the transport's error kind. */
export function classifyError(err: unknown): { error: TransportErrorKind; message: string } {
  const e = err as NodeJS.ErrnoException & { code?: string };
  const code = typeof e?.code === 'string' ? e.code : '';
  const msg = e instanceof Error ? e.message : String(err);
  if (code === 'ECONNREFUSED') return { error: 'refused', message: `connection refused (${msg})` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return { error: 'refused', message: `host unreachable (${code})` };
  }
  if (code === 'ETIMEDOUT') return { error: 'timeout', message: `connection timed out (${code})` };
  if (code.startsWith('HPE_') || code === 'ERR_INVALID_CHAR' || code === 'ERR_INVALID_HTTP_TOKEN') {
    return { error: 'protocol', message: `malformed HTTP (${code}: ${msg})` };
  }
  if (code.startsWith('ERR_TLS') || code.startsWith('CERT_') || code === 'EPROTO') {
    return { error: 'protocol', message: `TLS failure (${code}: ${msg})` };
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED' || /hang up|aborted/i.test(msg)) {
    return { error: 'reset', message: `connection reset by the server (${code || msg})` };
  }
  return { error: 'reset', message: `connection failed (${code ? `${code}: ` : ''}${msg})` };
}

/** Headers (a Node message's, or a plain record) with lower-case names, repeated values joined with ', '. */
export function headersOf(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** What a base URL gives every request to it: the verdict of checkTarget, and the parts of its URL. */
interface Base {
  verdict: ReturnType<typeof checkTarget>;
  lib?: typeof http | typeof https;
  hostname?: string;
  port?: string | number;
  pathname?: string;
}

// the suites send tens of thousands of requests to one or two base URLs: the verdict and the parts
// of a URL are worked out once per URL (parsing it was a visible share of a request)
const bases = new Map<string, Base>();
const MAX_BASES = 256;
const ASCII = /^[\x00-\x7f]*$/;

function baseOf(baseUrl: string, opts: SendOptions): Base {
  const key = `${opts.allowRemote ? 1 : 0}${opts.allowSandbox ? 1 : 0}${baseUrl}`;
  let base = bases.get(key);
  if (base) return base;
  const verdict = checkTarget(baseUrl, { allowRemote: opts.allowRemote, allowSandbox: opts.allowSandbox });
  base = { verdict };
  if (verdict.ok) {
    const url = verdict.url;
    base.lib = url.protocol === 'https:' ? https : http;
    base.hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    base.port = url.port || (url.protocol === 'https:' ? 443 : 80);
    base.pathname = url.pathname;
  }
  if (bases.size >= MAX_BASES) bases.clear();
  bases.set(key, base);
  return base;
}

/** Send one request to baseUrl and read the whole answer, within the deadline and the size cap. */
export function send(baseUrl: string, req: WireRequest, opts: SendOptions): Promise<SendResult> {
  const base = baseOf(baseUrl, opts);
  const verdict = base.verdict;
  if (!verdict.ok)
    return Promise.resolve({ ok: false, error: 'refused', message: `not sent: ${verdict.reason}` });
  const url = verdict.url;
  const timeoutMs = Math.max(1, opts.timeoutMs);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  stats.sent++;

  return new Promise<SendResult>((resolvePromise) => {
    const started = performance.now();
    let settled = false;
    let request: http.ClientRequest | undefined;

    const finish = (result: SendResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result.ok) stats.ok++;
      else stats.errors[result.error]++;
      resolvePromise(result);
    };
    const fail = (error: TransportErrorKind, message: string): void => {
      finish({ ok: false, error, message });
      // The socket is not reusable after a failure mid-exchange: destroy it.
      request?.destroy();
    };

    const timer = setTimeout(() => {
      fail('timeout', `no complete answer within ${timeoutMs} ms`);
    }, timeoutMs);

    const path = joinPath(base.pathname!, req.path) + (req.query ? `?${req.query}` : '');
    const headers: Record<string, string> = {};
    let asciiHead = ASCII.test(path) && ASCII.test(req.method);
    for (const k in req.headers) {
      const v = req.headers[k]!;
      headers[k.toLowerCase()] = v;
      if (asciiHead && !ASCII.test(v)) asciiHead = false;
    }
    // a string body makes Node join the head and the body into one chunk of the socket's write
    // (a Buffer body went as a chunk of its own, after the head) and spares copying the body; Node
    // then encodes the head as UTF-8 instead of Latin-1: the same bytes for an ASCII head only
    const body = asciiHead ? (req.body ?? '') : Buffer.from(req.body ?? '', 'utf8');
    const bodyBytes =
      typeof body !== 'string' ? body.length : body.length === 0 ? 0 : Buffer.byteLength(body, 'utf8');
    if (bodyBytes > 0 || (req.method !== 'GET' && req.method !== 'HEAD')) {
      headers['content-length'] = String(bodyBytes);
    } else {
      delete headers['content-length'];
    }
    delete headers['transfer-encoding'];
    delete headers.connection;

    const lib = base.lib!;

    const attempt = (retry: boolean): void => {
      let current: http.ClientRequest;
      let answered = false;
      try {
        current = lib.request({
          protocol: url.protocol,
          hostname: base.hostname,
          port: base.port,
          method: req.method,
          path,
          headers,
          // the retry after a reset on a reused socket takes a new connection: the pool may hold
          // more sockets the server already closed
          agent: retry ? false : (opts.agent ?? sharedAgent(url.protocol)),
        });
      } catch (e) {
        const c = classifyError(e);
        finish({ ok: false, error: c.error === 'reset' ? 'protocol' : c.error, message: c.message });
        return;
      }
      request = current;

      current.on('error', (err) => {
        if (settled) return;
        const c = classifyError(err);
        // A kept-alive socket that the server closed (or resets on reuse) fails before any
        // answer: the usual keep-alive race, not an answer. Sent again once on a new socket;
        // a server that resets fresh connections too still ends as 'reset'.
        if (c.error === 'reset' && !answered && current.reusedSocket && !retry) {
          attempt(true);
          return;
        }
        fail(c.error, c.message);
      });

      current.on('response', (res) => {
        answered = true;
        const status = res.statusCode ?? 0;
        const resHeaders = headersOf(res.headers);
        if (opts.flagRedirects && status >= 300 && status < 400) {
          const where = resHeaders.location ? ` to ${resHeaders.location}` : '';
          fail('redirect', `the server answered ${status}, a redirect${where}; redirects are not followed`);
          return;
        }
        const declared = Number(resHeaders['content-length']);
        if (Number.isFinite(declared) && declared > maxBody) {
          fail('too-large', `the server announced a ${declared}-byte body, over the ${maxBody}-byte cap`);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        let ended = false;
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          size += chunk.length;
          if (size > maxBody) {
            chunks.length = 0;
            fail('too-large', `the body went over the ${maxBody}-byte cap; the connection was closed`);
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err) => {
          const c = classifyError(err);
          fail(c.error, c.message);
        });
        res.on('end', () => {
          ended = true;
          finish({
            ok: true,
            res: { status, headers: resHeaders, body: Buffer.concat(chunks, size).toString('utf8') },
            ms: performance.now() - started,
          });
        });
        res.on('close', () => {
          if (!ended) fail('reset', 'the connection closed before the body was complete');
        });
      });

      if (typeof body === 'string') current.end(body, 'utf8');
      else current.end(body);
    };
    attempt(false);
  });
}
