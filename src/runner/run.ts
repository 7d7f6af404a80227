// runConformance: runs the bundled vitest suites (suites/server or
// suites/client) through vitest's Node API with the target provided, and
// turns the outcome into a ConformanceReport. The CLI commands and the
// library entry (src/index.ts) are thin layers over this function.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { TestCase, TestSpecification } from 'vitest/node';
import { toolVersion } from '../cli/version.ts';
import { exitCodeFor, type NotRunLimit, notRunVerdict, summarize } from '../report/merge.ts';
import type { CheckResult, ConformanceReport, ReportTarget } from '../report/types.ts';
import { loadedSpecsDigest, loadSpecs } from '../spec/load.ts';
import { APIS } from '../spec/types.ts';
import { shellQuote } from '../wire/curl.ts';
import {
  applyExpectedFailures,
  type ExpectedFailures,
  loadExpectedFailures,
  type UpdateSummary,
  unknownOperationWarnings,
  updateExpectedFailuresFile,
} from './expected-failures.ts';
import { INTERRUPTED_DETAIL, interruptSignal, stopSuiteThreads } from './interrupt.ts';
import { probeEndpoint } from './probe.ts';
import { Progress, type ProgressOptions, type ProgressSink } from './progress.ts';
import { Redactor } from './redact.ts';
import { ConformanceCollector } from './reporter.ts';
import { checkEndpoint } from './safety.ts';
import { checkSelection, parseShard, shardIds } from './select.ts';
import { type CheckMeta, RunError, type ServerTarget, type Target } from './types.ts';

/** The package root (where suites/ and specs/ are), whatever the current directory. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Concurrent checks in flight (vitest's maxConcurrency; its default is 5). The server checks
 * that may run side by side only touch their own provider states, and each waits on the target
 * most of the time: more of them in flight keeps the target busy. Matches the transport's
 * keep-alive sockets per host (DEFAULT_MAX_SOCKETS), so no check waits for a socket.
 */
export const SERVER_CHECK_CONCURRENCY = 16;

/**
 * The large plain-JavaScript packages a suite worker will import for this target, which it loads
 * before tsx's loader (worker-preload.mjs). Anything missing from the list still loads, only
 * through the loader's hooks; a package listed but not needed costs its memory for nothing.
 */
export function workerPreloads(target: Target): string[] {
  const base = ['fast-check', 'fast-xml-parser', 'ajv'];
  if (target.kind === 'server') return base;
  // the client suite serves its mock with node:http (src/mock/server.ts): msw is not loaded
  return [...base, ...(target.client === 'sdk-v3' ? ['@aws-sdk/client-mturk'] : [])];
}

/**
 * How vitest starts the suite workers. The suites are imported natively (vitest's module runner
 * off), through tsx's loader registered by worker-preload.mjs: with the module runner, vite
 * transformed every module in this process, which then held ~100 MB more native memory for the
 * rest of the run. The heap flag slows the growth of a worker's old generation, which V8 lets
 * run far ahead of what the worker holds (~280 MB against ~200 MB for the client suite). A
 * smaller young generation (--max-semi-space-size) would save ~60 MB more but tripled the time
 * spent collecting garbage (from ~0.6 s to ~1.7 s for the SDK's client suite, from ~0.2 s to
 * ~0.8 s for the server suite), measured with CPU profiles of the workers.
 */
export const WORKER_HEAP_FLAGS = ['--heap-growing-percent=10'];

/**
 * The heap flags of suites in worker threads (`run`): the workers' flag, and a young generation
 * of at most 3 × 4 MB instead of 3 × 16 MB. Two suites run side by side there, in one process:
 * the smaller young generations took `run --runs 10`'s peak from 524 MB to 445 MB (same seed,
 * same verdicts), for a little more time collecting garbage.
 */
export const THREAD_HEAP_FLAGS = [...WORKER_HEAP_FLAGS, '--max-semi-space-size=4'];

/**
 * A worker thread takes no V8 flags of its own (Node refuses them in its execArgv): they are set
 * for the whole process instead, once, before the first thread starts; V8 reads them when it
 * creates a thread's heap (the growing flag applies to this process's own heap as well).
 */
let threadHeapFlagsSet = false;
function setThreadHeapFlags(): void {
  if (threadHeapFlagsSet) return;
  threadHeapFlagsSet = true;
  setFlagsFromString(THREAD_HEAP_FLAGS.join(' '));
}

let forcedGc: (() => void) | undefined;

/**
 * A full garbage collection of this thread's heap, now. V8 keeps the pages of a heap it grew
 * long after what filled them is gone (the emulator's store of the server suite's entities,
 * emptied by its reset: ~60 MB of pages held while the client suites ran). A forced, compacting
 * collection gives the empty pages back. Node has no call for it but the `gc` of
 * --expose-gc, which a new context gets once the flag is set (jest's leak detector does the same).
 */
export function collectGarbage(): void {
  if (!forcedGc) {
    setFlagsFromString('--expose-gc');
    forcedGc = runInNewContext('gc') as () => void;
    // contexts made later (the suite threads') get no `gc` of their own
    setFlagsFromString('--no-expose-gc');
  }
  // without options: Node 20's V8 took `{type: 'major', …}` and collected next to nothing. A full
  // collection moves objects only off pages it finds sparse enough; this one compacts them all, so
  // the pages where the long-lived objects sat between the store's entities are given back too
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    forcedGc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

export function workerOptions(
  target: Target,
  pool: 'forks' | 'threads' = 'forks',
  loader: 'tsx' | 'none' = 'tsx',
): {
  execArgv: string[];
  experimental: { viteModuleRunner: boolean; nodeLoader: boolean };
} {
  const preload = new URL('./worker-preload.mjs', import.meta.url);
  if (loader === 'tsx') preload.searchParams.set('deps', workerPreloads(target).join(','));
  else preload.searchParams.set('loader', 'none');
  if (pool === 'threads') setThreadHeapFlags();
  return {
    execArgv: [...(pool === 'threads' ? [] : WORKER_HEAP_FLAGS), '--import', preload.href],
    experimental: { viteModuleRunner: false, nodeLoader: false },
  };
}

export const SUITE_GLOBS: Record<'server' | 'client', string> = {
  server: 'suites/server/**/*.test.ts',
  client: 'suites/client/**/*.test.ts',
};

/**
 * The suites this runner was built with (dist/suites, compiled by scripts/build.mjs), when this
 * module is itself the built one (dist/runner/run.js): the bin/ executable loads dist/ only when
 * it is a build of the current sources (bin/build-state.mjs), and a library user's import is the
 * build. Running from the sources (src/ through tsx, or vitest), the TypeScript suites.
 */
const COMPILED_SUITES = import.meta.url.endsWith('.js') ? new URL('../suites/', import.meta.url) : undefined;

/**
 * The bundled suite of `kind` and whether its workers need tsx. The compiled suites import the
 * compiled modules only: their workers register no loader (no tsx loader thread, no transform,
 * no module-hook round trips): `run --runs 10` took 12% less CPU time and 74 MB less at its
 * peak (docs/architecture.md). A user's own test files (`include`) may be TypeScript: tsx, as always.
 */
export function bundledSuite(kind: 'server' | 'client'): { glob: string; loader: 'tsx' | 'none' } {
  const dir = COMPILED_SUITES && fileURLToPath(new URL(`./${kind}/`, COMPILED_SUITES));
  if (dir && existsSync(dir))
    return { glob: `${relative(PACKAGE_ROOT, dir).split(sep).join('/')}/**/*.test.js`, loader: 'none' };
  return { glob: SUITE_GLOBS[kind], loader: 'tsx' };
}

export interface RunConformanceOptions {
  /** What the suite reads with inject('target'). */
  target: Target;
  /** How the target is named in the report (default: kind + endpoint or driver). */
  reportTarget?: Partial<ReportTarget>;
  /** Test files to run instead of the bundled suite for target.kind: globs relative to `root`, or absolute paths. */
  include?: string[];
  /** Directory the include globs are relative to (default: the package root). */
  root?: string;
  /** Check ids or globs (`2017-01-17/RejectAssignment/*`); default: every check. */
  checks?: string[];
  /** `i/n`: run every n-th check only (the shards of one run together cover every check once). */
  shard?: string;
  /** An expected-failures file (see docs/ci-gating.md). */
  expectedFailures?: string;
  /** Rewrite the expected-failures file with the checks that fail now (a .bak copy is kept). */
  updateExpectedFailures?: boolean;
  /** Texts that must never appear in the report or in messages (secret keys). */
  secrets?: string[];
  /** Count `should` failures as blocking for `exitCode`. */
  strict?: boolean;
  /** Fail the run (exit code 1) when more checks than this were not run (--max-not-run). */
  maxNotRun?: NotRunLimit;
  /** Allow a server endpoint that is not on this machine (MTurk's own endpoints are refused regardless). */
  allowRemote?: boolean;
  /** Probe the server endpoint (TCP) before running (default: true). */
  probe?: boolean;
  /** Keep probing for up to this long while the server starts (default 0: one try). */
  waitMs?: number;
  /** Progress on stderr: false for none; default: on. A ProgressSink (one suite's share of a SuiteProgress line) takes it instead. */
  progress?: boolean | ProgressOptions | ProgressSink;
  /** Where warnings go (default: stderr). Every line is redacted. */
  log?: (line: string) => void;
  /** The command line that re-runs one check; default: the suite's own, else a `server` command line. */
  reproduce?: (id: string) => string;
  /** Per-check time limit in ms (default: generous, derived from target.timeoutMs). */
  testTimeoutMs?: number;
  /**
   * Where the suite runs (default: forks, a process of its own). Threads run it in this process:
   * `run` uses them to run suites side by side without a Node process, a tsx loader and an
   * esbuild service per suite (each suite's thread still has its own modules and heap).
   */
  pool?: 'forks' | 'threads';
  /** How many of a file's concurrent checks run at once (default: SERVER_CHECK_CONCURRENCY). */
  maxConcurrency?: number;
  /** Called once the target passed the safety checks and the probe, right before the suite starts. */
  onStart?: () => void;
  /**
   * Stops the run when aborted: no more checks start, the report holds what finished and the rest
   * as not-run (default: the process-wide Ctrl-C signal, src/runner/interrupt.ts).
   */
  signal?: AbortSignal;
}

export interface RunOutcome {
  report: ConformanceReport;
  /** 0: no blocking failure; 1: a `must` (with strict, any) check failed; 2: nothing was tested. */
  exitCode: 0 | 1 | 2;
  /** One line saying why exitCode is 2. */
  reason?: string;
  /** Checks that ran (passed, failed or expected-failure). */
  executed: number;
  /** Errors outside any check (test files that did not load, unhandled errors), redacted, first lines. */
  problems: string[];
  /** The expected-failures list in effect, if any. */
  expectedFailures?: ExpectedFailures;
  /** What --update-expected-failures changed. */
  expectedFailuresUpdate?: UpdateSummary;
  /** The run was stopped (Ctrl-C) before every check finished. */
  interrupted?: boolean;
  /** Why the not-run checks fail the run (over --max-not-run), when they do. */
  notRunFailure?: string;
}

/**
 * The `mturk-conformance server ...` line that re-runs one check of a server target. Credentials
 * whose secret is in `secrets` (the user's own) are named by their access key ids only: the line
 * takes the secrets from MTURK_SECRET_KEY when it is run, never from the line itself.
 */
export function serverReproduce(
  target: ServerTarget,
  id: string,
  secrets: readonly string[] = [],
  options: { waitMs?: number } = {},
): string {
  const [api = '', , check = ''] = id.split('/');
  const args = ['npx', 'mturk-conformance', 'server', '--endpoint', target.endpoint];
  if (target.statesUrl) args.push('--states-url', target.statesUrl);
  // A cross-version check (cross.*) compares the two API versions: it exists only when both run.
  const apis = check.startsWith('cross.') ? target.apis : api ? [api] : [];
  for (const a of apis) args.push('--api', a);
  args.push('--check', id, '--seed', String(target.seed), '--runs', String(target.runs));
  args.push('--timeout-ms', String(target.timeoutMs));
  if (options.waitMs) args.push('--wait-ms', String(options.waitMs));
  for (const c of target.credentials) {
    if (!secrets.includes(c.secretAccessKey)) continue;
    args.push('--access-key', c.accessKeyId);
  }
  if (!/^https?:\/\/(127\.|localhost|\[::1\])/.test(target.endpoint)) args.push('--allow-remote');
  return args.map(shellQuote).join(' ');
}

/**
 * The target as the suite sees it. The suites take `checks` as exact ids (to
 * skip building what is not wanted); with a glob among the selection the
 * suite gets no `checks` and vitest's name filter does the selecting.
 */
function providedTarget(target: Target, checks: readonly string[] | undefined): Target {
  const list = (checks ?? [])
    .flatMap((c) => c.split(','))
    .map((c) => c.trim())
    .filter(Boolean);
  const own = target.checks ?? [];
  const all = [...new Set([...list, ...own])];
  if (all.length === 0) return target;
  const { checks: _drop, ...rest } = target;
  if (all.some((c) => c.includes('*'))) return rest as Target;
  return { ...rest, checks: list.length > 0 ? list : own } as Target;
}

/** Listed ids that this run should have met but did not: renamed or removed checks. */
function staleEntries(
  list: ExpectedFailures,
  results: readonly CheckResult[],
  target: Target,
  filtered: boolean,
): string[] {
  if (filtered || results.length === 0) return [];
  const ids = new Set(results.map((r) => r.id));
  const apis = new Set(results.map((r) => r.api));
  const operations = target.operations ? new Set(target.operations) : undefined;
  return [...list.entries.keys()].filter((id) => {
    const [api = '', operation = ''] = id.split('/');
    return !ids.has(id) && apis.has(api) && (!operations || operations.has(operation));
  });
}

function isSink(value: unknown): value is ProgressSink {
  return typeof (value as ProgressSink | undefined)?.update === 'function';
}

export async function runConformance(options: RunConformanceOptions): Promise<RunOutcome> {
  const { target } = options;
  const redactor = new Redactor(options.secrets ?? []);
  const log = (line: string) => {
    const text = redactor.text(line);
    if (options.log) options.log(text);
    else process.stderr.write(`${text}\n`);
  };

  // 1. Refuse what must not be touched, before anything else happens.
  if (target.kind === 'server') {
    for (const [url, what] of [
      [target.endpoint, '--endpoint'],
      [target.statesUrl, '--states-url'],
    ] as const) {
      if (url === undefined) continue;
      const warning = checkEndpoint({ url, what }, { allowRemote: options.allowRemote ?? false });
      if (warning) log(warning);
    }
    if (target.apis.length === 0) throw new RunError('no API version selected');
    if (target.operations && target.operations.length === 0) throw new RunError('no operation selected');
    if (!Number.isInteger(target.runs) || target.runs < 1) throw new RunError('--runs must be at least 1');
  }
  if (options.waitMs !== undefined && !(Number.isFinite(options.waitMs) && options.waitMs >= 0))
    throw new RunError(`--wait-ms must be 0 or more (got ${options.waitMs})`);
  const selection = checkSelection(options.checks);
  const shard = parseShard(options.shard);
  let expected: ExpectedFailures | undefined;
  if (options.expectedFailures) {
    expected = await loadExpectedFailures(options.expectedFailures, {
      mayBeMissing: options.updateExpectedFailures ?? false,
    });
  } else if (options.updateExpectedFailures) {
    throw new RunError('--update-expected-failures needs --expected-failures FILE');
  }
  // Ids of operations the specs do not know (typos): only the bundled suites are built from the specs.
  if (expected && !options.include) {
    const set = loadSpecs(target.specsDir);
    const known = Object.fromEntries(APIS.map((api) => [api, [...set.apis[api].operations.keys()]]));
    const warnings = unknownOperationWarnings(expected, known);
    for (const line of warnings.slice(0, 5)) log(`warning: ${line}`);
    if (warnings.length > 5) log(`warning: … ${warnings.length - 5} more unknown ids in ${expected.file}`);
  }

  // 2. Is anybody there?
  if (target.kind === 'server' && options.probe !== false) {
    const probeMs = Math.min(Math.max(target.timeoutMs, 500), 3000);
    await probeEndpoint(target.endpoint, probeMs, options.waitMs ?? 0);
    if (target.statesUrl) await probeEndpoint(target.statesUrl, probeMs, options.waitMs ?? 0);
  }

  // 3. Run the suite.
  options.onStart?.();
  const root = options.root ?? PACKAGE_ROOT;
  const bundled = options.include ? undefined : bundledSuite(target.kind);
  const include = options.include ?? [bundled!.glob];
  const progressOption = options.progress ?? true;
  const progress: ProgressSink | undefined =
    progressOption === false
      ? undefined
      : isSink(progressOption)
        ? progressOption
        : new Progress({
            ...(progressOption === true ? {} : progressOption),
            redact: (line) => redactor.text(line),
          });
  let shardSet: Set<string> | undefined;
  const selected = (id: string) => selection.matches(id) && (shardSet === undefined || shardSet.has(id));
  // A server target's line is always the runner's (npx, every option the run used), not the suite's.
  const reproduce = (id: string, meta: Partial<CheckMeta> | undefined): string =>
    options.reproduce?.(id) ??
    (target.kind === 'server' ? serverReproduce(target, id, options.secrets) : (meta?.reproduce ?? ''));
  const signal = options.signal ?? interruptSignal;
  const listed = expected;
  const collector = new ConformanceCollector({
    selected,
    reproduce,
    ...(listed ? { listed: (id: string) => listed.entries.has(id) } : {}),
    stoppedDetail: () => (signal.aborted ? INTERRUPTED_DETAIL : undefined),
    ...(progress ? { progress } : {}),
  });
  const timeoutMs = target.kind === 'server' ? target.timeoutMs : 5000;
  const testTimeout = options.testTimeoutMs ?? Math.max(120_000, timeoutMs * 24);
  const startedAt = new Date();
  const started = performance.now();
  const savedExitCode = process.exitCode;
  const pool = options.pool ?? 'forks';
  const { createVitest } = await import('vitest/node');
  const signalListeners = new Set([...process.listeners('SIGINT'), ...process.listeners('SIGTERM')]);
  const vitest = await createVitest('test', {
    config: false,
    root,
    include: include.map((glob) => (isAbsolute(glob) ? relative(root, glob) : glob)),
    watch: false,
    pool,
    reporters: [collector],
    // the specs this process validated (the emulator of `run` loaded them): the worker skips
    // compiling the meta-schema for the very same bytes
    provide: {
      target: providedTarget(target, options.checks),
      validatedSpecs: loadedSpecsDigest(target.specsDir),
    } as never,
    testTimeout,
    hookTimeout: testTimeout,
    maxConcurrency: options.maxConcurrency ?? SERVER_CHECK_CONCURRENCY,
    passWithNoTests: false,
    ...(selection.testNamePattern ? { testNamePattern: selection.testNamePattern } : {}),
    ...workerOptions(target, pool, bundled?.loader ?? 'tsx'),
  });
  // vitest's logger quits the process on SIGINT/SIGTERM: a run stops through `signal` instead, so
  // that the report of what finished is still written.
  for (const name of ['SIGINT', 'SIGTERM'] as const)
    for (const listener of process.listeners(name))
      if (!signalListeners.has(listener)) process.off(name, listener);
  const cancel = () => {
    if (pool === 'threads') stopSuiteThreads();
    void vitest.cancelCurrentRun('keyboard-input');
  };
  if (signal.aborted) cancel();
  else signal.addEventListener('abort', cancel, { once: true });
  try {
    if (shard) {
      const collected = await vitest.collect();
      const all: TestCase[] = collected.testModules.flatMap((m) => [...m.children.allTests()]);
      shardSet = shardIds(
        all.map((t) => t.name).filter((id) => selection.matches(id)),
        shard,
      );
      const specs: TestSpecification[] = [];
      for (const m of collected.testModules) {
        const mine = [...m.children.allTests()].filter((t) => shardSet!.has(t.name));
        if (mine.length > 0) specs.push(m.toTestSpecification(mine));
      }
      if (specs.length > 0) await vitest.runTestSpecifications(specs, false);
    } else {
      await vitest.start();
    }
  } catch (error) {
    const name = (error as Error)?.name ?? '';
    const message = (error as Error)?.message ?? String(error);
    if (name === 'FilesNotFoundError' || /No test files found/i.test(message)) {
      throw new RunError(`no test files match ${include.join(', ')} under ${root}`);
    }
    throw new RunError(`the suite could not run: ${redactor.text(message.split('\n', 1)[0] ?? '')}`);
  } finally {
    signal.removeEventListener('abort', cancel);
    progress?.finish();
    await vitest.close();
    process.exitCode = savedExitCode;
  }
  const durationMs = Math.round(performance.now() - started);

  // 4. Results: redacted, expected failures applied.
  const collected = collector.result();
  let results: CheckResult[] = redactor.value(collected.results);
  const interrupted = signal.aborted;
  const problems = collected.problems.map((p) => redactor.text(p));
  let update: UpdateSummary | undefined;
  if (expected && options.updateExpectedFailures) {
    update = await updateExpectedFailuresFile(expected, results);
    expected = await loadExpectedFailures(expected.file, { mayBeMissing: true });
  }
  if (expected) {
    results = applyExpectedFailures(results, expected);
    const stale = staleEntries(expected, results, target, Boolean(options.checks?.length || shard));
    if (stale.length > 0) {
      log(
        `warning: ${stale.length} check id${stale.length === 1 ? '' : 's'} in ${expected.file} match${stale.length === 1 ? 'es' : ''} no check of this suite (e.g. ${stale[0]}): remove ${stale.length === 1 ? 'it' : 'them'} from the list`,
      );
    }
  }

  const reportTarget: ReportTarget = {
    kind: target.kind,
    ...(target.kind === 'server' ? { endpoint: target.endpoint } : {}),
    ...(target.kind === 'client' && typeof target.driver === 'string' ? { driver: target.driver } : {}),
    ...options.reportTarget,
  };
  const apis =
    target.kind === 'server'
      ? [...target.apis]
      : [...new Set([...(target.apis ?? []), ...results.map((r) => r.api)])].filter(Boolean);
  const draft: ConformanceReport = {
    tool: { name: 'mturk-conformance', version: toolVersion() },
    target: redactor.value(reportTarget),
    api: apis,
    seed: target.seed,
    startedAt: startedAt.toISOString(),
    durationMs,
    ...(shard ? { shard: `${shard.index}/${shard.count}` } : {}),
    options: {
      runs: target.runs,
      timeoutMs: target.timeoutMs,
      ...(target.operations ? { operations: [...target.operations] } : {}),
      ...(options.checks?.length ? { checks: [...options.checks] } : {}),
      ...(target.kind === 'server' ? { statesUrl: Boolean(target.statesUrl) } : {}),
    },
    summary: summarize(results),
    results,
  };
  if (Object.keys(collected.coverage).length > 0) draft.coverage = collected.coverage;
  // Every text of the report, once more as a whole: nothing a secret could hide in is left out.
  const report = redactor.value(draft);

  const executed = results.filter((r) => r.status !== 'not-run').length;
  const outcome: RunOutcome = {
    report,
    exitCode: exitCodeFor([report], { strict: options.strict ?? false }),
    executed,
    problems,
    ...(expected ? { expectedFailures: expected } : {}),
    ...(update ? { expectedFailuresUpdate: update } : {}),
    ...(interrupted ? { interrupted } : {}),
  };
  const notRunFailure = notRunVerdict([report], options.maxNotRun);
  if (notRunFailure && executed > 0) {
    outcome.exitCode = 1;
    outcome.notRunFailure = notRunFailure;
  }
  if (executed === 0) {
    outcome.exitCode = 2;
    if (results.length === 0) {
      outcome.reason = problems[0]
        ? `no checks ran: ${problems[0]}`
        : shard
          ? `no checks ran: shard ${shard.index}/${shard.count} is empty`
          : options.checks?.length
            ? `no checks ran: nothing matches --check ${options.checks.join(' ')}`
            : 'no checks ran: the suite has no checks for this selection';
    } else {
      const first = results[0]!;
      outcome.reason = `no checks ran: all ${results.length} were not run (e.g. ${first.id}: ${first.detail.split('\n', 1)[0]})`;
    }
  }
  return outcome;
}
