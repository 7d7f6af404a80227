// Rows (a) and (b): the loopback ceiling and the reference emulator's
// throughput (RejectAssignment in each API version, and 2017 GetHIT, a read, and CreateHIT, a
// create), both served from a child process and driven by the same load generator with the
// same settings.
import type { Api } from '../spec/types.ts';
import type { WireRequest } from '../wire/http-types.ts';
import { drive, type LoadResult } from './loadgen.ts';
import { startChildServer } from './servers.ts';
import { type BenchRow, measured, notRun } from './types.ts';

export interface HttpBenchSettings {
  durationMs: number;
  concurrency: number;
}

const OPERATION = 'RejectAssignment';
/** Each emulator row's unrecorded warm-up: as long as the ceiling's first one, so that neither
 * side is measured before its JIT has settled (the rows' calls differ from the pool's). */
const EMULATOR_WARMUP_MS = 1000;
/** …and at least this many answers (both sides): V8 optimises a function after a number of calls,
 * so a time-only warm-up left a server that answers slowly (the emulator on a loaded machine: a
 * few hundred calls in 1 s) measured on unoptimised code while the ceiling ran optimised. About
 * what the ceiling answers in its own first second. */
export const WARMUP_REQUESTS = 5000;
const STATE = 'HITWithSubmittedAssignment';

function loadDetail(r: LoadResult, settings: HttpBenchSettings): Record<string, unknown> {
  return {
    requests: r.requests,
    failures: r.failures,
    statuses: r.statuses,
    p50Ms: round(r.p50Ms, 3),
    p99Ms: round(r.p99Ms, 3),
    windowMs: Math.round(r.ms),
    concurrency: settings.concurrency,
    warmupAnswers: r.warmupAnswers,
    warmupMs: Math.round(r.warmupMs),
  };
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A RejectAssignment request as the 2017-01-17 codec encodes it (the ceiling gets the same bytes). */
export async function sampleRequest(host: string): Promise<WireRequest> {
  const [{ codecFor }, { loadSpecs }, { TEST_REQUESTER_1 }] = await Promise.all([
    import('../wire/index.ts'),
    import('../spec/load.ts'),
    import('../emulator/test-credentials.ts'),
  ]);
  return codecFor('2017-01-17').encodeRequest(
    loadSpecs(),
    OPERATION,
    { AssignmentId: '3ASSIGNMENTID00000000000000000', RequesterFeedback: 'benchmark' },
    TEST_REQUESTER_1,
    { host, now: new Date() },
  );
}

/** A ceiling server kept running, so the ceiling can be measured again next to each ratio. */
export interface Ceiling {
  measure(): Promise<LoadResult>;
  /** every measurement so far, req/s */
  readonly samples: number[];
  /** the server's CPU time per request answered in each measurement (warm-up included), µs */
  readonly cpuSamples: (number | undefined)[];
  close(): Promise<void>;
}

export async function openCeiling(settings: HttpBenchSettings): Promise<Ceiling> {
  const server = await startChildServer('ceiling');
  const host = new URL(server.url).host;
  let request: WireRequest;
  try {
    request = await sampleRequest(host);
  } catch {
    request = { method: 'POST', path: '/', query: '', headers: { host }, body: '{}' };
  }
  const samples: number[] = [];
  const cpuSamples: (number | undefined)[] = [];
  // a longer warm-up than drive's own, not recorded: the first window otherwise runs
  // before the child's JIT has settled and reads low
  await drive({
    url: server.url,
    request,
    concurrency: settings.concurrency,
    durationMs: 0,
    warmupMs: EMULATOR_WARMUP_MS,
    warmupRequests: WARMUP_REQUESTS,
  });
  return {
    samples,
    cpuSamples,
    measure: async () => {
      const before = await serverCost(server);
      const r = await drive({
        url: server.url,
        request,
        concurrency: settings.concurrency,
        durationMs: settings.durationMs,
      });
      if (r.requests === 0) throw new Error('no answer from the ceiling server');
      samples.push(r.rps);
      cpuSamples.push(cpuPerRequest(before, await serverCost(server)));
      return r;
    },
    close: () => server.close(),
  };
}

/** The server's CPU time and answered requests so far. */
async function serverCost(server: {
  cpu: () => Promise<number | undefined>;
  requests: () => Promise<number | undefined>;
}): Promise<{ cpu?: number; requests?: number }> {
  const [cpu, requests] = await Promise.all([server.cpu(), server.requests().catch(() => undefined)]);
  return { ...(cpu !== undefined ? { cpu } : {}), ...(requests !== undefined ? { requests } : {}) };
}

/**
 * CPU µs the server spent per request it answered between two readings. Unlike req/s it hardly
 * moves with the machine's load (other processes take wall time, not this process's CPU time):
 * the ratio of two such figures says what the throughput ratio would be on an idle machine,
 * where the server is the side that limits.
 */
function cpuPerRequest(
  a: { cpu?: number; requests?: number },
  b: { cpu?: number; requests?: number },
): number | undefined {
  if (a.cpu === undefined || b.cpu === undefined || a.requests === undefined || b.requests === undefined)
    return undefined;
  const n = b.requests - a.requests;
  return n > 0 ? round((b.cpu - a.cpu) / n, 1) : undefined;
}

/** (a) the loopback ceiling: a minimal node:http server answering `{}`. */
export async function ceilingRow(settings: HttpBenchSettings, ceiling: Ceiling | Error): Promise<BenchRow> {
  const id = 'ceiling';
  const what = `loopback ceiling: node:http answering {} (c=${settings.concurrency}, ${settings.durationMs} ms)`;
  if (ceiling instanceof Error) return notRun(id, what, ceiling.message);
  try {
    const r = await ceiling.measure();
    return {
      ...measured(id, what, round(r.rps, 0), 'req/s'),
      detail: {
        ...loadDetail(r, settings),
        ...(ceiling.cpuSamples.at(-1) !== undefined
          ? { serverCpuUsPerRequest: ceiling.cpuSamples.at(-1) }
          : {}),
      },
    };
  } catch (e) {
    return notRun(id, what, (e as Error).message);
  }
}

/** One emulator row: an API version, in one of its wire forms, and the share of the ceiling it is meant to reach. */
export interface EmulatorForm {
  api: Api;
  /** the wire form where the API version has several (2014-08-15: 'soap'); default the first */
  wire?: string;
  target: number;
  /** the operation called (default RejectAssignment, each call on a fresh Submitted assignment) */
  operation?: string;
  /** the provider state of the pool the calls act on; null: no state, every call the same */
  state?: string | null;
  /** the call's input from one pool entry's ids */
  input?: (ids: Record<string, unknown>) => Record<string, unknown>;
}

/** A read: GetHIT of an Assignable HIT (calls wrap around the pool, as a read changes nothing). */
const GET_HIT: EmulatorForm = {
  api: '2017-01-17',
  target: 0.5,
  operation: 'GetHIT',
  state: 'AssignableHIT',
  input: (ids) => ({ HITId: ids.HITId }),
};

/** A create: CreateHIT, a new HIT (of one HIT type) per call. */
const CREATE_HIT: EmulatorForm = {
  api: '2017-01-17',
  target: 0.5,
  operation: 'CreateHIT',
  state: null,
  input: () => ({
    Title: 'Benchmark HIT',
    Description: 'A HIT the benchmark makes',
    Reward: '0.05',
    AssignmentDurationInSeconds: 600,
    LifetimeInSeconds: 3600,
    MaxAssignments: 1,
    Question: '<QuestionForm/>',
  }),
};

/** The default rows: each API version in its first wire form, then a read and a create. */
export const DEFAULT_FORMS: EmulatorForm[] = [
  { api: '2017-01-17', target: 0.5 },
  { api: '2014-08-15', target: 0.5 },
  GET_HIT,
  CREATE_HIT,
];

const formOperation = (f: EmulatorForm) => f.operation ?? OPERATION;
const formInput = (f: EmulatorForm, ids: Record<string, unknown>) =>
  f.input?.(ids) ?? { AssignmentId: ids.AssignmentId, RequesterFeedback: 'benchmark' };

/** The SOAP row: a legacy call in an Envelope (parsing, namespaces and the envelope cost more). */
export const SOAP_FORMS: EmulatorForm[] = [{ api: '2014-08-15', wire: 'soap', target: 0.4 }];

/** (b) the emulator answering RejectAssignment in each API version (and wire form), ratio to the ceiling. */
export async function emulatorRows(
  settings: HttpBenchSettings,
  ceiling: Ceiling | undefined,
  forms: EmulatorForm[] = DEFAULT_FORMS,
): Promise<BenchRow[]> {
  const apis = forms.map((f) => f.api);
  const idOf = (i: number) =>
    `emulator.${forms[i]!.api}${forms[i]!.wire ? `.${forms[i]!.wire}` : ''}${forms[i]!.operation ? `.${forms[i]!.operation}` : ''}`;
  const targetOf = (i: number) => `≥ ${forms[i]!.target} of ceiling`;
  const whatOf = (api: string, i = apis.indexOf(api as Api)) =>
    `emulator: ${forms[i] ? formOperation(forms[i]) : OPERATION} ${api}${forms[i]?.wire ? ` over ${forms[i]!.wire.toUpperCase()}` : ''}, ${forms[i]?.state === null ? 'the same valid call each time' : 'valid calls on a provider-state pool'}`;
  let server: Awaited<ReturnType<typeof startChildServer>> | undefined;
  try {
    let mods: [
      typeof import('../wire/index.ts'),
      typeof import('../spec/load.ts'),
      typeof import('../emulator/test-credentials.ts'),
    ];
    try {
      mods = await Promise.all([
        import('../wire/index.ts'),
        import('../spec/load.ts'),
        import('../emulator/test-credentials.ts'),
      ]);
    } catch (e) {
      return apis.map((api, i) =>
        notRun(
          idOf(i),
          whatOf(api, i),
          `module missing: ${(e as Error).message.split('\n')[0]}`,
          targetOf(i),
        ),
      );
    }
    const [{ codecFor }, { loadSpecs }, { TEST_REQUESTER_1 }] = mods;
    const set = loadSpecs();
    server = await startChildServer('emulator');
    const host = new URL(server.url).host;
    // Pool size: enough fresh Submitted assignments for the warm-up and the window at up to
    // ~1.2x the ceiling; beyond it the calls wrap around onto already-rejected assignments.
    // (the warm-up's answers: at least WARMUP_REQUESTS)
    const poolSize = Math.min(
      60_000,
      Math.max(
        2_000,
        Math.ceil(
          (((ceiling?.samples.at(-1) ?? 10_000) * (settings.durationMs + EMULATOR_WARMUP_MS)) / 1000) * 1.2,
        ),
        Math.ceil((((ceiling?.samples.at(-1) ?? 10_000) * settings.durationMs) / 1000) * 1.2) +
          WARMUP_REQUESTS,
      ),
    );
    const rows: BenchRow[] = [];
    for (const [i, api] of apis.entries()) {
      const what = whatOf(api, i);
      const form = forms[i]!;
      try {
        const pool =
          form.state === null
            ? [{}]
            : await server.call<Array<Record<string, unknown>>>({
                type: 'pool',
                state: form.state ?? STATE,
                requester: TEST_REQUESTER_1.accessKeyId,
                n: poolSize,
                budgetMs: 5000,
              });
        if (pool.length === 0) throw new Error('the emulator created no provider state');
        const codec = codecFor(api, form.wire);
        const now = new Date();
        // Encode (and sign) every request up front, so the generator only writes bytes.
        const encoded = pool.map((ids) =>
          codec.encodeRequest(set, formOperation(form), formInput(form, ids), TEST_REQUESTER_1, {
            host,
            now,
          }),
        );
        let sent = 0;
        const before = (await server.requests()) ?? 0;
        const costBefore = await serverCost(server);
        // the entities the row's calls find in the store (every earlier row's pool is there too)
        const storeEntities = await server.call<number | undefined>({ type: 'size' }).catch(() => undefined);
        const r = await drive({
          url: server.url,
          request: (seq) => {
            sent = Math.max(sent, seq + 1);
            return encoded[seq % encoded.length]!;
          },
          concurrency: settings.concurrency,
          durationMs: settings.durationMs,
          warmupMs: EMULATOR_WARMUP_MS,
          warmupRequests: WARMUP_REQUESTS,
        });
        const served = ((await server.requests()) ?? 0) - before;
        const cpuUs = cpuPerRequest(costBefore, await serverCost(server));
        const cpuPrior = ceiling?.cpuSamples.at(-1);
        const rps = r.rps;
        // the ceiling measured just before and just after this row: the ratio uses their mean,
        // so that a change in the machine's load during the run moves both sides alike
        const prior = ceiling?.samples.at(-1);
        let after: number | undefined;
        try {
          after = ceiling ? (await ceiling.measure()).rps : undefined;
        } catch {
          after = undefined;
        }
        const paired = [prior, after].filter((x): x is number => x !== undefined);
        // the ceiling's CPU cost per request around the row, as its req/s are paired
        const cpuPaired = [cpuPrior, after !== undefined ? ceiling?.cpuSamples.at(-1) : undefined].filter(
          (x): x is number => x !== undefined,
        );
        const ceilingCpuUs =
          cpuPaired.length > 0
            ? round(cpuPaired.reduce((a, b) => a + b, 0) / cpuPaired.length, 1)
            : undefined;
        const ceilingRps = paired.length > 0 ? paired.reduce((a, b) => a + b, 0) / paired.length : undefined;
        rows.push({
          ...measured(idOf(i), what, round(rps, 0), 'req/s'),
          ...(ceilingRps
            ? { ratio: round(rps / ceilingRps, 3), ratioOf: 'ceiling', met: rps / ceilingRps >= form.target }
            : {}),
          target: targetOf(i),
          detail: {
            ...loadDetail(r, settings),
            served,
            pool: pool.length,
            ...(storeEntities !== undefined ? { storeEntities } : {}),
            poolCreateBudgetMs: 5000,
            sentIncludingWarmup: sent,
            ...(formOperation(form) === OPERATION
              ? {
                  validCalls: Math.min(sent, pool.length),
                  alreadyRejectedCalls: Math.max(0, sent - pool.length),
                }
              : {}),
            pairedCeilingRps: paired.map((x) => round(x, 0)),
            ...(cpuUs !== undefined ? { serverCpuUsPerRequest: cpuUs } : {}),
            // the ratio the CPU costs give (ceiling's over this row's): what req/s would show with
            // the server as the limit on an idle machine; the target is judged on req/s
            ...(cpuUs !== undefined && ceilingCpuUs !== undefined
              ? { ceilingCpuUsPerRequest: ceilingCpuUs, cpuCostRatio: round(ceilingCpuUs / cpuUs, 3) }
              : {}),
          },
        });
      } catch (e) {
        rows.push(notRun(idOf(i), what, (e as Error).message.split('\n')[0] ?? 'error', targetOf(i)));
      }
    }
    return rows;
  } catch (e) {
    return apis.map((api, i) =>
      notRun(idOf(i), whatOf(api, i), (e as Error).message.split('\n')[0] ?? 'error', targetOf(i)),
    );
  } finally {
    await server?.close();
  }
}
