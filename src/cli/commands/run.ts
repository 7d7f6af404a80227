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
import { runConformance, serverReproduce } from '../../runner/run.ts';
import { RunError, type ServerTarget } from '../../runner/types.ts';
import { APIS } from '../../spec/types.ts';
import { helpText, type OptionSpec, parseArgs, UsageError } from '../args.ts';
import { defaultCredentials, interruptedSummary, randomSeed } from './server.ts';

const OPTIONS = {
  runs: { type: 'int', help: 'generated cases per property check', default: 100 },
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
  force: { type: 'boolean', help: 'write into a report dir that holds other files' },
  'no-progress': { type: 'boolean', help: 'no progress line on stderr' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, OptionSpec>;

/** What this command needs from the client suite (src/cli/commands/client.ts). */
type ClientSuiteRunner = (options: {
  seed: number;
  runs: number;
  allBundled: boolean;
  emulatorUrl?: string;
  emulatorStatesUrl?: string;
  progress: boolean;
}) => Promise<unknown>;

function asReports(value: unknown): ConformanceReport[] {
  const list = Array.isArray(value) ? value : [value];
  const out: ConformanceReport[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const v = item as { report?: unknown; reports?: unknown; results?: unknown };
    if (Array.isArray(v.results)) out.push(item as ConformanceReport);
    else if (v.report) out.push(...asReports(v.report));
    else if (v.reports) out.push(...asReports(v.reports));
  }
  return out;
}

async function loadClientSuite(): Promise<ClientSuiteRunner | undefined> {
  try {
    // Loaded by name so this command works in builds without the client suite.
    const path = './client.ts';
    const mod = (await import(path)) as Record<string, unknown>;
    const fn = mod.runClientSuite ?? mod.runBundledClients;
    return typeof fn === 'function' ? (fn as ClientSuiteRunner) : undefined;
  } catch {
    return undefined;
  }
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
  if (args.runs !== undefined && args.runs < 1) throw new UsageError('--runs must be at least 1');
  const command = 'mturk-conformance run';
  const reportDir = args['report-dir'] ?? 'reports/latest';
  const runs = args.runs ?? 100;
  const seed = args.seed ?? randomSeed();
  const progress = !args['no-progress'];
  const say = (line: string) => process.stderr.write(`${command}: ${line}\n`);
  try {
    await prepareReportDir(reportDir, { force: args.force, clean: false });
    if (args.seed === undefined) say(`seed ${seed} (pass --seed ${seed} to repeat this run)`);
    const reports: ConformanceReport[] = [];
    let nothingRan = '';
    let clientFailed = false;
    let interrupted = false;

    const { startEmulator } = await import('../../emulator/server.ts');
    const emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
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
      say(`server suite: reference emulator, API ${target.apis.join(' and ')}, ${runs} runs per property`);
      const outcome = await runConformance({
        target,
        reportTarget: { name: 'reference emulator' },
        strict: args.strict,
        progress,
        log: say,
        // The emulator's port is random: the re-run line starts one on a fixed port.
        reproduce: (id) =>
          `npx mturk-conformance emulator --port 8080 & ${serverReproduce({ ...target, endpoint: 'http://127.0.0.1:8080', statesUrl: 'http://127.0.0.1:8080/_states' }, id, [], { waitMs: 10_000 })}`,
      });
      for (const problem of outcome.problems.slice(0, 5)) say(`warning: ${problem}`);
      if (outcome.exitCode === 2) nothingRan = outcome.reason ?? 'no server checks ran';
      reports.push(outcome.report);

      // Only --all-bundled's end-to-end columns talk to the emulator again: otherwise the entities
      // the server suite left behind are dropped now rather than kept through the client suite.
      if (!args['all-bundled']) emulator.emulator.reset();
      const clientSuite = args['server-only'] || outcome.interrupted ? undefined : await loadClientSuite();
      if (outcome.interrupted) {
        interrupted = true;
        say('interrupted: not running the client suite');
      } else if (args['server-only']) {
        say('--server-only: not running the client suite');
      } else if (!clientSuite) {
        say('client suite not available in this build: ran the server suite only');
      } else {
        say(`client suite: bundled clients${args['all-bundled'] ? ' (all)' : ''}`);
        try {
          const clientReports = asReports(
            await clientSuite({
              seed,
              runs,
              allBundled: args['all-bundled'],
              emulatorUrl: emulator.url,
              emulatorStatesUrl: emulator.statesUrl,
              progress,
            }),
          );
          if (clientReports.length === 0) say('warning: the client suite returned no report');
          reports.push(...clientReports);
          if (interruptSignal.aborted) interrupted = true;
        } catch (error) {
          // The server report is still worth writing: say what went wrong and go on.
          say(
            `warning: the client suite could not run: ${String((error as Error)?.message ?? error).split('\n', 1)[0]}`,
          );
          clientFailed = true;
        }
      }
    } finally {
      await emulator.close();
    }

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
