// The benchmark: every row measured in one run, printed as a table and
// written to bench/results.json (docs/benchmark.md explains the rows).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { cliRows } from './rows-cli.ts';
import { type Ceiling, ceilingRow, emulatorRows, openCeiling, round, SOAP_FORMS } from './rows-http.ts';
import { localRows } from './rows-local.ts';
import { clientSuiteRows, serverSuiteRow } from './rows-suites.ts';
import type { BenchResults, BenchRow } from './types.ts';

export type { BenchResults, BenchRow } from './types.ts';

export const GROUPS = [
  'ceiling',
  'emulator',
  'emulator-soap',
  'server-suite',
  'client-suite',
  'cli',
  'local',
] as const;
export type Group = (typeof GROUPS)[number];

export interface BenchOptions {
  durationMs: number;
  concurrency: number;
  serverRuns: number;
  clientRuns: number;
  runsSweep: number[];
  cliTimeoutMs: number;
  seed: number;
  groups: Group[];
  /** called with each row as soon as it is measured */
  onRow?: (row: BenchRow) => void;
  /** progress lines */
  log?: (line: string) => void;
}

export const DEFAULT_BENCH_OPTIONS: BenchOptions = {
  durationMs: 2000,
  concurrency: 16,
  // the suites' rows run as many cases per property as `npm start` does
  serverRuns: 100,
  clientRuns: 100,
  runsSweep: [10, 100, 1000],
  cliTimeoutMs: 300_000,
  seed: 1,
  groups: [...GROUPS],
};

export async function runBench(opts: BenchOptions): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  const rows: BenchRow[] = [];
  const add = (r: BenchRow) => {
    rows.push(r);
    opts.onRow?.(r);
  };
  const log = opts.log ?? (() => {});
  const want = (g: Group) => opts.groups.includes(g);
  const http = { durationMs: opts.durationMs, concurrency: opts.concurrency };
  // the ceiling is needed for the ratios of (b) and (c); it is measured again next to each of them
  let ceiling: Ceiling | undefined;
  let ceilingRowRef: BenchRow | undefined;
  const suites = {
    serverRuns: opts.serverRuns,
    clientRuns: opts.clientRuns,
    bareMs: opts.durationMs,
    seed: opts.seed,
  };
  const needCeiling = want('ceiling') || want('emulator') || want('emulator-soap') || want('server-suite');
  try {
    if (needCeiling) {
      log('measuring the loopback ceiling');
      let opened: Ceiling | Error;
      try {
        opened = await openCeiling(http);
        ceiling = opened;
      } catch (e) {
        opened = e as Error;
      }
      ceilingRowRef = await ceilingRow(http, opened);
      add(ceilingRowRef);
      if (ceilingRowRef.status !== 'measured') {
        await ceiling?.close();
        ceiling = undefined;
      }
    }
    if (want('emulator')) {
      log('measuring the emulator');
      for (const r of await emulatorRows(http, ceiling)) add(r);
    }
    if (want('emulator-soap')) {
      log('measuring the emulator over SOAP');
      for (const r of await emulatorRows(http, ceiling, SOAP_FORMS)) add(r);
    }
    if (want('server-suite')) {
      log('measuring the server suite');
      const before = ceiling?.samples.at(-1);
      // the suite's run is long and the machine's load may change: re-measure the ceiling after it
      add(
        await serverSuiteRow(suites, async () => {
          const after = ceiling ? (await ceiling.measure().catch(() => undefined))?.rps : undefined;
          const xs = [before, after].filter((x): x is number => x !== undefined);
          return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
        }),
      );
    }
  } finally {
    await ceiling?.close();
  }
  if (ceilingRowRef?.status === 'measured' && ceiling) {
    ceilingRowRef.detail = {
      ...ceilingRowRef.detail,
      allSamplesRps: ceiling.samples.map((x) => round(x, 0)),
    };
  }
  if (want('client-suite')) {
    log('measuring the client suite');
    for (const r of await clientSuiteRows(suites)) add(r);
  }
  if (want('cli')) {
    log('measuring the command line (npm start, --runs sweep)');
    for (const r of await cliRows({
      runsSweep: opts.runsSweep,
      timeoutMs: opts.cliTimeoutMs,
      seed: opts.seed,
    }))
      add(r);
  }
  if (want('local')) {
    log('measuring the local MTurk (startEmulator from the built package)');
    for (const r of await localRows()) add(r);
  }
  const cpus = os.cpus();
  let checks: BenchResults['checks'];
  try {
    checks = await checkCounts();
  } catch (e) {
    log(`could not count the checks: ${(e as Error).message.split('\n')[0]}`);
  }
  return {
    tool: 'mturk-conformance bench',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      memMb: Math.round(os.totalmem() / 1024 / 1024),
    },
    settings: { durationMs: opts.durationMs, concurrency: opts.concurrency, runsSweep: opts.runsSweep },
    rows,
    ...(checks ? { checks } : {}),
  };
}

/** The number of checks of each suite per API version, from the catalogues (nothing is run). */
async function checkCounts(): Promise<NonNullable<BenchResults['checks']>> {
  const [{ loadSpecs }, { APIS }, { serverChecks }, { clientCheckCatalogue }, { e2eCheckCatalogue }, creds] =
    await Promise.all([
      import('../spec/load.ts'),
      import('../spec/types.ts'),
      import('../checks/catalogue.ts'),
      import('../client-checks/mock-checks.ts'),
      import('../client-checks/e2e-checks.ts'),
      import('../emulator/test-credentials.ts'),
    ]);
  const set = loadSpecs();
  const out: NonNullable<BenchResults['checks']> = {};
  for (const api of APIS) {
    const server = serverChecks(set, {
      kind: 'server',
      endpoint: 'http://127.0.0.1:1',
      apis: [api],
      runs: 1,
      seed: 1,
      timeoutMs: 1,
      credentials: [...creds.TEST_CREDENTIALS],
    }).length;
    out[api] = {
      server,
      client: clientCheckCatalogue(set, { apis: [api] }).length,
      clientE2e: e2eCheckCatalogue(set, { apis: [api] }).length,
    };
  }
  return out;
}

function fmt(n: number): string {
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return String(Math.round(n * 100) / 100);
}

/** The results as a plain-text table. */
export function formatTable(results: BenchResults): string {
  const header = ['row', 'figure', 'ratio', 'target', 'verdict'];
  const body = results.rows.map((r) => {
    if (r.status === 'not-run') return [r.id, `not-run (${r.reason ?? 'no reason'})`, '', r.target ?? '', ''];
    const figure = `${fmt(r.value ?? 0)} ${r.unit ?? ''}`.trim();
    const ratio = r.ratio !== undefined ? `${r.ratio.toFixed(3)} of ${r.ratioOf ?? '?'}` : '';
    const verdict = r.met === undefined ? '' : r.met ? 'met' : 'MISSED';
    return [r.id, figure, ratio, r.target ?? '', verdict];
  });
  const width = header.map((h, i) => Math.max(h.length, ...body.map((b) => Math.min(b[i]!.length, 90))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c.length > 90 ? `${c.slice(0, 87)}...` : c).padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  const m = results.machine;
  return [
    `mturk-conformance bench — ${results.startedAt} — node ${m.node}, ${m.cpus} × ${m.cpuModel}, ${m.memMb} MB`,
    `load: ${results.settings.concurrency} keep-alive connections, ${results.settings.durationMs} ms per row`,
    '',
    line(header),
    line(width.map((w) => '-'.repeat(w))),
    ...body.map(line),
    ...(results.checks
      ? [
          '',
          `checks per API: ${Object.entries(results.checks)
            .map(
              ([api, c]) =>
                `${api} ${c.server} server, ${c.client} client (mock), ${c.clientE2e} client end to end`,
            )
            .join('; ')}`,
        ]
      : []),
  ].join('\n');
}

export function writeResults(path: string, results: BenchResults): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
