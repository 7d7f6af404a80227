// Library entry of mturk-conformance.
//
//   import { serverConformance } from 'mturk-conformance';
//
//   test('my MTurk server conforms', async () => {
//     const { exitCode, summary } = await serverConformance({ endpoint: 'http://127.0.0.1:8080' });
//     expect(exitCode, summary).toBe(0);
//   }, 600_000);
//
// serverConformance runs the bundled server suite in its own vitest instance
// (inside your test, so it works from a vitest file as well as from a plain
// script) and returns the ConformanceReport. See docs/ci-gating.md.
import { randomInt } from 'node:crypto';
import { withAccessKeys } from './cli/credentials.ts';
import { TEST_CREDENTIALS } from './emulator/test-credentials.ts';
import type { ClientTargetConfig } from './mock/types.ts';
import type { NotRunLimit } from './report/merge.ts';
import { renderRunSummary } from './runner/console.ts';
import { writeReports } from './runner/output.ts';
import {
  type RunConformanceOptions,
  type RunOutcome,
  runConformance,
  serverReproduce,
} from './runner/run.ts';
import { RunError, type ServerTarget, type TargetCredentials } from './runner/types.ts';
import { APIS, type Api } from './spec/types.ts';

/** Options both suites take, with the same meaning. */
export interface SuiteOptions {
  /** API versions (default: both for a server; a bundled client's own, 2017-01-17 for drivers). */
  apis?: Api[];
  /** Only these operations (default: all in the specs). */
  operations?: string[];
  /** Only these check ids or globs. */
  checks?: string[];
  /** Generated cases per property check (default: 100 for a server, 25 for a client). */
  runs?: number;
  /** Random seed (default: random; the report records it). */
  seed?: number;
  /** Time limit per request in ms (server, default 5000), or for the client to answer one case (default 10000). */
  timeoutMs?: number;
  /** An expected-failures file. */
  expectedFailures?: string;
  strict?: boolean;
  /** Fail (exit code 1) when more checks than this were not run: `{ count: 0 }` or `{ percent: 10 }`. */
  maxNotRun?: NotRunLimit;
  /** Also write the report files (conformance.json, junit.xml, summary.md, report.html) here. */
  reportDir?: string;
  /** Write into a reportDir that holds other files. */
  force?: boolean;
  /** Display name of the target in reports. */
  name?: string;
  /** Progress line on stderr (default: false in library use). */
  progress?: boolean;
}

export interface ServerConformanceOptions extends SuiteOptions {
  /** Base URL of the server under test (loopback unless allowRemote; MTurk itself is always refused). */
  endpoint: string;
  /** Its provider-states endpoint, so state-dependent checks can run. */
  statesUrl?: string;
  /**
   * Default: the reference emulator's test credentials. Secret keys given here are redacted from the
   * report; its re-run lines name the access keys and leave the secrets to MTURK_SECRET_KEY.
   */
  credentials?: TargetCredentials[];
  /** `i/n` */
  shard?: string;
  allowRemote?: boolean;
  /** The 2014-08-15 wire forms the server speaks ('rest', 'soap'; default both): legacy checks run over each. */
  legacyWires?: string[];
  /** Checks in flight at once (default 16); lower it for a server that fails under load. */
  concurrency?: number;
}

export interface ConformanceResult extends RunOutcome {
  /** The text the CLI prints: a table per operation and API version, the failures, the totals. */
  summary: string;
  /** Files written when reportDir was given. */
  written: string[];
}

export type ServerConformanceResult = ConformanceResult;

/** The target fields both suites fill from the options, with the suite's defaults. */
function suiteTarget(options: SuiteOptions, defaults: { apis: Api[]; runs: number; timeoutMs: number }) {
  return {
    apis: options.apis ?? defaults.apis,
    ...(options.operations ? { operations: options.operations } : {}),
    runs: options.runs ?? defaults.runs,
    seed: options.seed ?? randomInt(1, 2 ** 31 - 1),
    timeoutMs: options.timeoutMs ?? defaults.timeoutMs,
  };
}

/** The run options both suites fill from the options. */
function suiteRun(options: SuiteOptions) {
  return {
    progress: options.progress ?? false,
    ...(options.checks ? { checks: options.checks } : {}),
    ...(options.expectedFailures ? { expectedFailures: options.expectedFailures } : {}),
    ...(options.strict !== undefined ? { strict: options.strict } : {}),
    ...(options.maxNotRun ? { maxNotRun: options.maxNotRun } : {}),
  };
}

/** The outcome with the printed summary, after writing the report files if asked to. */
async function suiteResult(options: SuiteOptions, outcome: RunOutcome): Promise<ConformanceResult> {
  const written = options.reportDir
    ? await writeReports(options.reportDir, [outcome.report], {
        force: options.force ?? false,
        strict: options.strict ?? false,
      })
    : [];
  return { ...outcome, summary: renderRunSummary([outcome.report]), written };
}

/**
 * Runs the server conformance suite against `options.endpoint` and returns
 * the report plus the exit code the CLI would use (0 ok, 1 a blocking
 * failure, 2 nothing ran). Throws a RunError (one-line message) when the run
 * cannot start: refused or unreachable endpoint, bad options.
 */
export async function serverConformance(options: ServerConformanceOptions): Promise<ConformanceResult> {
  const userCredentials = options.credentials;
  const target: ServerTarget = {
    kind: 'server',
    endpoint: options.endpoint,
    ...(options.statesUrl ? { statesUrl: options.statesUrl } : {}),
    ...suiteTarget(options, { apis: [...APIS], runs: 100, timeoutMs: 5000 }),
    credentials: userCredentials ?? TEST_CREDENTIALS.map((c) => ({ ...c })),
    ...(options.checks ? { checks: options.checks } : {}),
    ...(options.legacyWires ? { legacyWires: options.legacyWires } : {}),
  };
  const run: RunConformanceOptions = {
    target,
    ...suiteRun(options),
    secrets: (userCredentials ?? []).map((c) => c.secretAccessKey),
    // the line names the access keys; the secrets come from MTURK_SECRET_KEY when it is run
    reproduce: (id) => withAccessKeys(serverReproduce(target, id), target, userCredentials !== undefined),
    ...(options.name ? { reportTarget: { name: options.name } } : {}),
    ...(options.shard ? { shard: options.shard } : {}),
    ...(options.allowRemote !== undefined ? { allowRemote: options.allowRemote } : {}),
    ...(options.concurrency !== undefined ? { maxConcurrency: options.concurrency } : {}),
  };
  return suiteResult(options, await runConformance(run));
}

export interface ClientConformanceOptions extends SuiteOptions {
  /** A driver command line (docs/driver-protocol.md), e.g. "python3 my_driver.py" … */
  driver?: string;
  /** … or one of the bundled in-process clients. */
  client?: 'sdk-v3' | 'legacy-rest' | 'legacy-soap';
}

/**
 * Runs the client conformance suite against a client library (through its
 * driver, or a bundled client) and returns the report and exit code, like
 * serverConformance. The client talks only to the suite's own mock endpoint.
 */
export async function clientConformance(options: ClientConformanceOptions): Promise<ConformanceResult> {
  if (!options.driver === !options.client) throw new RunError('give either driver or client');
  const { runClient } = await import('./cli/commands/client.ts');
  const client = options.client ?? 'driver';
  const target: ClientTargetConfig = {
    kind: 'client',
    client,
    ...(options.driver ? { driver: options.driver } : {}),
    ...suiteTarget(options, {
      apis: [client === 'legacy-rest' || client === 'legacy-soap' ? '2014-08-15' : '2017-01-17'],
      runs: 25,
      timeoutMs: 10_000,
    }),
  };
  const outcome = await runClient({
    target,
    ...suiteRun(options),
    ...(options.name ? { name: options.name } : {}),
  });
  return suiteResult(options, outcome);
}

export type { ServerTargetConfig } from './checks/types.ts';
export {
  type AssignmentIds,
  type HandlerOptions,
  type LocalEmulator,
  type LocalEmulatorOptions,
  mturkHandlers,
  startEmulator,
  WorkerActionError,
  type Workers,
} from './emulator/local.ts';
export { StateFileError } from './emulator/persist.ts';
export type { EmulatorClock } from './emulator/server.ts';
export { TEST_CREDENTIALS } from './emulator/test-credentials.ts';
export type { ClientTargetConfig } from './mock/types.ts';
export { renderBadge } from './report/badge.ts';
export { renderHtml } from './report/html.ts';
export { renderJunit } from './report/junit.ts';
export { loadReports } from './report/load.ts';
export { exitCodeFor, mergeShards } from './report/merge.ts';
export { renderSummaryMd } from './report/summary-md.ts';
export type { CheckResult, ConformanceReport, ReportSummary, ReportTarget } from './report/types.ts';
export { writeReportDir } from './report/write.ts';
export type { RunConformanceOptions, RunOutcome } from './runner/run.ts';
export type { ServerTarget, Target, TargetCredentials } from './runner/types.ts';
export { loadSpecs } from './spec/load.ts';
export type { Api, SpecSet } from './spec/types.ts';
export { RunError, runConformance, writeReports };
