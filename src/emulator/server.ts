// The reference emulator: both API versions on one port over one shared store. `createEmulator`
// is transport-neutral (WireRequest in, WireResponse out) so that tests and deliberately broken
// variants can wrap it; `startEmulator` puts it behind node:http on the loopback interface.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate } from 'node:timers';
import { loadSpecs } from '../spec/load.ts';
import type { SpecSet } from '../spec/types.ts';
import type { Codec, Credentials, DecodedCall, ErrorOutcome, Outcome } from '../wire/codec.ts';
import type { WireRequest, WireResponse } from '../wire/http-types.ts';
import { headerValue } from '../wire/http-types.ts';
import { codecsFor } from '../wire/index.ts';
import { JSON11_API, json11Operation, mediaType, targetHeader } from '../wire/json11.ts';
import { LEGACY_API, legacyOperation } from '../wire/legacy.ts';
import { SOAP_WIRE, soapOperation } from '../wire/soap.ts';
import { runTimers } from './dynamics.ts';
import { executeCall } from './engine.ts';
import { handleStates } from './states.ts';
import { Store } from './store.ts';
import { TEST_CREDENTIALS } from './test-credentials.ts';

export interface EmulatorOptions {
  specs?: SpecSet;
  /** Added to the built-in test credentials. */
  credentials?: Credentials[];
  /** Serve any well-formed request as its access key id, without checking the signature. */
  acceptAnySignature?: boolean;
  /** Largest request body served (default 1 MB); larger ones get the protocol's tooLarge error. */
  maxBodyBytes?: number;
  now?: () => Date;
}

/** Emulated time: the real time (or `now`) plus an offset that only grows. */
export interface EmulatorClock {
  /** The emulated time. */
  now(): Date;
  /** Moves emulated time forward and fires the timers that came due; returns how many fired. */
  advance(seconds: number): number;
  /** Fires the timers due now (done before every request too). */
  tick(): number;
  /** How far emulated time is ahead of the clock it follows, in seconds. */
  readonly offsetSeconds: number;
}

export interface Emulator {
  readonly specs: SpecSet;
  readonly store: Store;
  readonly credentials: readonly Credentials[];
  readonly maxBodyBytes: number;
  /** Answers one request; never throws. */
  handle(req: WireRequest): Promise<WireResponse>;
  /** The same, synchronously (the emulator does no I/O). */
  handleSync(req: WireRequest): WireResponse;
  /** The provider-states endpoint (docs/provider-states.md). */
  handleStates(body: string): WireResponse;
  /** The answer to a request whose body is over the limit (the body itself is not looked at). */
  tooLarge(req: WireRequest): WireResponse;
  /** The answer to a request that could not even be parsed as HTTP. */
  malformed(reason: string): WireResponse;
  /** Empties the store. */
  reset(): void;
  /** Emulated time (model.json `timers`: auto-approval, deadlines, expiry). */
  readonly clock: EmulatorClock;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export function createEmulator(opts: EmulatorOptions = {}): Emulator {
  const specs = opts.specs ?? loadSpecs();
  const base = opts.now ?? (() => new Date());
  let offsetMs = 0;
  let lastTick = Number.NEGATIVE_INFINITY;
  const now = () => new Date(base().getTime() + offsetMs);
  const store = new Store(specs, now);
  const tick = (): number => {
    lastTick = base().getTime();
    return runTimers(store, now());
  };
  // Timers also run as real time passes: at most once a second, before a request is served.
  const dueTick = () => {
    if (base().getTime() - lastTick >= 1000) tick();
  };
  const clock: EmulatorClock = {
    now,
    tick,
    advance: (seconds) => {
      if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('seconds must be a number ≥ 0');
      offsetMs += Math.round(seconds * 1000);
      return tick();
    },
    get offsetSeconds() {
      return offsetMs / 1000;
    },
  };
  const credentials = [...TEST_CREDENTIALS, ...(opts.credentials ?? [])];
  const secrets = new Map(credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // a requester made for one provider state (a scope no other state writes to)
  const freshRequester = (): Credentials => {
    const c = {
      accessKeyId: `AKIAFRESH${randomBytes(8).toString('hex').toUpperCase().slice(0, 11)}`,
      secretAccessKey: randomBytes(20).toString('base64url'),
    };
    secrets.set(c.accessKeyId, c.secretAccessKey);
    return c;
  };
  const codecs = codecsFor(specs);
  const byApi = (api: string): Codec => codecs.find((c) => c.api === api)!;
  const serverOpts = {
    // a Map has no inherited keys: an id such as `__proto__` or `constructor` finds nothing
    lookupSecret: (id: string) => (secrets.has(id) ? secrets.get(id) : undefined),
    acceptAnySignature: opts.acceptAnySignature === true,
  };

  /** The codec for a request no codec claims: JSON when it looks like JSON, else legacy XML. */
  const fallbackCodec = (req: WireRequest): Codec => {
    const ct = mediaType(headerValue(req.headers, 'content-type'));
    const jsonCt = mediaType(specs.apis[JSON11_API].protocol.success.contentType);
    const looksJson = ct === jsonCt || ct.includes('json') || req.body.trimStart().startsWith('{');
    const hasTarget = (() => {
      const t = targetHeader(specs.apis[JSON11_API].protocol);
      return t ? headerValue(req.headers, t.name) !== undefined : false;
    })();
    return byApi(looksJson || hasTarget ? JSON11_API : LEGACY_API);
  };

  const protocolError = (codec: Codec, key: string, values: Record<string, unknown>): ErrorOutcome => {
    const p = specs.apis[codec.api].protocol;
    return { kind: 'error', error: p.protocolErrors[key] ?? p.protocolErrors.internal ?? '', values };
  };

  const answer = (
    codec: Codec,
    operation: string | undefined,
    outcome: Outcome,
    call?: Parameters<Codec['encodeResponse']>[3]['call'],
  ): WireResponse =>
    codec.encodeResponse(specs, operation, outcome, {
      requestId: randomUUID(),
      now: now(),
      ...(call ? { call } : {}),
    });

  const claimingCodec = (req: WireRequest): Codec | undefined => {
    for (const c of codecs) if (c.claims(req)) return c;
    return undefined;
  };

  /** The operation a request names, as far as its codec can tell without decoding it. */
  const namedOperation = (codec: Codec, req: WireRequest): string | undefined => {
    try {
      const op =
        codec.wire === SOAP_WIRE
          ? soapOperation(specs, req)
          : codec.api === LEGACY_API
            ? legacyOperation(specs, req)
            : json11Operation(specs, req);
      return op === '' ? undefined : op;
    } catch {
      return undefined;
    }
  };

  const tooLarge = (req: WireRequest): WireResponse => {
    const headOnly = { ...req, body: '' };
    const codec = claimingCodec(headOnly) ?? fallbackCodec(headOnly);
    return answer(
      codec,
      namedOperation(codec, headOnly),
      protocolError(codec, 'tooLarge', { limit: maxBodyBytes }),
    );
  };

  const internal = (req: WireRequest | undefined, e: unknown): WireResponse => {
    try {
      const codec = req ? fallbackCodec(req) : byApi(LEGACY_API);
      return answer(
        codec,
        undefined,
        protocolError(codec, 'internal', { reason: String((e as Error)?.message ?? e) }),
      );
    } catch {
      return { status: 500, headers: {}, body: '' };
    }
  };

  /** One call through the engine. It applies a call's effects only after every rule passed, so an
   * error (or an exception) leaves the store as it was without a per-call snapshot. (A function
   * of its own, not a closure made on every request.) */
  const run = (codec: Codec, call: DecodedCall): Outcome => {
    try {
      return executeCall(specs, store, call, now());
    } catch (e) {
      return protocolError(codec, 'internal', { reason: String((e as Error)?.message ?? e) });
    }
  };

  const handleSync = (req: WireRequest): WireResponse => {
    try {
      dueTick();
      if (Buffer.byteLength(req.body, 'utf8') > maxBodyBytes) return tooLarge(req);
      const codec = claimingCodec(req);
      if (!codec) {
        const fb = fallbackCodec(req);
        const t = targetHeader(specs.apis[JSON11_API].protocol);
        const named = t ? headerValue(req.headers, t.name) : undefined;
        return answer(fb, undefined, protocolError(fb, 'unknownOperation', { operation: named ?? '' }));
      }
      const decoded = codec.decodeRequest(specs, req, serverOpts);
      if (!decoded.ok) return answer(codec, decoded.operation, decoded.outcome);
      // SOAP batches: each Request item is its own call, answered in order in one document
      if (decoded.calls && decoded.calls.length > 1 && codec.encodeBatch)
        return codec.encodeBatch(
          specs,
          decoded.call.operation,
          decoded.calls.map((c) => ({ call: c, outcome: run(codec, c) })),
          { requestId: randomUUID(), now: now() },
        );
      const call = decoded.call;
      return answer(codec, call.operation, run(codec, call), call);
    } catch (e) {
      return internal(req, e);
    }
  };

  return {
    specs,
    store,
    credentials,
    maxBodyBytes,
    handleSync,
    handle: async (req) => handleSync(req),
    handleStates: (body) => {
      dueTick();
      return handleStates(specs, store, body, freshRequester, now);
    },
    tooLarge,
    malformed: (reason) => {
      try {
        const codec = byApi(LEGACY_API);
        return answer(codec, undefined, protocolError(codec, 'malformedBody', { reason }));
      } catch (e) {
        return internal(undefined, e);
      }
    },
    reset: () => store.clear(),
    clock,
  };
}

export interface StartOptions extends EmulatorOptions {
  port?: number;
  host?: string;
  /** Path of the provider-states endpoint (default '/_states'). */
  statesPath?: string;
  /** Serve this emulator (default: a new one made from these options). */
  emulator?: Emulator;
  /** More JSON endpoints by path (the control endpoint); each answers every method itself. */
  routes?: Record<string, ExtraRoute>;
}

/** An extra endpoint: the method, the body and whether the caller is on the loopback interface. */
export type ExtraRoute = (req: { method: string; body: string; loopback: boolean }) => WireResponse;

const LOOPBACK_PEER = /^(127\.|::1$|::ffff:127\.)/;

export interface RunningEmulator {
  url: string;
  statesUrl: string;
  emulator: Emulator;
  close(): Promise<void>;
}

/** Splits a request target into path and query; absolute-form targets lose their scheme and authority. */
function splitTarget(raw: string): { path: string; query: string } {
  let target = raw;
  // origin-form (every ordinary request) cannot carry a scheme: the pattern is for the rest
  const abs = raw.charCodeAt(0) === 47 ? null : /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  if (abs) target = target.slice(abs[0].length) || '/';
  const hash = target.indexOf('#');
  if (hash !== -1) target = target.slice(0, hash);
  const q = target.indexOf('?');
  return q === -1 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const headers = req.headers;
  // for…in over node's own header object: no entries array per request
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function send(res: ServerResponse, r: WireResponse, close = false): void {
  if (res.headersSent) return;
  // copied key by key (no spread): this runs on every request
  const headers: Record<string, string | number> = {};
  const given = r.headers;
  for (const k in given) headers[k] = given[k]!;
  headers['content-length'] = Buffer.byteLength(r.body);
  if (close) headers.connection = 'close';
  try {
    res.writeHead(r.status, headers);
    res.end(r.body);
  } catch {
    res.destroy();
  }
}

export async function startEmulator(opts: StartOptions = {}): Promise<RunningEmulator> {
  const emulator = opts.emulator ?? createEmulator(opts);
  const statesPath = opts.statesPath ?? '/_states';
  const host = opts.host ?? '127.0.0.1';
  const max = emulator.maxBodyBytes;

  // The requests read in one turn of the event loop are answered together, in the order they
  // came, once reading is done (node:timers' setImmediate: the check phase after the poll).
  // Answered one by one between the parser and a socket write, the handler ran on caches the
  // HTTP layer and the kernel had just filled with their own: it cost about twice what it costs
  // call after call (docs/benchmark.md). The same work, in the same order.
  let queuedRes: ServerResponse[] = [];
  let queuedJobs: (WireRequest | (() => WireResponse))[] = [];
  let flushQueued = false;
  const flush = () => {
    flushQueued = false;
    const resList = queuedRes;
    const jobs = queuedJobs;
    queuedRes = [];
    queuedJobs = [];
    const answers: (WireResponse | undefined)[] = new Array(jobs.length);
    let thrown: { error: unknown } | undefined;
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      try {
        answers[i] = typeof job === 'function' ? job() : emulator.handleSync(job);
      } catch (error) {
        // the others are still answered; the exception surfaces as it did when it was thrown alone
        thrown ??= { error };
      }
    }
    for (let i = 0; i < resList.length; i++) {
      const answer = answers[i];
      if (answer) send(resList[i]!, answer);
    }
    if (thrown) throw thrown.error;
  };
  const enqueue = (res: ServerResponse, job: WireRequest | (() => WireResponse)) => {
    queuedRes.push(res);
    queuedJobs.push(job);
    if (!flushQueued) {
      flushQueued = true;
      setImmediate(flush);
    }
  };

  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    try {
      const { path, query } = splitTarget(req.url ?? '/');
      const wire: WireRequest = {
        method: req.method ?? 'GET',
        path,
        query,
        headers: flatHeaders(req),
        body: '',
      };
      const isStates = path === statesPath;
      const route = opts.routes && Object.hasOwn(opts.routes, path) ? opts.routes[path] : undefined;
      const declared = Number(req.headers['content-length'] ?? 0);
      if (Number.isFinite(declared) && declared > max) {
        refuse(req, res, wire, isStates || route !== undefined);
        return;
      }
      // the body of an ordinary request comes in one chunk: kept as it is, concatenated only when split
      let first: Buffer | undefined;
      let chunks: Buffer[] | undefined;
      let size = 0;
      let done = false;
      req.on('data', (chunk: Buffer) => {
        if (done) return;
        size += chunk.length;
        if (size > max) {
          done = true;
          req.pause();
          refuse(req, res, wire, isStates || route !== undefined);
          return;
        }
        if (first === undefined) first = chunk;
        else if (chunks === undefined) chunks = [first, chunk];
        else chunks.push(chunk);
      });
      req.on('error', () => {
        done = true;
        res.destroy();
      });
      req.on('end', () => {
        if (done) return;
        done = true;
        const body =
          chunks !== undefined ? Buffer.concat(chunks).toString('utf8') : (first?.toString('utf8') ?? '');
        if (route) {
          const loopback = LOOPBACK_PEER.test(req.socket.remoteAddress ?? '');
          enqueue(res, () => route({ method: wire.method.toUpperCase(), body, loopback }));
          return;
        }
        if (isStates) {
          enqueue(res, () =>
            wire.method.toUpperCase() === 'POST'
              ? emulator.handleStates(body)
              : {
                  status: 405,
                  headers: { 'content-type': 'application/json', allow: 'POST' },
                  body: '{"error":"use POST"}',
                },
          );
          return;
        }
        // the request object is this handler's own: the body goes in, no copy
        wire.body = body;
        enqueue(res, wire);
      });
    } catch (e) {
      send(res, emulator.malformed(String((e as Error)?.message ?? e)), true);
    }
  });
  /** A body over the limit: the protocol's answer (a JSON one on the states and extra endpoints), then the connection closes. */
  const refuse = (req: IncomingMessage, res: ServerResponse, wire: WireRequest, json: boolean) => {
    const r = json
      ? {
          status: 413,
          headers: { 'content-type': 'application/json' },
          body: '{"error":"body too large"}',
        }
      : emulator.tooLarge(wire);
    send(res, r, true);
    res.on('finish', () => req.destroy());
  };
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    try {
      if (!socket.writable) return socket.destroy();
      const r = emulator.malformed(err.code ?? 'the request is not valid HTTP');
      const head = [
        `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? 'Unknown'}`,
        ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`),
        `content-length: ${Buffer.byteLength(r.body)}`,
        'connection: close',
        '',
        '',
      ].join('\r\n');
      socket.end(head + r.body);
    } catch {
      socket.destroy();
    }
  });

  // Node closes an idle kept-alive connection after 5 s; a busy client (a suite under load) reuses
  // one just then and sees a reset: idle connections are kept a minute, as load balancers do
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const hostPart = addr.family === 'IPv6' || addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  const url = `http://${hostPart}:${addr.port}`;
  return {
    url,
    statesUrl: `${url}${statesPath}`,
    emulator,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
