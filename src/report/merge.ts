// Operations over a set of run reports: merging shards of one run, naming the
// targets (columns) and deciding the exit code.
import type { CheckResult, ConformanceReport, CoverageMap, ReportSummary } from './types.ts';

/** Reports with the same key come from one run of one target (possibly split into shards). */
export function runKey(report: ConformanceReport): string {
  return JSON.stringify([targetKey(report), report.seed]);
}

export function summarize(results: readonly CheckResult[]): ReportSummary {
  const summary: ReportSummary = { passed: 0, failed: 0, notRun: 0, expectedFailures: 0 };
  for (const { status } of results) {
    if (status === 'passed') summary.passed++;
    else if (status === 'failed') summary.failed++;
    else if (status === 'not-run') summary.notRun++;
    else summary.expectedFailures++;
  }
  return summary;
}

/**
 * Merges the shards of each run into one report: same target (kind, endpoint,
 * driver, name) and same seed. Results are concatenated and de-duplicated by id
 * (first one wins), the summary is recomputed, coverage counts are added up and
 * the time span covers all shards. Different targets stay separate, in the
 * order they first appear.
 */
export function mergeShards(reports: readonly ConformanceReport[]): ConformanceReport[] {
  const groups = new Map<string, ConformanceReport[]>();
  for (const report of reports) {
    const key = runKey(report);
    const group = groups.get(key);
    if (group) group.push(report);
    else groups.set(key, [report]);
  }
  return [...groups.values()].map((group) => (group.length === 1 ? group[0]! : mergeGroup(group)));
}

function mergeGroup(group: ConformanceReport[]): ConformanceReport {
  // Shard order makes the merged result list stable whatever order the files were found in.
  const shards = [...group].sort((a, b) => shardIndex(a) - shardIndex(b));
  const first = shards[0]!;
  const results: CheckResult[] = [];
  const ids = new Set<string>();
  for (const shard of shards) {
    for (const result of shard.results) {
      if (ids.has(result.id)) continue;
      ids.add(result.id);
      results.push(result);
    }
  }
  const starts = shards.map((s) => Date.parse(s.startedAt));
  const start = Math.min(...starts);
  const end = Math.max(...shards.map((s, i) => starts[i]! + s.durationMs));
  const merged: ConformanceReport = {
    tool: first.tool,
    target: first.target,
    api: [...new Set(shards.flatMap((s) => s.api))],
    seed: first.seed,
    startedAt: new Date(start).toISOString(),
    durationMs: end - start,
    summary: summarize(results),
    results,
  };
  if (first.options) merged.options = first.options;
  const coverage = mergeCoverage(shards.map((s) => s.coverage));
  if (coverage) merged.coverage = coverage;
  return merged;
}

/** A target without its seed: the shards of one run share it. */
function targetKey(report: ConformanceReport): string {
  const { kind, endpoint = '', driver = '', name = '' } = report.target;
  return JSON.stringify([kind, endpoint, driver, name]);
}

function optionsText(report: ConformanceReport): string {
  return JSON.stringify({ api: [...report.api].sort(), ...report.options, tool: report.tool.version });
}

/**
 * What is wrong with the shards among these reports, one line each: a shard missing or present
 * twice, shards of one target that disagree on the count, the seed or the options, a shard mixed
 * with a whole run. Merging such a set would show a partial or mixed run as one: a gate refuses it.
 */
export function shardProblems(reports: readonly ConformanceReport[]): string[] {
  const byTarget = new Map<string, ConformanceReport[]>();
  for (const report of reports) {
    if (!report.shard) continue;
    const key = targetKey(report);
    byTarget.set(key, [...(byTarget.get(key) ?? []), report]);
  }
  const problems: string[] = [];
  for (const shards of byTarget.values()) {
    const label = targetLabel(shards[0]!);
    const seeds = [...new Set(shards.map((s) => s.seed))];
    if (seeds.length > 1) {
      problems.push(`the shards of ${label} come from runs with different seeds (${seeds.join(', ')})`);
      continue;
    }
    const whole = reports.find(
      (r) => !r.shard && targetKey(r) === targetKey(shards[0]!) && r.seed === seeds[0],
    );
    if (whole) problems.push(`${label} (seed ${seeds[0]}) has a whole run and shards of a run`);
    const counts = [...new Set(shards.map((s) => Number(s.shard!.split('/')[1])))];
    if (counts.length > 1) {
      problems.push(
        `the shards of ${label} split the run differently (${shards.map((s) => s.shard).join(', ')})`,
      );
      continue;
    }
    const options = [...new Set(shards.map(optionsText))];
    if (options.length > 1)
      problems.push(
        `the shards of ${label} were run with different options or tool versions (${options.join(' vs ')})`,
      );
    const n = counts[0]!;
    const seen = new Map<number, number>();
    for (const s of shards) {
      const k = Number(s.shard!.split('/')[0]);
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    for (const [k, times] of seen)
      if (times > 1) problems.push(`shard ${k}/${n} of ${label} is given ${times} times`);
    const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !seen.has(k));
    if (missing.length > 0)
      problems.push(
        `${label} (seed ${seeds[0]}): shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`,
      );
  }
  return problems;
}

function shardIndex(report: ConformanceReport): number {
  return report.shard ? Number.parseInt(report.shard, 10) : 0;
}

function mergeCoverage(maps: (CoverageMap | undefined)[]): CoverageMap | undefined {
  if (maps.every((map) => map === undefined)) return undefined;
  const merged: CoverageMap = {};
  for (const map of maps) {
    for (const [operation, counts] of Object.entries(map ?? {})) {
      const into = merged[operation] ?? {};
      merged[operation] = into;
      for (const [key, n] of Object.entries(counts)) into[key] = (into[key] ?? 0) + n;
    }
  }
  return merged;
}

/** The name people see for a target: its display name, else its endpoint or driver. */
export function targetLabel(report: ConformanceReport): string {
  const { name, endpoint, driver, kind } = report.target;
  return name || endpoint || driver || `unnamed ${kind}`;
}

/** One label per report, made unique (by seed, then by position) when two targets would look alike. */
export function targetLabels(reports: readonly ConformanceReport[]): string[] {
  const base = reports.map(targetLabel);
  const withSeed = base.map((label, i) =>
    base.filter((other) => other === label).length > 1 ? `${label} (seed ${reports[i]!.seed})` : label,
  );
  return withSeed.map((label, i) =>
    withSeed.filter((other) => other === label).length > 1 ? `${label} #${i + 1}` : label,
  );
}

/** File-name-safe, unique slugs for the targets, e.g. for badge-<slug>.svg. */
export function targetSlugs(reports: readonly ConformanceReport[]): string[] {
  const used = new Set<string>();
  return targetLabels(reports).map((label, i) => {
    const base =
      label
        .toLowerCase()
        .replace(/^[a-z]+:\/\//, '')
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 60)
        .replace(/-+$/, '') || `target-${i + 1}`;
    let slug = base;
    for (let n = 2; used.has(slug); n++) slug = `${base}-${n}`;
    used.add(slug);
    return slug;
  });
}

/** True when this result should fail the run: a failed `must`, or with strict any failed check. */
export function isBlockingFailure(result: CheckResult, strict = false): boolean {
  return result.status === 'failed' && (result.severity === 'must' || strict);
}

/**
 * 1 when any `must` check failed (with `strict`, any `should` too), else 0.
 * Expected failures do not count. (Exit code 2, "nothing ran", is the CLI's.)
 */
export function exitCodeFor(
  reports: readonly ConformanceReport[],
  options: { strict?: boolean } = {},
): 0 | 1 {
  const strict = options.strict ?? false;
  return reports.some((report) => report.results.some((result) => isBlockingFailure(result, strict))) ? 1 : 0;
}

/** How many checks may be not-run before a run fails the gate (--max-not-run N or P%). */
export type NotRunLimit = { count: number } | { percent: number };

/** `N` (a count) or `P%` (a share of the checks); anything else is undefined. */
export function parseNotRunLimit(text: string): NotRunLimit | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { count: Number(t) };
  const m = /^(\d+(?:\.\d+)?)%$/.exec(t);
  if (m && Number(m[1]) <= 100) return { percent: Number(m[1]) };
  return undefined;
}

export function notRunLimitText(limit: NotRunLimit): string {
  return 'count' in limit ? String(limit.count) : `${limit.percent}%`;
}

/** Not-run checks of the reports together: count, total and share in percent (0 with no checks). */
export function notRunShare(reports: readonly ConformanceReport[]): {
  notRun: number;
  total: number;
  percent: number;
} {
  const total = reports.reduce((n, r) => n + r.results.length, 0);
  const notRun = reports.reduce((n, r) => n + r.results.filter((x) => x.status === 'not-run').length, 0);
  return { notRun, total, percent: total === 0 ? 0 : (100 * notRun) / total };
}

/** A share as people read it: whole percent, but never 0% for a few or 100% for all but a few. */
export function percentText(percent: number): string {
  if (percent > 0 && percent < 1) return '<1%';
  if (percent < 100 && percent > 99) return '>99%';
  return `${Math.round(percent)}%`;
}

/** One line saying why the not-run checks fail the gate, or undefined when they are within the limit. */
export function notRunVerdict(
  reports: readonly ConformanceReport[],
  limit: NotRunLimit | undefined,
): string | undefined {
  if (!limit) return undefined;
  const { notRun, total, percent } = notRunShare(reports);
  const over = 'count' in limit ? notRun > limit.count : percent > limit.percent;
  if (!over) return undefined;
  return `${notRun} of ${total} checks (${percentText(percent)}) were not run, more than --max-not-run ${notRunLimitText(limit)} allows`;
}

export interface OperationGroup {
  api: string;
  operation: string;
  /** Check ids in the order the suite ran them (first report that has each wins). */
  ids: string[];
}

/** All checks of all reports grouped by API version (newest first) then operation (A–Z). */
export function operationGroups(reports: readonly ConformanceReport[]): OperationGroup[] {
  const groups = new Map<string, OperationGroup>();
  const seen = new Set<string>();
  for (const report of reports) {
    for (const { id, api, operation } of report.results) {
      if (seen.has(id)) continue;
      seen.add(id);
      const key = JSON.stringify([api, operation]);
      const group = groups.get(key) ?? { api, operation, ids: [] };
      groups.set(key, group);
      group.ids.push(id);
    }
  }
  return [...groups.values()].sort(
    (a, b) => compareText(b.api, a.api) || compareText(a.operation, b.operation),
  );
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The first line of a (possibly multi-line) text. */
export function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? '';
}
