// The runner's public surface (re-exported by src/index.ts).
export { renderFailures, renderNotRun, renderRunSummary, renderTable, totalsLine } from './console.ts';
export type { ExpectedFailure, ExpectedFailures, UpdateSummary } from './expected-failures.ts';
export {
  applyExpectedFailures,
  loadExpectedFailures,
  parseExpectedFailures,
  updatedList,
  updateExpectedFailuresFile,
} from './expected-failures.ts';
export { combineJunit, MARKER_FILE, prepareReportDir, writeReports } from './output.ts';
export { probeEndpoint } from './probe.ts';
export { Progress, type ProgressOptions, type ProgressState } from './progress.ts';
export { REDACTED, Redactor } from './redact.ts';
export { ConformanceCollector } from './reporter.ts';
export {
  PACKAGE_ROOT,
  type RunConformanceOptions,
  type RunOutcome,
  runConformance,
  SUITE_GLOBS,
  serverReproduce,
} from './run.ts';
export { checkEndpoint, isLoopbackHost, mturkHosts } from './safety.ts';
export { checkSelection, parseShard, shardIds } from './select.ts';
export type { CheckMeta, ClientTarget, ServerTarget, Target, TargetCredentials } from './types.ts';
export { RunError } from './types.ts';
