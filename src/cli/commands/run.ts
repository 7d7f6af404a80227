// mturk-conformance run (what `npm start` runs): the whole job with no
// target to bring. Starts the reference emulator on 127.0.0.1, runs the
// server suite against it (both API versions), then the client suite when it
// is available, and writes one merged report to reports/latest/.
import { resolve } from 'node:path';
import { exitCodeFor } from '../../report/merge.ts';
import type { ConformanceReport } from '../../report/types.ts';
import { renderRunSummary } from '../../runner/console.ts';
import { INTERRUPTED_EXIT, interruptSignal } from '../../runner/interrupt.ts';
import { prepareReportDir, writeReports } from '../../runner/output.ts';
import { SuiteProgress } from '../../runner/progress.ts';
import { collectGarbage, type RunOutcome, runConformance, serverReproduce } from '../../runner/run.ts';
import { RunError, type ServerTarget } from '../../runner/types.ts';
import { APIS } from '../../spec/types.ts';
import { helpText, type OptionSpec, parseArgs, UsageError } from '../args.ts';
import { defaultCredentials, interruptedSummary, randomSeed } from './server.ts';

/**
 * The most cores `run --jobs` keeps busy. Each suite runs in a worker thread of this process (a
 * heap of its own, but no Node process, tsx loader or esbuild service) and takes one core, but
 * the server suite takes two: the emulator answers its checks in this process's main thread. The
 * default, 2 (the machine `npm start` is sized for), runs the server suite alone and then the
 * client suites two at a time: the server suite beside a client suite took the peak past the
 * memory target (docs/benchmark.md).
 */
export const MAX_RUN_JOBS = 4;

/**
 * Generated cases per property check in `run` (`npm start`): the project's own quick gate over its
 * reference emulator and bundled clients, run on every push. Every check still runs, each with 10
 * cases from a new random seed per run, so the cases a gate has seen add up over a CI history; at
 * 100 it took ~75 s on the 2-core machine the 20 s target is set for (docs/benchmark.md). `server`
 * keeps 100 for the servers users bring, and a deep run of our own is `run --runs 100`.
 */
export const RUN_DEFAULT_RUNS = 10;

const OPTIONS = {
  runs: {
    type: 'int',
    help: 'generated cases per property check (100 for a deep run)',
    default: RUN_DEFAULT_RUNS,
    min: 1,
  },
  seed: { type: 'int', help: 'random seed (default: random, printed; reuse it to get the same cases)' },
  'report-dir': {
    type: 'string',
    help: 'where to write the report',
    default: 'reports/latest',
    valueName: 'DIR',
  },
  strict: { type: 'boolean', help: 'fail (exit 1) on `should` failures too' },
  'all-bundled': {
    type: 'boolean',
    help: 'also run the example drivers, and every bundled client end to end against the emulator (columns "<client> × emulator")',
  },
  'server-only': { type: 'boolean', help: 'run the server suite only' },
  jobs: {
    type: 'int',
    help: `cores the suites keep busy (at most ${MAX_RUN_JOBS}): the server suite takes 2 (its checks and the emulator), a client suite 1; 1 runs the suites one after the other, 3 puts a client suite beside the server suite, for more memory`,
    default: 2,
    min: 1,
    max: MAX_RUN_JOBS,
  },
  force: { type: 'boolean', help: 'write into a report dir that holds other files' },
  'no-progress': { type: 'boolean', help: 'no progress line on stderr' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, OptionSpec>;

/** What this command needs from the client suite (src/cli/commands/client.ts). */
type ClientModule = Pick<
  typeof import('./client.ts'),
  'runClient' | 'bundledTargets' | 'bundledExpectedFailures'
>;

async function loadClientSuite(): Promise<ClientModule | undefined> {
  try {
    // Loaded by name so this command works in builds without the client suite.
    const path = './client.ts';
    const mod = (await import(path)) as Partial<ClientModule>;
    const { runClient, bundledTargets, bundledExpectedFailures } = mod;
    if (typeof runClient !== 'function' || typeof bundledTargets !== 'function') return undefined;
    return {
      runClient,
      bundledTargets,
      bundledExpectedFailures: bundledExpectedFailures ?? (() => undefined),
    };
  } catch {
    return undefined;
  }
}

/**
 * One suite of the run. Jobs of the same `group` never run at the same time. `cores`: the cores
 * the job keeps busy (default 1): the server suite's checks run in its thread while the emulator
 * answers them in this process's main thread, so it takes 2.
 */
export interface SuiteJob {
  name: string;
  group?: string;
  cores?: number;
  run(): Promise<void>;
}

/**
 * Runs the jobs on `cores` cores: whenever cores are free, the first job in list order whose
 * group is not busy and that fits starts (a job wanting more cores than there are takes them
 * all). Once `stopped()` (Ctrl-C) no job starts; those running finish. A job that throws stops
 * the others from starting too, and its error is thrown once those running have ended. Returns
 * the names of the jobs left unstarted.
 */
export async function runSideBySide(jobs: readonly SuiteJob[], cores: number, stopped: () => boolean) {
  const total = Math.max(1, cores);
  const pending = [...jobs];
  const busy = new Set<string>();
  const running = new Set<Promise<void>>();
  let free = total;
  let failure: { error: unknown } | undefined;
  const need = (job: SuiteJob) => Math.min(total, Math.max(1, job.cores ?? 1));
  for (;;) {
    while (pending.length > 0 && !stopped() && !failure) {
      const index = pending.findIndex(
        (job) => (job.group === undefined || !busy.has(job.group)) && need(job) <= free,
      );
      if (index === -1) break;
      const [job] = pending.splice(index, 1) as [SuiteJob];
      const taken = need(job);
      free -= taken;
      if (job.group !== undefined) busy.add(job.group);
      const done: Promise<void> = job
        .run()
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          free += taken;
          if (job.group !== undefined) busy.delete(job.group);
          running.delete(done);
        });
      running.add(done);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  if (failure) throw failure.error;
  return pending.map((job) => job.name);
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.help) {
    process.stdout.write(
      `${helpText('run', '[options]', OPTIONS)}\n\nStarts the reference emulator on 127.0.0.1, checks it with the server suite (both API versions),\nchecks the bundled clients with the client suite, and writes the merged report to --report-dir.\n`,
    );
    return 0;
  }
  if (args._.length > 0) throw new UsageError(`unexpected argument '${args._[0]}' (see --help)`);
  const jobsAtOnce = args.jobs ?? 2;
  const command = 'mturk-conformance run';
  const reportDir = args['report-dir'] ?? 'reports/latest';
  const runs = args.runs ?? RUN_DEFAULT_RUNS;
  const seed = args.seed ?? randomSeed();
  const lines = args['no-progress'] ? undefined : new SuiteProgress();
  const say = (line: string) => {
    const text = `${command}: ${line}`;
    if (lines) lines.log(text);
    else process.stderr.write(`${text}\n`);
  };
  try {
    await prepareReportDir(reportDir, { force: args.force, clean: false });
    if (args.seed === undefined) say(`seed ${seed} (pass --seed ${seed} to repeat this run)`);
    // one slot per suite, in the order of the report whatever the order they finish in
    const slots: ConformanceReport[][] = [];
    let nothingRan = '';
    let clientFailed = false;
    let interrupted = false;

    const { startEmulator } = await import('../../emulator/server.ts');
    const emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
    // what loading and validating the specs left behind goes before the suites' threads start
    collectGarbage();
    say(`reference emulator listening on ${emulator.url}`);
    try {
      const target: ServerTarget = {
        kind: 'server',
        endpoint: emulator.url,
        statesUrl: emulator.statesUrl,
        apis: [...APIS],
        runs,
        seed,
        timeoutMs: 5000,
        credentials: await defaultCredentials(),
      };
      const clientSuite = args['server-only'] ? undefined : await loadClientSuite();
      const clients = clientSuite
        ? clientSuite.bundledTargets({
            seed,
            runs,
            allBundled: args['all-bundled'],
            emulatorUrl: emulator.url,
            emulatorStatesUrl: emulator.statesUrl,
          })
        : [];
      // The server suite and the end-to-end columns (`<client> × emulator`, --all-bundled) share
      // the emulator: they take turns (the group), the server suite first, so that no check of one
      // meets the other's traffic. The client suites against the mock run beside either.
      const EMULATOR = 'emulator';
      const jobs: SuiteJob[] = [];
      const serverSlot = slots.push([]) - 1;
      const serverProgress = lines?.channel('server');
      jobs.push({
        name: 'server suite',
        group: EMULATOR,
        cores: 2,
        run: async () => {
          const outcome = await runConformance({
            target,
            reportTarget: { name: 'reference emulator' },
            strict: args.strict,
            progress: serverProgress ?? false,
            pool: 'threads',
            log: say,
            // The emulator's port is random: the re-run line starts one on a fixed port.
            reproduce: (id) =>
              `npx mturk-conformance emulator --port 8080 & ${serverReproduce({ ...target, endpoint: 'http://127.0.0.1:8080', statesUrl: 'http://127.0.0.1:8080/_states' }, id, [], { waitMs: 10_000 })}`,
          });
          for (const problem of outcome.problems.slice(0, 5)) say(`warning: ${problem}`);
          if (outcome.exitCode === 2) nothingRan = outcome.reason ?? 'no server checks ran';
          if (outcome.interrupted) interrupted = true;
          slots[serverSlot] = [outcome.report];
          // Only --all-bundled's end-to-end columns talk to the emulator again: otherwise the
          // entities the server suite left behind are dropped now rather than kept to the end.
          if (!args['all-bundled']) {
            emulator.emulator.reset();
            collectGarbage();
          }
        },
      });
      for (const { target: clientTarget, name } of clients) {
        const slot = slots.push([]) - 1;
        const progress = lines?.channel(name);
        jobs.push({
          name,
          ...(clientTarget.server ? { group: EMULATOR } : {}),
          run: async () => {
            const expectedFailures = clientSuite?.bundledExpectedFailures(name);
            try {
              const outcome: RunOutcome = await clientSuite!.runClient({
                target: clientTarget,
                name,
                ...(expectedFailures ? { expectedFailures } : {}),
                progress: progress ?? false,
                pool: 'threads',
                log: say,
              });
              slots[slot] = [outcome.report];
              if (outcome.interrupted) interrupted = true;
            } catch (error) {
              // The other reports are still worth writing: say what went wrong and go on.
              say(
                `warning: the client suite could not run for ${name}: ${String((error as Error)?.message ?? error).split('\n', 1)[0]}`,
              );
              clientFailed = true;
            }
          },
        });
      }
      say(
        `server suite: reference emulator, API ${target.apis.join(' and ')}, ${runs === 1 ? '1 case' : `${runs} cases`} per property check`,
      );
      if (args['server-only']) say('--server-only: not running the client suite');
      else if (!clientSuite) say('client suite not available in this build: ran the server suite only');
      else
        say(
          `client suite: bundled clients${args['all-bundled'] ? ' (all)' : ''}, ${jobsAtOnce > 2 ? `beside the server suite (${jobsAtOnce} cores)` : jobsAtOnce === 2 ? 'after the server suite, two at a time' : 'after the server suite'}`,
        );
      const left = await runSideBySide(jobs, jobsAtOnce, () => interruptSignal.aborted);
      lines?.finish();
      if (interruptSignal.aborted) interrupted = true;
      if (left.length > 0) say(`interrupted: not running ${left.join(', ')}`);
    } finally {
      await emulator.close();
    }
    const reports = slots.flat();

    await writeReports(reportDir, reports, { force: args.force, strict: args.strict });
    process.stdout.write(renderRunSummary(reports));
    process.stdout.write(`report: ${resolve(reportDir, 'report.html')}\n`);
    if (interrupted) {
      say(interruptedSummary(reports));
      return INTERRUPTED_EXIT;
    }
    if (nothingRan) {
      say(nothingRan);
      return 2;
    }
    const status = exitCodeFor(reports, { strict: args.strict });
    if (clientFailed) {
      say('the client suite did not run: the result is incomplete');
      return 2;
    }
    return status;
  } catch (error) {
    if (error instanceof RunError || (error as Error)?.name === 'ReportError') {
      say((error as Error).message.split('\n', 1)[0] ?? '');
      return 2;
    }
    throw error;
  }
}
