// Public API of the report renderers (issue "Reports people read").
export type { Badge, BadgeColor, ShieldsEndpoint } from './badge.ts';
export { renderBadge } from './badge.ts';
export type { HtmlData } from './html.ts';
export { renderHtml } from './html.ts';
export { renderJunit } from './junit.ts';
export {
  conformanceSchema,
  loadReportFile,
  loadReports,
  parseReport,
  REPORT_FILE,
  ReportError,
} from './load.ts';
export { exitCodeFor, mergeShards, summarize, targetLabel, targetLabels, targetSlugs } from './merge.ts';
export { renderSummaryMd } from './summary-md.ts';
export type {
  CheckResult,
  CheckStatus,
  ConformanceReport,
  CoverageMap,
  ReportSummary,
  ReportTarget,
  ReportTool,
  Severity,
} from './types.ts';
export { CHECK_STATUSES, SEVERITIES } from './types.ts';
export type { WriteOptions } from './write.ts';
export { writeReportDir } from './write.ts';
