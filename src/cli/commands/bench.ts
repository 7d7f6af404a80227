// mturk-conformance bench: measure throughput and memory in one run, print a
// table and write bench/results.json (see docs/benchmark.md).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_BENCH_OPTIONS,
  formatTable,
  GROUPS,
  type Group,
  runBench,
  writeResults,
} from '../../bench/index.ts';
import { helpText, type OptionSpec, parseArgs, splitList, UsageError } from '../args.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const OPTIONS = {
  'duration-ms': {
    type: 'int',
    help: 'measuring time per load row',
    default: DEFAULT_BENCH_OPTIONS.durationMs,
    min: 100,
  },
  concurrency: {
    type: 'int',
    help: 'keep-alive connections of the load generator',
    default: DEFAULT_BENCH_OPTIONS.concurrency,
    min: 1,
  },
  'server-runs': {
    type: 'int',
    help: '--runs of the server-suite row',
    default: DEFAULT_BENCH_OPTIONS.serverRuns,
    min: 1,
  },
  'client-runs': {
    type: 'int',
    help: 'runs of the client-suite rows',
    default: DEFAULT_BENCH_OPTIONS.clientRuns,
    min: 1,
  },
  'runs-sweep': {
    type: 'string',
    help: '--runs values timed for `run`, comma separated',
    default: DEFAULT_BENCH_OPTIONS.runsSweep.join(','),
    valueName: 'N,N',
  },
  'cli-timeout-ms': {
    type: 'int',
    help: 'time limit of each command-line run',
    default: DEFAULT_BENCH_OPTIONS.cliTimeoutMs,
    min: 1000,
  },
  seed: { type: 'int', help: 'seed of the suite runs', default: DEFAULT_BENCH_OPTIONS.seed },
  only: { type: 'list', help: `only these row groups: ${GROUPS.join(', ')}`, valueName: 'GROUP' },
  out: { type: 'string', help: 'results file', default: 'bench/results.json', valueName: 'FILE' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, OptionSpec>;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.help) {
    process.stdout.write(`${helpText('bench', '[options]', OPTIONS)}\n`);
    return 0;
  }
  // The bench runs the bundled SDK client in this process: as in the suite workers
  // (src/runner/worker-preload.mjs), its notice about future Node versions stays out of the table.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const groups = splitList(args.only);
  for (const g of groups) {
    if (!(GROUPS as readonly string[]).includes(g))
      throw new UsageError(`unknown group '${g}' (${GROUPS.join(', ')})`);
  }
  const sweep = splitList([args['runs-sweep'] ?? '']).map((s) => {
    if (!/^\d+$/.test(s) || Number(s) < 1)
      throw new UsageError(`--runs-sweep takes whole numbers ≥ 1, got '${s}'`);
    return Number(s);
  });
  const d = DEFAULT_BENCH_OPTIONS;
  const results = await runBench({
    durationMs: args['duration-ms'] ?? d.durationMs,
    concurrency: args.concurrency ?? d.concurrency,
    serverRuns: args['server-runs'] ?? d.serverRuns,
    clientRuns: args['client-runs'] ?? d.clientRuns,
    runsSweep: sweep,
    cliTimeoutMs: args['cli-timeout-ms'] ?? d.cliTimeoutMs,
    seed: args.seed ?? d.seed,
    groups: groups.length > 0 ? (groups as Group[]) : [...GROUPS],
    log: (line) => process.stderr.write(`bench: ${line}\n`),
    onRow: (r) =>
      process.stderr.write(
        `bench: ${r.id}: ${r.status === 'measured' ? `${r.value} ${r.unit ?? ''}` : `not-run (${r.reason})`}\n`,
      ),
  });
  const out = resolve(ROOT, args.out ?? 'bench/results.json');
  writeResults(out, results);
  process.stdout.write(`${formatTable(results)}\n\nresults: ${out}\n`);
  return 0;
}
