// The conformance.json contract: one run of the suite against one target.
// docs/report-format.md describes every field for people; this file is the
// TypeScript side and src/report/load.ts holds the matching JSON Schema.

export type Severity = 'must' | 'should';

export type CheckStatus = 'passed' | 'failed' | 'not-run' | 'expected-failure';

export const CHECK_STATUSES: readonly CheckStatus[] = ['passed', 'failed', 'not-run', 'expected-failure'];
export const SEVERITIES: readonly Severity[] = ['must', 'should'];

export interface ReportTool {
  name: string;
  version: string;
}

export interface ReportTarget {
  kind: 'server' | 'client';
  /** The base URL of a server under test. */
  endpoint?: string;
  /** The client driver under test (or the driver used to reach a server). */
  driver?: string;
  /** Optional display name; reports fall back to the endpoint or driver. */
  name?: string;
}

export interface ReportSummary {
  passed: number;
  failed: number;
  notRun: number;
  expectedFailures: number;
}

export interface CheckResult {
  /** `<api>/<operation>/<check>`, unique within a run. */
  id: string;
  api: string;
  operation: string;
  check: string;
  severity: Severity;
  status: CheckStatus;
  detail: string;
  /** A command line that re-runs just this check with the same seed. */
  reproduce: string;
  request?: string;
  response?: string;
  /** The spec rule broken: file, JSON pointer and rule text. */
  rule?: string;
  counterexample?: string;
}

/**
 * The options of the run that decide which checks ran and how. Shards of one run must agree on
 * them (and on the seed); `mturk-conformance report` refuses to merge shards that do not.
 */
export interface RunOptions {
  runs?: number;
  timeoutMs?: number;
  operations?: string[];
  checks?: string[];
  /** Whether a provider-states URL was given (the URL itself is in the reproduce lines). */
  statesUrl?: boolean;
}

/** Per `<api>/<operation>`: how many generated cases exercised each constraint or rule key. */
export type CoverageMap = Record<string, Record<string, number>>;

export interface ConformanceReport {
  tool: ReportTool;
  target: ReportTarget;
  api: string[];
  seed: number;
  startedAt: string;
  durationMs: number;
  /** `k/n` when the run was one shard of several. */
  shard?: string;
  options?: RunOptions;
  summary: ReportSummary;
  results: CheckResult[];
  coverage?: CoverageMap;
}
