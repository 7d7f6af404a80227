// mturk-conformance client: check an MTurk client library against the mock
// endpoint built from the specs, through the driver protocol
// (docs/driver-protocol.md) or one of the bundled in-process clients.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BOTO3_UNAVAILABLE, defaultStatesUrl, emulatorTargets } from '../../client-checks/e2e-targets.ts';
import { clientReproduce } from '../../client-checks/reproduce.ts';
import { caseDeadlineMs, DEFAULT_CLIENT_MAX_ATTEMPTS } from '../../driver/deadline.ts';
import { preflightDriver } from '../../driver/preflight.ts';
import { splitCommand } from '../../driver/split.ts';
import { TEST_REQUESTER_1 } from '../../emulator/test-credentials.ts';
import { checkTarget } from '../../http/targets.ts';
import { type ClientTargetConfig, defaultLaneCount, IN_PROCESS_LANES } from '../../mock/types.ts';
import type { NotRunLimit } from '../../report/merge.ts';
import type { ConformanceReport } from '../../report/types.ts';
import { interruptSignal } from '../../runner/interrupt.ts';
import { prepareReportDir, writeReports } from '../../runner/output.ts';
import type { ProgressSink } from '../../runner/progress.ts';
import { Redactor } from '../../runner/redact.ts';
import { PACKAGE_ROOT, type RunOutcome, runConformance, SERVER_CHECK_CONCURRENCY } from '../../runner/run.ts';
import { refuseUrlCredentials } from '../../runner/safety.ts';
import type { Api } from '../../spec/types.ts';
import { helpText, type OptionSpec, parseArgs, splitList, UsageError } from '../args.ts';
import { GATING_OPTIONS, OUTPUT_OPTIONS, parseMaxNotRun, SELECTION_OPTIONS } from '../suite-options.ts';
import { finishRun, parseApis, parseOperations, randomSeed, targetSlug } from './server.ts';

/** More lanes than this would only start more driver processes than two cores can keep busy. */
const MAX_LANES = 16;

export const OPTIONS = {
  driver: {
    type: 'string',
    help: 'the driver command line (no shell; quote arguments with spaces), e.g. "python3 my_driver.py"',
    valueName: 'CMD',
  },
  client: {
    type: 'string',
    help: 'a bundled in-process client instead of a driver: sdk-v3, legacy-rest or legacy-soap',
    valueName: 'NAME',
  },
  server: {
    type: 'string',
    help: 'run the end-to-end checks (e2e.<rule>) against this server (loopback only) instead of the mock',
    valueName: 'URL',
  },
  'states-url': {
    type: 'string',
    help: "the server's provider-states endpoint (with --server; default URL/_states)",
    valueName: 'URL',
  },
  api: {
    type: 'list',
    help: 'API version to check: 2017-01-17 or 2014-08-15 (default: the one the bundled client speaks; 2017-01-17 for drivers)',
    valueName: 'VERSION',
  },
  ...SELECTION_OPTIONS,
  runs: { type: 'int', help: 'generated cases per property check', default: 25, min: 1 },
  'report-dir': {
    type: 'string',
    help: 'where to write the report (default: reports/<client>)',
    valueName: 'DIR',
  },
  ...GATING_OPTIONS,
  'timeout-ms': {
    type: 'int',
    help: 'time limit for the driver to answer one case; a case answered with retryable faults gets the back-off of --max-attempts attempts on top',
    default: 10000,
    min: 1,
  },
  'max-attempts': {
    type: 'int',
    help: "the most attempts the client makes for one call on retryable faults (the default is botocore's legacy retry mode; SDK v3 makes 3)",
    default: DEFAULT_CLIENT_MAX_ATTEMPTS,
    min: 1,
    max: 20,
  },
  lanes: {
    type: 'int',
    help: `checks run side by side against the mock, each lane with its own mock endpoint and client (a driver: its own process); default ${IN_PROCESS_LANES} for a bundled client, 1 for a driver; end-to-end checks (--server) always run one at a time`,
    min: 1,
    max: MAX_LANES,
  },
  ...OUTPUT_OPTIONS,
} satisfies Record<string, OptionSpec>;

const SYNOPSIS =
  '(--driver "CMD ARGS" | --client sdk-v3|legacy-rest|legacy-soap) [--server URL [--states-url URL]] [options]';

/** Client checks vitest keeps in flight per lane: the checks of about two operations. */
const CHECKS_IN_FLIGHT_PER_LANE = 16;

export const BUNDLED_CLIENTS = ['sdk-v3', 'legacy-rest', 'legacy-soap'] as const;
const BUNDLED_API: Record<(typeof BUNDLED_CLIENTS)[number], Api> = {
  'sdk-v3': '2017-01-17',
  'legacy-rest': '2014-08-15',
  'legacy-soap': '2014-08-15',
};

/** The driver command lines of the example drivers shipped in examples/drivers. */
export function exampleDriverCommand(name: 'sdk-v3' | 'boto3' | 'legacy-soap'): string {
  const dir = join(PACKAGE_ROOT, 'examples', 'drivers');
  if (name === 'legacy-soap') return `'${process.execPath}' '${join(dir, 'legacy-soap-driver.mjs')}'`;
  return name === 'sdk-v3'
    ? `'${process.execPath}' '${join(dir, 'sdk-v3-driver.mjs')}'`
    : `/usr/bin/python3 '${join(dir, 'boto3_driver.py')}'`;
}

/** true when Debian's /usr/bin/python3 can import boto3 (what the boto3 driver needs). */
export function boto3Available(): boolean {
  if (!existsSync('/usr/bin/python3')) return false;
  const r = spawnSync('/usr/bin/python3', ['-c', 'import boto3'], { stdio: 'ignore', timeout: 20_000 });
  return r.status === 0;
}

export interface RunClientOptions {
  target: ClientTargetConfig;
  name?: string;
  checks?: string[];
  expectedFailures?: string;
  updateExpectedFailures?: boolean;
  strict?: boolean;
  maxNotRun?: NotRunLimit;
  progress?: boolean | ProgressSink;
  log?: (line: string) => void;
  /** Where the suite runs (runConformance's pool; `run` uses threads). */
  pool?: 'forks' | 'threads';
}

/** One client through the runner: the client suite (suites/client) with the target provided. */
export async function runClient(options: RunClientOptions): Promise<RunOutcome> {
  const { target } = options;
  const driverName =
    target.client === 'driver' ? (target.driver ?? '') : `${target.client} (bundled, in-process)`;
  return runConformance({
    target: { ...target },
    reportTarget: { kind: 'client', driver: driverName, ...(options.name ? { name: options.name } : {}) },
    ...(options.checks?.length ? { checks: options.checks } : {}),
    ...(options.expectedFailures ? { expectedFailures: options.expectedFailures } : {}),
    updateExpectedFailures: options.updateExpectedFailures ?? false,
    strict: options.strict ?? false,
    ...(options.maxNotRun ? { maxNotRun: options.maxNotRun } : {}),
    progress: options.progress ?? true,
    ...(options.log ? { log: options.log } : {}),
    ...(options.pool ? { pool: options.pool } : {}),
    reproduce: (id) => {
      const [api = '', operation = ''] = id.split('/');
      const def = { id, api: api as Api, operation };
      return clientReproduce(target, def);
    },
    // A lane takes whole operations in catalogue order, and vitest starts concurrent tests in
    // declaration order: the checks in flight must span a few operations per lane, or most lanes
    // wait for the few operations vitest has started.
    maxConcurrency: Math.max(SERVER_CHECK_CONCURRENCY, defaultLaneCount(target) * CHECKS_IN_FLIGHT_PER_LANE),
    // a check makes up to about runs + 10 calls, each bounded by the per-case timeout, and a few
    // of them (one per error type form) are answered with faults on every attempt
    testTimeoutMs: Math.max(
      300_000,
      target.timeoutMs * (target.runs + 10) * 2 +
        4 * caseDeadlineMs(target.timeoutMs, Number.POSITIVE_INFINITY, target.maxAttempts),
    ),
  });
}

export interface ClientSuiteOptions {
  seed: number;
  runs: number;
  /** Also run the example drivers (the SDK as a subprocess, boto3 when /usr/bin/python3 has it). */
  allBundled?: boolean;
  /** With allBundled: also run every bundled client end to end against this emulator (`<name> × emulator`). */
  emulatorUrl?: string;
  /** The emulator's provider-states URL (default: emulatorUrl/_states). */
  emulatorStatesUrl?: string;
  progress?: boolean;
  strict?: boolean;
  timeoutMs?: number;
}

/** The bundled clients' targets (and the example drivers' with allBundled). */
export function bundledTargets(options: ClientSuiteOptions): { target: ClientTargetConfig; name: string }[] {
  const base = { runs: options.runs, seed: options.seed, timeoutMs: options.timeoutMs ?? 10_000 };
  const out: { target: ClientTargetConfig; name: string }[] = BUNDLED_CLIENTS.map((client) => ({
    name: client,
    target: { kind: 'client', client, apis: [BUNDLED_API[client]], ...base },
  }));
  if (options.allBundled) {
    const driver = (name: 'sdk-v3' | 'boto3' | 'legacy-soap', api: Api, more = {}) =>
      out.push({
        name: `${name}-driver`,
        target: {
          kind: 'client',
          client: 'driver',
          driver: exampleDriverCommand(name),
          apis: [api],
          ...base,
          ...more,
        },
      });
    driver('sdk-v3', '2017-01-17');
    driver('legacy-soap', '2014-08-15');
    // without boto3 its column stays, every check not-run with the reason
    const boto3 = boto3Available();
    driver('boto3', '2017-01-17', {
      // boto3's default back-off sleeps up to 15 s on a call whose every attempt fails: other
      // operations go on on other lanes (processes) meanwhile
      lanes: 3,
      ...(boto3 ? {} : { unavailable: BOTO3_UNAVAILABLE }),
    });
    if (options.emulatorUrl)
      out.push(
        ...emulatorTargets(out, {
          endpoint: options.emulatorUrl,
          statesUrl: options.emulatorStatesUrl ?? defaultStatesUrl(options.emulatorUrl),
          reference: true,
        }),
      );
  }
  return out;
}

/** The expected-failures file of a bundled client, when there is one (fixtures/expected-failures/<name>.txt). */
export function bundledExpectedFailures(name: string): string | undefined {
  const file = join(PACKAGE_ROOT, 'fixtures', 'expected-failures', `${name}.txt`);
  return existsSync(file) ? file : undefined;
}

/**
 * Runs the client suite against every bundled client (what `mturk-conformance run` calls).
 * Returns one ConformanceReport per client (target.kind 'client', target.driver naming it).
 */
export async function runClientSuite(
  options: ClientSuiteOptions,
): Promise<{ reports: ConformanceReport[]; outcomes: RunOutcome[] }> {
  const outcomes: RunOutcome[] = [];
  for (const { target, name } of bundledTargets(options)) {
    // after Ctrl-C the clients not started yet are left out of the report
    if (interruptSignal.aborted) break;
    const expectedFailures = bundledExpectedFailures(name);
    outcomes.push(
      await runClient({
        target,
        name,
        ...(expectedFailures ? { expectedFailures } : {}),
        strict: options.strict ?? false,
        progress: options.progress ?? false,
      }),
    );
  }
  return { reports: outcomes.map((o) => o.report), outcomes };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.help) {
    process.stdout.write(
      `${helpText('client', SYNOPSIS, OPTIONS)}\n\nExit status: 0 no \`must\` check failed (--strict: no check failed), 1 one did (or more checks were not run\nthan --max-not-run allows), 2 nothing was tested (bad arguments, a driver command line that cannot be split,\nnothing selected). The driver protocol is described in docs/driver-protocol.md.\n`,
    );
    return 0;
  }
  if (args._.length > 0) throw new UsageError(`unexpected argument '${args._[0]}' (see --help)`);
  if (!args.driver && !args.client)
    throw new UsageError('give --driver "CMD ARGS" or --client sdk-v3|legacy-rest|legacy-soap');
  if (args.driver && args.client) throw new UsageError('give either --driver or --client, not both');
  if (args.driver !== undefined) {
    // Split once here so a typo in the command line is one error now, not a failure per check.
    let argv: string[];
    try {
      argv = splitCommand(args.driver);
    } catch (error) {
      throw new UsageError(`--driver: ${(error as Error).message}`);
    }
    if (argv.length === 0) throw new UsageError('--driver: the command line is empty');
  }
  if (args.client && !(BUNDLED_CLIENTS as readonly string[]).includes(args.client))
    throw new UsageError(`--client ${args.client}: unknown (known: ${BUNDLED_CLIENTS.join(', ')})`);
  if (args['states-url'] && !args.server) throw new UsageError('--states-url needs --server URL');
  for (const [url, what] of [
    [args.server, '--server'],
    [args['states-url'], '--states-url'],
  ] as const) {
    if (url === undefined) continue;
    refuseUrlCredentials(url, what);
    const verdict = checkTarget(url);
    if (!verdict.ok) throw new UsageError(`${what}: ${verdict.reason}`);
  }
  const client = (args.client ?? 'driver') as ClientTargetConfig['client'];
  const apis: Api[] = args.api.length
    ? parseApis(args.api)
    : client === 'driver'
      ? ['2017-01-17']
      : [BUNDLED_API[client as (typeof BUNDLED_CLIENTS)[number]]];
  const operations = parseOperations(args.operations, apis);
  const maxNotRun = parseMaxNotRun(args['max-not-run']);
  const seedGiven = args.seed !== undefined;
  const seed = args.seed ?? randomSeed();
  const checks = splitList(args.check);
  const command = 'mturk-conformance client';
  const redactor = new Redactor([]);
  const target: ClientTargetConfig = {
    kind: 'client',
    client,
    ...(args.driver ? { driver: args.driver } : {}),
    apis,
    ...(operations ? { operations } : {}),
    runs: args.runs ?? 25,
    seed,
    timeoutMs: args['timeout-ms'] ?? 10_000,
    ...(args['max-attempts'] !== undefined && args['max-attempts'] !== DEFAULT_CLIENT_MAX_ATTEMPTS
      ? { maxAttempts: args['max-attempts'] }
      : {}),
    ...(args.lanes !== undefined ? { lanes: args.lanes } : {}),
    ...(args.server
      ? { server: { endpoint: args.server, statesUrl: args['states-url'] ?? defaultStatesUrl(args.server) } }
      : {}),
  };
  if (args.driver) {
    // a driver that cannot start would fail every check with the same message: refuse the run
    const why = await preflightDriver({
      command: args.driver,
      api: apis[0]!,
      // long enough for an interpreter to load its libraries and fail; a driver still running then has started
      waitMs: Math.min(Math.max(target.timeoutMs, 1000), 5000),
      credentials: TEST_REQUESTER_1, // the credentials the session gives drivers
    });
    if (why) {
      process.stderr.write(`${command}: ${why}\n`);
      return 2;
    }
  }
  const display = args.name ?? (args.driver ? args.driver : `${client}`);
  const reportDir = args['report-dir'] ?? `reports/${targetSlug(`client-${display}`)}`;
  await prepareReportDir(reportDir, { force: args.force });
  if (!seedGiven) process.stderr.write(`${command}: seed ${seed} (pass --seed ${seed} to repeat this run)\n`);
  const outcome = await runClient({
    target,
    ...(args.name ? { name: args.name } : {}),
    checks,
    ...(args['expected-failures'] ? { expectedFailures: args['expected-failures'] } : {}),
    updateExpectedFailures: args['update-expected-failures'],
    strict: args.strict,
    ...(maxNotRun ? { maxNotRun } : {}),
    progress: !args['no-progress'],
    log: (line) => process.stderr.write(`${command}: ${line}\n`),
  });
  await writeReports(reportDir, [outcome.report], { force: args.force, strict: args.strict });
  return finishRun(outcome, reportDir, { redactor, command });
}
