// Markdown for a GitHub step summary (or a PR comment): totals per target, an
// operation × API table, then the failed checks with their reproduce commands.
// Everything coming from a report is escaped, so a hostile detail cannot
// inject markup, and the failure list is capped to stay well under GitHub's
// 1 MiB step-summary limit.

import { type FailureGroup, failureGroups, groupCount } from './groups.ts';
import {
  firstLine,
  isBlockingFailure,
  notRunShare,
  operationGroups,
  percentText,
  summarize,
  targetLabels,
} from './merge.ts';
import type { CheckResult, ConformanceReport } from './types.ts';

/** Failed checks listed per target before the list is cut short. */
export const MAX_FAILED_LISTED = 100;

export function renderSummaryMd(reports: readonly ConformanceReport[]): string {
  const out: string[] = ['## MTurk conformance', ''];
  if (reports.length === 0) return [...out, 'No reports.', ''].join('\n');
  const labels = targetLabels(reports);
  out.push(
    ...totalsTable(reports, labels),
    '',
    ...(notRunNotes(reports, labels).length > 0 ? [...notRunNotes(reports, labels), ''] : []),
    '### Results by operation',
    '',
    ...operationTable(reports, labels),
  );
  const anyFailed = reports.some((report) => report.summary.failed > 0);
  if (anyFailed) {
    out.push('', '### Failures by cause', '');
    reports.forEach((report, i) => {
      const groups = failureGroups(report.results);
      if (groups.length === 0) return;
      if (reports.length > 1) out.push(`#### ${text(labels[i]!)}`, '');
      out.push(...causeTable(groups), '');
    });
  }
  out.push('', '### Failed checks', '');
  if (!anyFailed) out.push('None.');
  reports.forEach((report, i) => {
    const failed = report.results.filter((result) => result.status === 'failed');
    if (failed.length === 0) return;
    if (reports.length > 1) out.push(`#### ${text(labels[i]!)} (${failed.length})`, '');
    out.push(...failedTable(failed), '');
  });
  return `${out.join('\n').trimEnd()}\n`;
}

function totalsTable(reports: readonly ConformanceReport[], labels: string[]): string[] {
  const rows = reports.map((report, i) => {
    const { passed, failed, notRun, expectedFailures } = report.summary;
    const where = report.target.endpoint ?? report.target.driver ?? '';
    const target = `${verdict(report)} ${text(labels[i]!)}${where && where !== labels[i] ? ` ${code(where)}` : ''}`;
    const shard = report.shard ? ` (shard ${text(report.shard)})` : '';
    return row([
      target,
      report.target.kind,
      String(passed),
      String(failed),
      notRun ? `${notRun} (${percentText(notRunShare([report]).percent)})` : '0',
      String(expectedFailures),
      text(report.tool.version),
      `${report.seed}${shard}`,
      text(report.startedAt),
    ]);
  });
  return [
    row(['Target', 'Kind', 'Passed', 'Failed', 'Not run', 'Expected failures', 'Tool', 'Seed', 'Started']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---', '---:', '---']),
    ...rows,
  ];
}

/**
 * ❌ when a `must` failed, ⚠️ when only `should` checks failed, ➖ when nothing failed but some
 * checks did not run (a run that tested little must not look green), ✅ otherwise.
 */
function verdict(report: ConformanceReport): string {
  if (report.results.some((result) => isBlockingFailure(result))) return '❌';
  if (report.summary.failed > 0) return '⚠️';
  if (report.summary.notRun > 0) return '➖';
  return '✅';
}

/** A line per target that left checks not-run: how many, what share, and the most common reason. */
function notRunNotes(reports: readonly ConformanceReport[], labels: string[]): string[] {
  const out: string[] = [];
  reports.forEach((report, i) => {
    const { notRun, total, percent } = notRunShare([report]);
    if (notRun === 0) return;
    const reasons = new Map<string, number>();
    for (const r of report.results)
      if (r.status === 'not-run') {
        const reason = firstLine(r.detail) || 'not run';
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    const [reason, count] = [...reasons.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const who = reports.length > 1 ? `${text(labels[i]!)}: ` : '';
    out.push(
      `> ⚠️ ${who}**${notRun} of ${total} checks (${percentText(percent)}) were not run**; the verdict covers only the checks that ran. Most common reason (${count}): ${text(reason)}`,
      '>',
    );
  });
  if (out.length > 0) out.pop();
  return out;
}

function operationTable(reports: readonly ConformanceReport[], labels: string[]): string[] {
  const byId = reports.map((report) => new Map(report.results.map((result) => [result.id, result])));
  const lines = [
    row(['API', 'Operation', ...labels.map(text)]),
    row(['---', '---', ...labels.map(() => '---')]),
  ];
  for (const group of operationGroups(reports)) {
    const cells = byId.map((results) => {
      const present = group.ids.map((id) => results.get(id)).filter((r): r is CheckResult => r !== undefined);
      return operationCell(present);
    });
    lines.push(row([text(group.api), text(group.operation), ...cells]));
  }
  return lines;
}

function operationCell(results: CheckResult[]): string {
  if (results.length === 0) return '—';
  const { passed, failed, notRun, expectedFailures: expected } = summarize(results);
  const parts: string[] = [];
  if (passed) parts.push(`${passed} passed`);
  if (failed) parts.push(`${failed} failed`);
  if (notRun) parts.push(`${notRun} not run`);
  if (expected) parts.push(`${expected} expected ${expected === 1 ? 'failure' : 'failures'}`);
  const icon = failed ? '❌' : passed === results.length ? '✅' : '➖';
  return `${icon} ${parts.join(', ')}`;
}

/** Causes listed per target before the list is cut short. */
export const MAX_CAUSES_LISTED = 30;

function causeTable(groups: FailureGroup[]): string[] {
  const listed = groups.slice(0, MAX_CAUSES_LISTED);
  const lines = [
    row(['Cause', 'Failed checks', 'Checks', 'Reproduce (first check)']),
    row(['---', '---:', '---', '---']),
    ...listed.map((g) =>
      row([
        text(g.cause),
        text(groupCount(g)),
        g.results
          .slice(0, 10)
          .map((r) => code(r.id))
          .join(', ') + (g.results.length > 10 ? ` … and ${g.results.length - 10} more` : ''),
        code(g.results[0]!.reproduce),
      ]),
    ),
  ];
  if (groups.length > listed.length)
    lines.push('', `…and ${groups.length - listed.length} more causes: see report.html.`);
  return lines;
}

function failedTable(failed: CheckResult[]): string[] {
  // must before should: the ones that fail the run come first.
  const ordered = [...failed].sort(
    (a, b) => Number(a.severity === 'should') - Number(b.severity === 'should'),
  );
  const listed = ordered.slice(0, MAX_FAILED_LISTED);
  const lines = [
    row(['Check', 'Severity', 'Detail', 'Reproduce']),
    row(['---', '---', '---', '---']),
    ...listed.map((r) => row([code(r.id), r.severity, text(firstLine(r.detail)), code(r.reproduce)])),
  ];
  if (ordered.length > listed.length) {
    lines.push('', `…and ${ordered.length - listed.length} more failed checks: see report.html.`);
  }
  return lines;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Plain text for a table cell: markdown and HTML specials neutralised, one line. */
function text(value: string): string {
  return oneLine(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~]/g, (char) => `\\${char}`);
}

/** An inline code span for a table cell; the fence is longer than any backtick run inside. */
function code(value: string): string {
  if (value === '') return '';
  const inner = oneLine(value).replace(/\|/g, '\\|');
  const longestRun = Math.max(0, ...(inner.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = inner.startsWith('`') || inner.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${inner}${pad}${fence}`;
}

function oneLine(value: string): string {
  return value.replace(/\s*\r?\n\s*/g, ' ').trim();
}
