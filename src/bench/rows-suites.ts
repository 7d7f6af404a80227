// Rows (c) and (d): the conformance suites' own throughput.
// (c) the server suite through the runner API against the emulator (served from
//     a child process whose request counter gives the requests the suite sent);
// (d) the client suite's checks with the bundled SDK client in-process (msw)
//     and through the example SDK driver (a subprocess over HTTP), each beside
//     the same client calling a trivial handler that answers `{}`.
import { performance } from 'node:perf_hooks';
import { round } from './rows-http.ts';
import { startCeilingServer, startChildServer } from './servers.ts';
import { type BenchRow, measured, notRun } from './types.ts';

function firstLine(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split('\n')[0] ?? 'error';
}

export interface SuiteBenchSettings {
  /** --runs for the server suite */
  serverRuns: number;
  /** runs for the client suite's property checks */
  clientRuns: number;
  /** how long to measure the bare clients, ms */
  bareMs: number;
  seed: number;
}

/** (c) server-suite throughput: requests the suite sent per second of wall time, ratio to the ceiling. */
export async function serverSuiteRow(
  settings: SuiteBenchSettings,
  pairedCeiling: () => Promise<number | undefined>,
): Promise<BenchRow> {
  const id = 'server-suite';
  const target = '≥ 0.25 of ceiling';
  const what = `server suite vs emulator, both APIs, --runs ${settings.serverRuns} (requests sent / wall time)`;
  let server: Awaited<ReturnType<typeof startChildServer>> | undefined;
  try {
    const [{ runConformance }, { TEST_CREDENTIALS }] = await Promise.all([
      import('../runner/run.ts'),
      import('../emulator/test-credentials.ts'),
    ]);
    server = await startChildServer('emulator');
    const before = (await server.requests()) ?? 0;
    const t0 = performance.now();
    const outcome = await runConformance({
      target: {
        kind: 'server',
        endpoint: server.url,
        ...(server.statesUrl ? { statesUrl: server.statesUrl } : {}),
        apis: ['2017-01-17', '2014-08-15'],
        runs: settings.serverRuns,
        seed: settings.seed,
        timeoutMs: 5000,
        credentials: TEST_CREDENTIALS.map((c) => ({ ...c })),
      },
      progress: false,
      log: () => {},
    });
    const wallMs = performance.now() - t0;
    const requests = ((await server.requests()) ?? 0) - before;
    const rps = (requests / wallMs) * 1000;
    await server.close();
    server = undefined;
    const ceilingRps = await pairedCeiling();
    const statuses: Record<string, number> = {};
    for (const r of outcome.report.results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    return {
      ...measured(id, what, round(rps, 0), 'cases/s'),
      ...(ceilingRps
        ? { ratio: round(rps / ceilingRps, 3), ratioOf: 'ceiling', met: rps / ceilingRps >= 0.25 }
        : {}),
      target,
      detail: {
        requests,
        wallMs: Math.round(wallMs),
        checks: outcome.report.results.length,
        executed: outcome.executed,
        statuses,
        exitCode: outcome.exitCode,
        note: 'wall time includes vitest start-up and the provider-state calls',
        // the report's own duration (vitest's run of the suite files, without the runner's set-up)
        ...(typeof outcome.report.durationMs === 'number'
          ? {
              reportDurationMs: Math.round(outcome.report.durationMs),
              requestsPerSecondOverReportDuration: round(
                (requests / Math.max(1, outcome.report.durationMs)) * 1000,
                0,
              ),
            }
          : {}),
        ...(ceilingRps ? { pairedCeilingRps: round(ceilingRps, 0) } : {}),
      },
    };
  } catch (e) {
    return notRun(id, what, firstLine(e), target);
  } finally {
    await server?.close();
  }
}

interface ClientMeasure {
  cases: number;
  requests: number;
  checks: number;
  failed: number;
  notRun: number;
  wallMs: number;
  /** checks in flight at once, each lane with its own mock and client (as in the suite) */
  lanes: number;
}

/**
 * Runs the client catalogue for one API as the suite does (checks side by side on the session's
 * lanes), without vitest around it; counts cases and client calls.
 */
async function measureClientSuite(
  client: 'sdk-v3' | 'driver',
  settings: SuiteBenchSettings,
  driver?: string,
): Promise<ClientMeasure> {
  const { ClientSession, defaultFactory, loadSpecsFor } = await import('../client-checks/lanes.ts');
  const config = {
    kind: 'client' as const,
    client,
    ...(driver ? { driver } : {}),
    apis: ['2017-01-17' as const],
    runs: settings.clientRuns,
    seed: settings.seed,
    timeoutMs: 10_000,
  };
  const set = loadSpecsFor({});
  let requests = 0;
  // count the client calls the checks make: wrap the clients the session builds
  const session = new ClientSession(set, config, {
    factory: async (api, endpoint, ctx) => {
      const c = await defaultFactory(api, endpoint, ctx);
      if (!c) return c;
      const inner = c.call.bind(c);
      c.call = (operation, input) => {
        requests++;
        return inner(operation, input);
      };
      return c;
    },
  });
  const t0 = performance.now();
  const defs = session.catalogue();
  let outcomes: Awaited<ReturnType<typeof session.runCheck>>[];
  try {
    await session.start();
    outcomes = await Promise.all(defs.map((def) => session.runCheck(def)));
  } finally {
    await session.close();
  }
  return {
    cases: outcomes.reduce((n, o) => n + (o.cases ?? (o.status === 'not-run' ? 0 : 1)), 0),
    requests,
    checks: defs.length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    notRun: outcomes.filter((o) => o.status === 'not-run').length,
    wallMs: performance.now() - t0,
    lanes: session.laneCount,
  };
}

/** The bundled SDK client calling an msw handler that answers `{}`, calls/s (sequential). */
async function bareInProcess(ms: number): Promise<{ calls: number; rps: number }> {
  const [{ createSdkV3Client }, { http, HttpResponse }, { setupServer }, { TEST_REQUESTER_1 }] =
    await Promise.all([
      import('../clients/sdk-v3.ts'),
      import('msw'),
      import('msw/node'),
      import('../emulator/test-credentials.ts'),
    ]);
  const origin = 'http://bench.bare.localhost';
  const server = setupServer(
    http.post(`${origin}/*`, () =>
      HttpResponse.json({}, { headers: { 'content-type': 'application/x-amz-json-1.1' } }),
    ),
  );
  server.listen({ onUnhandledRequest: 'bypass' });
  const client = createSdkV3Client({ endpoint: origin, credentials: TEST_REQUESTER_1 });
  try {
    return await callLoop(client, ms);
  } finally {
    await client.close();
    server.close();
  }
}

/** The example SDK driver calling a node:http server that answers `{}`, calls/s (sequential). */
async function bareDriver(command: string, ms: number): Promise<{ calls: number; rps: number }> {
  const [{ startDriver }, { TEST_REQUESTER_1 }] = await Promise.all([
    import('../driver/driver-client.ts'),
    import('../emulator/test-credentials.ts'),
  ]);
  const trivial = await startCeilingServer();
  const client = startDriver({
    command,
    api: '2017-01-17',
    endpoint: trivial.url.replace(/\/$/, ''),
    credentials: TEST_REQUESTER_1,
    timeoutMs: 10_000,
  });
  try {
    return await callLoop(client, ms);
  } finally {
    await client.close();
    await new Promise<void>((r) => {
      trivial.server.closeAllConnections();
      trivial.server.close(() => r());
    });
  }
}

/** RejectAssignment calls (any id: the server answers `{}`) for `ms`, after a warm-up. */
async function callLoop(
  client: { call(operation: string, input: Record<string, unknown>): Promise<unknown> },
  ms: number,
): Promise<{ calls: number; rps: number }> {
  const call = (i: number) =>
    client.call('RejectAssignment', { AssignmentId: `A${i}`, RequesterFeedback: 'x' });
  // warm-up (first calls load modules, open sockets)
  for (let i = 0; i < 20; i++) await call(i);
  const t0 = performance.now();
  const end = t0 + ms;
  let calls = 0;
  while (performance.now() < end && calls < 1_000_000) {
    const r = (await call(calls)) as { error?: { message?: string } };
    if (r && typeof r === 'object' && 'error' in r && r.error)
      throw new Error(`bare client call failed: ${r.error.message}`);
    calls++;
  }
  const wall = performance.now() - t0;
  return { calls, rps: (calls / wall) * 1000 };
}

/** One client-suite row and the bare-client row it is compared with. */
interface ClientRowPair {
  bareId: string;
  bareWhat: string;
  suiteId: string;
  suiteWhat: string;
  ratioOf: string;
  bare: () => Promise<{ calls: number; rps: number }>;
  suite: () => Promise<ClientMeasure>;
}

async function clientRowPair(p: ClientRowPair): Promise<BenchRow[]> {
  const target = '≥ 0.8 of bare client';
  const rows: BenchRow[] = [];
  try {
    const bare = await p.bare();
    rows.push({
      ...measured(p.bareId, p.bareWhat, round(bare.rps, 0), 'calls/s'),
      detail: { calls: bare.calls },
    });
    const m = await p.suite();
    const cps = (m.cases / m.wallMs) * 1000;
    rows.push({
      ...measured(p.suiteId, p.suiteWhat, round(cps, 0), 'cases/s'),
      ratio: round(cps / bare.rps, 3),
      ratioOf: p.ratioOf,
      met: cps / bare.rps >= 0.8,
      target,
      detail: {
        ...m,
        wallMs: Math.round(m.wallMs),
        clientCallsPerSecond: round((m.requests / m.wallMs) * 1000, 0),
      },
    });
  } catch (e) {
    rows.push(notRun(p.suiteId, p.suiteWhat, firstLine(e), target));
  }
  return rows;
}

/** (d) client-suite rows: in-process (msw) and through the SDK driver, each beside its bare client. */
export async function clientSuiteRows(settings: SuiteBenchSettings): Promise<BenchRow[]> {
  const { exampleDriverCommand } = await import('../cli/commands/client.ts');
  const command = exampleDriverCommand('sdk-v3');
  return [
    ...(await clientRowPair({
      bareId: 'bare-client.in-process',
      bareWhat: 'bare SDK v3 client → msw handler answering {} (sequential calls)',
      suiteId: 'client-suite.in-process',
      suiteWhat: `client suite, bundled SDK v3 client in-process (msw), 2017-01-17, runs ${settings.clientRuns}`,
      ratioOf: 'bare client',
      bare: () => bareInProcess(settings.bareMs),
      suite: () => measureClientSuite('sdk-v3', settings),
    })),
    ...(await clientRowPair({
      bareId: 'bare-client.driver',
      bareWhat: 'bare SDK driver → node:http answering {} (sequential calls)',
      suiteId: 'client-suite.driver',
      suiteWhat: `client suite through the example SDK driver (subprocess, HTTP mock), 2017-01-17, runs ${settings.clientRuns}`,
      ratioOf: 'bare driver',
      bare: () => bareDriver(command, settings.bareMs),
      suite: () => measureClientSuite('driver', settings, command),
    })),
  ];
}
