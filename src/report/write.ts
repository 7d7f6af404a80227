// Writes the full set of report files for one or more runs into a directory.
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderBadge } from './badge.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { REPORT_FILE, ReportError } from './load.ts';
import { mergeShards, targetSlugs } from './merge.ts';
import { renderSummaryMd } from './summary-md.ts';
import type { ConformanceReport } from './types.ts';

export interface WriteOptions {
  /** Replace files that already exist (default: refuse, so a run never clobbers another's reports by accident). */
  overwrite?: boolean;
  /** The run gates on `should` failures too (--strict): junit.xml marks them as failures. */
  strict?: boolean;
}

/**
 * Writes report.html and summary.md, plus junit.xml and conformance.json when
 * there is a single target, and badge.svg/badge.json (badge-<slug>.* when
 * there are several targets). Shards of one run are merged first. Creates
 * `dir` if needed and returns the paths written.
 */
export async function writeReportDir(
  dir: string,
  reports: readonly ConformanceReport[],
  options: WriteOptions = {},
): Promise<string[]> {
  const merged = mergeShards(reports);
  const files = new Map<string, string>();
  files.set('report.html', renderHtml(merged));
  files.set('summary.md', renderSummaryMd(merged));
  if (merged.length === 1) {
    files.set('junit.xml', renderJunit(merged[0]!, { strict: options.strict ?? false }));
    files.set(REPORT_FILE, `${JSON.stringify(merged[0], null, 2)}\n`);
  }
  const slugs = targetSlugs(merged);
  merged.forEach((report, i) => {
    const badge = renderBadge(report);
    const base = merged.length === 1 ? 'badge' : `badge-${slugs[i]}`;
    files.set(`${base}.svg`, badge.svg);
    files.set(`${base}.json`, `${JSON.stringify(badge.json, null, 2)}\n`);
  });

  await mkdir(dir, { recursive: true });
  if (!options.overwrite) {
    for (const name of files.keys()) {
      if (await exists(join(dir, name))) {
        throw new ReportError(`${join(dir, name)}: already exists (pass overwrite to replace it)`);
      }
    }
  }
  const written: string[] = [];
  for (const [name, content] of files) {
    const path = join(dir, name);
    await writeFile(path, content, 'utf8');
    written.push(path);
  }
  return written;
}

/** Whether anything is at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
