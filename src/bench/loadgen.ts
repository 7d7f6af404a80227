// A small closed-loop load generator: a fixed number of workers, each sending
// its next request as soon as the previous answer is read, over keep-alive
// sockets (one per worker), for a fixed duration after a short warm-up.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { WireRequest } from '../wire/http-types.ts';

export interface LoadSpec {
  /** base URL, e.g. http://127.0.0.1:8080/ */
  url: string;
  /** the request to send (a function gets the global sequence number) */
  request: WireRequest | ((seq: number) => WireRequest);
  concurrency: number;
  durationMs: number;
  /** not counted; default 300 ms */
  warmupMs?: number;
  /**
   * The warm-up also lasts until this many answers were read (default 0), but never past
   * `maxWarmupMs` (default 10 s): a JIT settles after a number of calls, not after a time, so a
   * server that answers slowly under a time-only warm-up is measured before its code is optimised.
   */
  warmupRequests?: number;
  maxWarmupMs?: number;
  /** per-request deadline, default 5000 ms */
  timeoutMs?: number;
}

export interface LoadResult {
  /** answers read during the measured window */
  requests: number;
  /** transport failures (timeouts, resets) during the measured window */
  failures: number;
  ms: number;
  rps: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  /** answers read during the warm-up, and how long it lasted */
  warmupAnswers: number;
  warmupMs: number;
}

interface Prepared {
  options: http.RequestOptions;
  body: Buffer;
}

function prepare(base: URL, req: WireRequest, agent: http.Agent): Prepared {
  const body = Buffer.from(req.body, 'utf8');
  const basePath = base.pathname.endsWith('/') ? base.pathname.slice(0, -1) : base.pathname;
  return {
    body,
    options: {
      hostname: base.hostname,
      port: base.port || 80,
      method: req.method,
      path: `${basePath}${req.path || '/'}${req.query ? `?${req.query}` : ''}`,
      headers: { ...req.headers, 'content-length': String(body.length) },
      agent,
    },
  };
}

function once(p: Prepared, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const r = http.request(p.options, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(-1));
    });
    r.setTimeout(timeoutMs, () => r.destroy(new Error('timeout')));
    r.on('error', () => resolve(-1));
    r.end(p.body);
  });
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Drive the URL with `concurrency` closed-loop workers for `durationMs` (after a warm-up). */
export async function drive(spec: LoadSpec): Promise<LoadResult> {
  const base = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const fixed = typeof spec.request === 'function' ? undefined : prepare(base, spec.request, agent);
  // a request seen before is sent as prepared then (as the fixed one is): the generator's work per
  // request is the same whether it sends one request or a pool of them
  const prepared = new WeakMap<WireRequest, Prepared>();
  const make = (seq: number): Prepared => {
    if (fixed) return fixed;
    const req = (spec.request as (s: number) => WireRequest)(seq);
    let p = prepared.get(req);
    if (!p) {
      p = prepare(base, req, agent);
      prepared.set(req, p);
    }
    return p;
  };
  const timeoutMs = spec.timeoutMs ?? 5000;
  let seq = 0;

  const phase = async (ms: number, record: boolean, minAnswers = 0, maxMs = ms) => {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let failures = 0;
    let answers = 0;
    const t0 = performance.now();
    const end = t0 + ms;
    const hardEnd = t0 + Math.max(ms, maxMs);
    const going = () => {
      const now = performance.now();
      return now < end || (answers < minAnswers && now < hardEnd);
    };
    const worker = async () => {
      while (going()) {
        const p = make(seq++);
        const s = performance.now();
        const status = await once(p, timeoutMs);
        answers++;
        if (!record) continue;
        if (performance.now() > end) break; // finished outside the window: not counted
        if (status < 0) failures++;
        else {
          statuses[status] = (statuses[status] ?? 0) + 1;
          latencies.push(performance.now() - s);
        }
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
    // only answers completed inside [t0, end] were counted: the window is `ms`
    return {
      latencies,
      statuses,
      failures,
      answers,
      elapsedMs: performance.now() - t0,
      ms: Math.max(1, Math.min(ms, performance.now() - t0)),
    };
  };

  try {
    const w = await phase(spec.warmupMs ?? 300, false, spec.warmupRequests ?? 0, spec.maxWarmupMs ?? 10_000);
    const m = await phase(spec.durationMs, true);
    const sorted = m.latencies.sort((a, b) => a - b);
    return {
      requests: sorted.length,
      failures: m.failures,
      ms: m.ms,
      rps: (sorted.length / m.ms) * 1000,
      statuses: m.statuses,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      warmupAnswers: w.answers,
      warmupMs: w.elapsedMs,
    };
  } finally {
    agent.destroy();
  }
}
