// mturk-conformance server: check an MTurk server over HTTP.
import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import { targetSlugs } from '../../report/merge.ts';
import type { ConformanceReport } from '../../report/types.ts';
import { renderRunSummary } from '../../runner/console.ts';
import { nearest } from '../../runner/expected-failures.ts';
import { INTERRUPTED_EXIT } from '../../runner/interrupt.ts';
import { prepareReportDir, writeReports } from '../../runner/output.ts';
import { Redactor } from '../../runner/redact.ts';
import {
  type RunOutcome,
  runConformance,
  SERVER_CHECK_CONCURRENCY,
  serverReproduce,
} from '../../runner/run.ts';
import { refuseUrlCredentials } from '../../runner/safety.ts';
import type { ServerTarget, TargetCredentials } from '../../runner/types.ts';
import { loadSpecs } from '../../spec/load.ts';
import { APIS, type Api } from '../../spec/types.ts';
import { helpText, type OptionSpec, parseArgs, splitList, UsageError } from '../args.ts';
import {
  ACCESS_KEY_ENV,
  givenSecrets,
  readCredentials,
  SECRET_KEY_ENV,
  SECRET_ON_COMMAND_LINE_WARNING,
  withAccessKeys,
} from '../credentials.ts';
import { GATING_OPTIONS, OUTPUT_OPTIONS, parseMaxNotRun, SELECTION_OPTIONS } from '../suite-options.ts';

/** More checks in flight than sockets per host (src/http) would only queue. */
const MAX_CONCURRENCY = 64;

export const OPTIONS = {
  endpoint: { type: 'string', help: 'base URL of the server under test (required)', valueName: 'URL' },
  'states-url': {
    type: 'string',
    help: 'provider-states endpoint of the server (lets state-dependent checks run)',
    valueName: 'URL',
  },
  api: {
    type: 'list',
    help: 'API version to check: 2017-01-17 or 2014-08-15 (default: both)',
    valueName: 'VERSION',
  },
  'legacy-wire': {
    type: 'string',
    help: 'the 2014-08-15 wire forms the server speaks: rest, soap or both (default: both; each legacy check runs over each)',
    valueName: 'FORM',
  },
  ...SELECTION_OPTIONS,
  runs: { type: 'int', help: 'generated cases per property check', default: 100, min: 1 },
  'report-dir': {
    type: 'string',
    help: 'where to write the report (default: reports/<target>)',
    valueName: 'DIR',
  },
  ...GATING_OPTIONS,
  'timeout-ms': { type: 'int', help: 'time limit per request', default: 5000, min: 1 },
  concurrency: {
    type: 'int',
    help: 'checks in flight at once; lower it for a server or states endpoint that fails or times out under load',
    default: SERVER_CHECK_CONCURRENCY,
    min: 1,
    max: MAX_CONCURRENCY,
  },
  'access-key': {
    type: 'list',
    help: 'access key id (repeatable; default: $MTURK_ACCESS_KEY, else the emulator test keys)',
    valueName: 'ID',
  },
  'secret-key': {
    type: 'list',
    help: 'secret key for the access key at the same position (never printed; visible in ps: prefer $MTURK_SECRET_KEY)',
    valueName: 'KEY',
  },
  shard: { type: 'string', help: 'run only shard i of n of the checks, e.g. 2/3', valueName: 'i/n' },
  'wait-ms': {
    type: 'int',
    help: 'keep trying to reach the endpoint for this long (a server still starting)',
    default: 0,
    min: 0,
  },
  'allow-remote': {
    type: 'boolean',
    help: 'allow an endpoint that is not on this machine (MTurk itself is always refused)',
  },
  ...OUTPUT_OPTIONS,
} satisfies Record<string, OptionSpec>;

const SYNOPSIS = '--endpoint URL [options]';

export function parseApis(values: string[]): Api[] {
  const list = splitList(values);
  if (list.length === 0) return [...APIS];
  const out: Api[] = [];
  for (const v of list) {
    if (!(APIS as readonly string[]).includes(v)) {
      throw new UsageError(`--api ${v}: unknown API version (known: ${APIS.join(', ')})`);
    }
    if (!out.includes(v as Api)) out.push(v as Api);
  }
  return out;
}

/** --legacy-wire rest|soap|both: the legacy wire forms every legacy check runs over. */
export function parseLegacyWire(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const forms: Record<string, string[]> = { rest: ['rest'], soap: ['soap'], both: ['rest', 'soap'] };
  const hit = forms[value.trim()];
  if (!hit) throw new UsageError(`--legacy-wire ${value}: expected rest, soap or both`);
  return hit;
}

/** Checks --operations against the specs of the selected API versions. */
export function parseOperations(values: string[], apis: readonly Api[]): string[] | undefined {
  const list = [...new Set(splitList(values))];
  if (values.length > 0 && list.length === 0) throw new UsageError('--operations: no operation selected');
  if (list.length === 0) return undefined;
  const set = loadSpecs();
  const known = new Set(apis.flatMap((api) => [...set.apis[api].operations.keys()]));
  const unknown = list.filter((op) => !known.has(op));
  if (unknown.length > 0) {
    const elsewhere = APIS.filter((api) => !apis.includes(api));
    const hints = unknown.map((op) => {
      const other = elsewhere.find((api) => set.apis[api].operations.has(op));
      if (other) return `${op} is a ${other} operation (add --api ${other})`;
      const guess = nearest(op, [...known]);
      return guess ? `did you mean ${guess}?` : undefined;
    });
    const said = hints.filter((h): h is string => h !== undefined);
    throw new UsageError(
      `unknown operation${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} for API ${apis.join(', ')}${said.length > 0 ? `: ${said.join('; ')}` : ` (known: ${[...known].sort().join(', ')})`}`,
    );
  }
  return list;
}

export async function defaultCredentials(): Promise<TargetCredentials[]> {
  const { TEST_CREDENTIALS } = await import('../../emulator/test-credentials.ts');
  return TEST_CREDENTIALS.map((c) => ({ ...c }));
}

/** The folder name for a target, like the report module names its badges. */
export function targetSlug(endpoint: string, name?: string): string {
  const stub = { target: { kind: 'server', endpoint, ...(name ? { name } : {}) } } as ConformanceReport;
  return targetSlugs([stub])[0]!;
}

export function randomSeed(): number {
  return randomInt(1, 2 ** 31 - 1);
}

/** One line saying how much of an interrupted run the report holds. */
export function interruptedSummary(reports: readonly ConformanceReport[]): string {
  const all = reports.flatMap((r) => r.results);
  const finished = all.filter((r) => r.status !== 'not-run').length;
  return `interrupted: the report holds the ${finished} of ${all.length} checks that finished (the others are not-run)`;
}

/** Prints what a run produced and returns the exit code (shared with `run`). */
export function finishRun(
  outcome: RunOutcome,
  reportDir: string,
  options: { redactor: Redactor; command: string },
): number {
  const { redactor, command } = options;
  const out = (text: string) => process.stdout.write(redactor.text(text));
  const err = (text: string) => process.stderr.write(redactor.text(text));
  for (const problem of outcome.problems.slice(0, 5)) err(`${command}: warning: ${problem}\n`);
  if (outcome.problems.length > 5)
    err(`${command}: warning: … ${outcome.problems.length - 5} more problems\n`);
  const update = outcome.expectedFailuresUpdate;
  if (update && outcome.expectedFailures) {
    err(
      `${command}: updated ${outcome.expectedFailures.file}: ${update.added.length} added, ${update.removed.length} removed${update.backup ? ` (previous version in ${update.backup})` : ''}\n`,
    );
  }
  out(renderRunSummary([outcome.report]));
  out(`report: ${resolve(reportDir, 'report.html')}\n`);
  if (outcome.interrupted) {
    err(`${command}: ${interruptedSummary([outcome.report])}\n`);
    return INTERRUPTED_EXIT;
  }
  if (outcome.exitCode === 2) {
    err(`${command}: ${outcome.reason ?? 'no checks ran'}\n`);
    return 2;
  }
  if (outcome.notRunFailure) err(`${command}: ${outcome.notRunFailure}\n`);
  return outcome.exitCode;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.help) {
    process.stdout.write(
      `${helpText('server', SYNOPSIS, OPTIONS)}\n\nExit status: 0 no \`must\` check failed (--strict: no check failed), 1 one did (or more checks were not run\nthan --max-not-run allows), 2 nothing was tested (bad arguments, refused or unreachable endpoint, unwritable\nreport dir, nothing selected). MTurk's own endpoints, and URLs with user:password@, are always refused.\nA run prints how many checks were not run; without --states-url most state-dependent checks are not run.\n\nEnvironment: ${SECRET_KEY_ENV} the secret keys (comma separated, paired by position with the access keys;\nused when no --secret-key is given), ${ACCESS_KEY_ENV} the access key ids (used when no --access-key is given).\nCI recipes: docs/ci-gating.md\n`,
    );
    return 0;
  }
  if (args._.length > 0) throw new UsageError(`unexpected argument '${args._[0]}' (see --help)`);
  if (!args.endpoint) throw new UsageError('--endpoint URL is required (see --help)');
  refuseUrlCredentials(args.endpoint, '--endpoint');
  if (args['states-url']) refuseUrlCredentials(args['states-url'], '--states-url');
  const redactor = new Redactor(givenSecrets(args['secret-key']));
  const command = 'mturk-conformance server';
  try {
    const apis = parseApis(args.api);
    const operations = parseOperations(args.operations, apis);
    const legacyWires = parseLegacyWire(args['legacy-wire']);
    const given = readCredentials(args['access-key'], args['secret-key']);
    const credentials = given.credentials ?? (await defaultCredentials());
    const maxNotRun = parseMaxNotRun(args['max-not-run']);
    const seedGiven = args.seed !== undefined;
    const seed = args.seed ?? randomSeed();
    const checks = splitList(args.check);
    const target: ServerTarget = {
      kind: 'server',
      endpoint: args.endpoint,
      ...(args['states-url'] ? { statesUrl: args['states-url'] } : {}),
      apis,
      ...(operations ? { operations } : {}),
      runs: args.runs ?? 100,
      seed,
      timeoutMs: args['timeout-ms'] ?? 5000,
      credentials,
      ...(checks.length > 0 ? { checks } : {}),
      ...(legacyWires ? { legacyWires } : {}),
    };
    if (given.secretOnCommandLine)
      process.stderr.write(`${command}: warning: ${SECRET_ON_COMMAND_LINE_WARNING}\n`);
    const reportDir = args['report-dir'] ?? `reports/${targetSlug(args.endpoint, args.name)}`;
    await prepareReportDir(reportDir, { force: args.force, clean: false });
    const outcome = await runConformance({
      target,
      ...(args.name ? { reportTarget: { name: args.name } } : {}),
      ...(checks.length > 0 ? { checks } : {}),
      ...(args.shard ? { shard: args.shard } : {}),
      ...(args['expected-failures'] ? { expectedFailures: args['expected-failures'] } : {}),
      updateExpectedFailures: args['update-expected-failures'],
      secrets: givenSecrets(args['secret-key']),
      strict: args.strict,
      ...(maxNotRun ? { maxNotRun } : {}),
      ...(args.concurrency !== undefined ? { maxConcurrency: args.concurrency } : {}),
      allowRemote: args['allow-remote'],
      waitMs: args['wait-ms'] ?? 0,
      progress: !args['no-progress'],
      log: (line) => process.stderr.write(`${command}: ${line}\n`),
      reproduce: (id) => withAccessKeys(serverReproduce(target, id), target, given.credentials !== undefined),
      onStart: () => {
        if (!seedGiven)
          process.stderr.write(`${command}: seed ${seed} (pass --seed ${seed} to repeat this run)\n`);
      },
    });
    await writeReports(reportDir, [outcome.report], { force: args.force, strict: args.strict });
    return finishRun(outcome, reportDir, { redactor, command });
  } catch (error) {
    // main prints the first line and exits 2: a secret given on the command line must not be in it
    if (error instanceof UsageError) throw new UsageError(redactor.text(error.message));
    throw new Error(redactor.text((error as Error)?.message ?? String(error)));
  }
}
