// What the commands print when a run is over: a table per target (operation
// × API version: passed / failed / not-run), the failures worth reading
// first, one totals line, and where the report is.

import { failureGroups, groupCount, listIds } from '../report/groups.ts';
import { firstLine, notRunShare, percentText, targetLabels } from '../report/merge.ts';
import type { ConformanceReport } from '../report/types.ts';

interface Cell {
  passed: number;
  failed: number;
  notRun: number;
  expected: number;
}

function cellText(c: Cell | undefined): string {
  if (!c) return '-';
  return `${c.passed}/${c.failed}/${c.notRun}${c.expected ? ` (+${c.expected} xfail)` : ''}`;
}

/** One target's table: a row per operation, a column per API version, cells "passed/failed/not-run". */
export function renderTable(report: ConformanceReport): string {
  const apis = [...new Set([...report.api, ...report.results.map((r) => r.api)])].sort().reverse();
  const cells = new Map<string, Cell>();
  const operations = new Set<string>();
  for (const r of report.results) {
    operations.add(r.operation);
    const key = `${r.operation}\n${r.api}`;
    const c = cells.get(key) ?? { passed: 0, failed: 0, notRun: 0, expected: 0 };
    cells.set(key, c);
    if (r.status === 'passed') c.passed++;
    else if (r.status === 'failed') c.failed++;
    else if (r.status === 'not-run') c.notRun++;
    else c.expected++;
  }
  const rows = [...operations]
    .sort()
    .map((op) => [op, ...apis.map((api) => cellText(cells.get(`${op}\n${api}`)))]);
  const header = ['operation', ...apis];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: string[]) =>
    `  ${cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ')}`.trimEnd();
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '  (cells: passed/failed/not-run)',
  ].join('\n');
}

export function totalsLine(report: ConformanceReport): string {
  const { summary } = report;
  const failed = report.results.filter((r) => r.status === 'failed');
  const must = failed.filter((r) => r.severity === 'must').length;
  const parts = [
    `${summary.passed} passed`,
    `${summary.failed} failed${summary.failed ? ` (${must} must, ${summary.failed - must} should)` : ''}`,
    `${summary.notRun} not run${summary.notRun ? ` (${percentText(notRunShare([report]).percent)})` : ''}`,
  ];
  if (summary.expectedFailures) parts.push(`${summary.expectedFailures} expected failures`);
  return `${parts.join(', ')}; seed ${report.seed}${report.shard ? `, shard ${report.shard}` : ''}`;
}

/**
 * The failures people should read first, grouped by cause (src/report/groups.ts): a group of
 * several checks is one entry with its count, the checks and one re-run line; a lone failure is its
 * check, its message and its re-run line. Groups with `must` failures come first.
 */
export function renderFailures(report: ConformanceReport, limit = 10): string {
  const groups = failureGroups(report.results);
  if (groups.length === 0) return '';
  const failed = groups.reduce((n, g) => n + g.results.length, 0);
  const lines: string[] = [];
  if (groups.length < failed)
    lines.push(`  ${failed} failed checks, ${groups.length} cause${groups.length === 1 ? '' : 's'}:`);
  for (const group of groups.slice(0, limit)) {
    const first = group.results[0]!;
    if (group.results.length === 1) {
      lines.push(
        `  FAIL ${first.severity.padEnd(6)} ${first.id}`,
        `       ${firstLine(first.detail).trim() || 'failed'}`,
      );
    } else {
      lines.push(
        `  FAIL ${groupCount(group)}: ${group.cause}`,
        `       checks: ${listIds(group.results)}`,
        `       e.g. ${first.id}: ${firstLine(first.detail).trim() || 'failed'}`,
      );
    }
    if (first.reproduce) lines.push(`       re-run: ${first.reproduce}`);
  }
  if (groups.length > limit) {
    const rest = groups.slice(limit).reduce((n, g) => n + g.results.length, 0);
    lines.push(
      `  … and ${rest} more failed checks with ${groups.length - limit} other causes (see the report)`,
    );
  }
  return lines.join('\n');
}

/** Why checks were not run: the most common reasons, with counts. */
export function renderNotRun(report: ConformanceReport, limit = 3): string {
  const counts = new Map<string, number>();
  for (const r of report.results) {
    if (r.status !== 'not-run') continue;
    const reason = firstLine(r.detail).trim() || 'not run';
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  if (counts.size === 0) return '';
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const lines = sorted.slice(0, limit).map(([reason, n]) => `  not run (${n}): ${reason}`);
  if (sorted.length > limit)
    lines.push(`  not run: … ${sorted.length - limit} other reasons (see the report)`);
  return lines.join('\n');
}

/**
 * The warning a run that left checks not-run gets, so a short green-looking list of results is not
 * mistaken for a full one; undefined when every check ran.
 */
export function littleTestedLine(report: ConformanceReport): string | undefined {
  const { notRun, total, percent } = notRunShare([report]);
  if (notRun === 0) return undefined;
  return `NOT RUN: ${notRun} of ${total} checks (${percentText(percent)}); the verdict covers only the checks that ran (--max-not-run gates on this)`;
}

/** Everything printed after a run, for one or more targets. */
export function renderRunSummary(
  reports: readonly ConformanceReport[],
  options: { failures?: boolean } = {},
) {
  const labels = targetLabels(reports);
  const blocks: string[] = [];
  reports.forEach((report, i) => {
    const where = report.target.endpoint ?? report.target.driver;
    const title = `${labels[i]}${where && where !== labels[i] ? ` (${report.target.kind}, ${where})` : ` (${report.target.kind})`}`;
    const block = [title, renderTable(report)];
    if (options.failures !== false) {
      const failures = renderFailures(report);
      if (failures) block.push('', failures);
    }
    const notRun = renderNotRun(report);
    if (notRun) block.push('', notRun);
    const little = littleTestedLine(report);
    if (little) block.push(`  ${little}`);
    block.push(`  ${totalsLine(report)}`);
    blocks.push(block.join('\n'));
  });
  return `${blocks.join('\n\n')}\n`;
}
