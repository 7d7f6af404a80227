// Rows (a) and (b): the loopback ceiling and the reference emulator's
// throughput for RejectAssignment, both served from a child process and driven
// by the same load generator with the same settings.
import type { Api } from '../spec/types.ts';
import type { WireRequest } from '../wire/http-types.ts';
import { drive, type LoadResult } from './loadgen.ts';
import { startChildServer } from './servers.ts';
import { type BenchRow, notRun } from './types.ts';

export interface HttpBenchSettings {
  durationMs: number;
  concurrency: number;
}

const OPERATION = 'RejectAssignment';
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
  // a longer warm-up than drive's own, not recorded: the first window otherwise runs
  // before the child's JIT has settled and reads low
  await drive({ url: server.url, request, concurrency: settings.concurrency, durationMs: 1000, warmupMs: 0 });
  return {
    samples,
    measure: async () => {
      const r = await drive({
        url: server.url,
        request,
        concurrency: settings.concurrency,
        durationMs: settings.durationMs,
      });
      if (r.requests === 0) throw new Error('no answer from the ceiling server');
      samples.push(r.rps);
      return r;
    },
    close: () => server.close(),
  };
}

/** (a) the loopback ceiling: a minimal node:http server answering `{}`. */
export async function ceilingRow(settings: HttpBenchSettings, ceiling: Ceiling | Error): Promise<BenchRow> {
  const id = 'ceiling';
  const what = `loopback ceiling: node:http answering {} (c=${settings.concurrency}, ${settings.durationMs} ms)`;
  if (ceiling instanceof Error) return notRun(id, what, ceiling.message);
  try {
    const r = await ceiling.measure();
    return {
      id,
      what,
      status: 'measured',
      value: round(r.rps, 0),
      unit: 'req/s',
      detail: loadDetail(r, settings),
    };
  } catch (e) {
    return notRun(id, what, (e as Error).message);
  }
}

/** (b) the emulator answering RejectAssignment in each API version, ratio to the ceiling. */
export async function emulatorRows(
  settings: HttpBenchSettings,
  ceiling: Ceiling | undefined,
): Promise<BenchRow[]> {
  const apis: Api[] = ['2017-01-17', '2014-08-15'];
  const target = '≥ 0.5 of ceiling';
  const whatOf = (api: string) => `emulator: ${OPERATION} ${api}, valid calls on a provider-state pool`;
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
      return apis.map((api) =>
        notRun(
          `emulator.${api}`,
          whatOf(api),
          `module missing: ${(e as Error).message.split('\n')[0]}`,
          target,
        ),
      );
    }
    const [{ codecFor }, { loadSpecs }, { TEST_REQUESTER_1 }] = mods;
    const set = loadSpecs();
    server = await startChildServer('emulator');
    const host = new URL(server.url).host;
    // Pool size: enough fresh Submitted assignments for the warm-up and the window at up to
    // ~1.2x the ceiling; beyond it the calls wrap around onto already-rejected assignments.
    const poolSize = Math.min(
      60_000,
      Math.max(
        2_000,
        Math.ceil((((ceiling?.samples.at(-1) ?? 10_000) * (settings.durationMs + 300)) / 1000) * 1.2),
      ),
    );
    const rows: BenchRow[] = [];
    for (const api of apis) {
      const what = whatOf(api);
      try {
        const pool = await server.call<Array<Record<string, unknown>>>({
          type: 'pool',
          state: STATE,
          requester: TEST_REQUESTER_1.accessKeyId,
          n: poolSize,
          budgetMs: 5000,
        });
        if (pool.length === 0) throw new Error('the emulator created no provider state');
        const codec = codecFor(api);
        const now = new Date();
        // Encode (and sign) every request up front, so the generator only writes bytes.
        const encoded = pool.map((ids) =>
          codec.encodeRequest(
            set,
            OPERATION,
            { AssignmentId: ids.AssignmentId, RequesterFeedback: 'benchmark' },
            TEST_REQUESTER_1,
            { host, now },
          ),
        );
        let sent = 0;
        const before = (await server.requests()) ?? 0;
        const r = await drive({
          url: server.url,
          request: (seq) => {
            sent = Math.max(sent, seq + 1);
            return encoded[seq % encoded.length]!;
          },
          concurrency: settings.concurrency,
          durationMs: settings.durationMs,
        });
        const served = ((await server.requests()) ?? 0) - before;
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
        const ceilingRps = paired.length > 0 ? paired.reduce((a, b) => a + b, 0) / paired.length : undefined;
        rows.push({
          id: `emulator.${api}`,
          what,
          status: 'measured',
          value: round(rps, 0),
          unit: 'req/s',
          ...(ceilingRps
            ? { ratio: round(rps / ceilingRps, 3), ratioOf: 'ceiling', met: rps / ceilingRps >= 0.5 }
            : {}),
          target,
          detail: {
            ...loadDetail(r, settings),
            served,
            pool: pool.length,
            poolCreateBudgetMs: 5000,
            sentIncludingWarmup: sent,
            validCalls: Math.min(sent, pool.length),
            alreadyRejectedCalls: Math.max(0, sent - pool.length),
            pairedCeilingRps: paired.map((x) => round(x, 0)),
          },
        });
      } catch (e) {
        rows.push(notRun(`emulator.${api}`, what, (e as Error).message.split('\n')[0] ?? 'error', target));
      }
    }
    return rows;
  } catch (e) {
    return apis.map((api) =>
      notRun(`emulator.${api}`, whatOf(api), (e as Error).message.split('\n')[0] ?? 'error', target),
    );
  } finally {
    await server?.close();
  }
}
