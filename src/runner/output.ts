// Writing a report directory without ever destroying what a person put
// there: the tool records the files it wrote in a marker file, replaces only
// those on the next run, and refuses a directory holding anything else
// (unless forced).
import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { renderJunit } from '../report/junit.ts';
import { REPORT_FILE } from '../report/load.ts';
import { mergeShards, targetSlugs } from '../report/merge.ts';
import type { ConformanceReport } from '../report/types.ts';
import { exists, writeReportDir } from '../report/write.ts';
import { RunError } from './types.ts';

/** Lists the files this tool wrote in a report directory. */
export const MARKER_FILE = '.mturk-conformance';

interface Marker {
  tool: 'mturk-conformance';
  files: string[];
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full, base)));
    else out.push(relative(base, full).split(sep).join('/'));
  }
  return out.sort();
}

async function readMarker(dir: string): Promise<Marker | undefined> {
  try {
    const value = JSON.parse(await readFile(join(dir, MARKER_FILE), 'utf8')) as Marker;
    if (value?.tool === 'mturk-conformance' && Array.isArray(value.files)) return value;
  } catch {
    // no marker, or not ours
  }
  return undefined;
}

/** A directory that does not exist yet: its nearest existing ancestor must be a writable directory. */
async function checkCreatable(dir: string, option: string): Promise<void> {
  let parent = resolve(dir);
  for (;;) {
    const up = dirname(parent);
    if (up === parent) return;
    parent = up;
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(parent);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new RunError(`${option} ${dir} cannot be created: ${parent} cannot be read`);
    }
    if (!info.isDirectory())
      throw new RunError(`${option} ${dir} cannot be created: ${parent} is a file, not a directory`);
    try {
      await access(parent, constants.W_OK | constants.X_OK);
    } catch {
      throw new RunError(`${option} ${dir} cannot be created: ${parent} is not writable`);
    }
    return;
  }
}

/**
 * Checks that `dir` may receive a report and removes the files an earlier
 * run of this tool wrote there. Throws a RunError when the directory holds
 * anything else, unless `force` (then those files are left alone). With
 * `clean: false` it only checks (to fail before a long run rather than after).
 */
export async function prepareReportDir(
  dir: string,
  options: { force?: boolean; clean?: boolean; option?: string } = {},
): Promise<void> {
  const option = options.option ?? '--report-dir';
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch {
    await checkCreatable(dir, option); // does not exist yet: can it be made?
    return;
  }
  if (!info.isDirectory()) throw new RunError(`${option} ${dir} is a file, not a directory`);
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new RunError(`${option} ${dir} is not writable: choose another directory`);
  }
  const marker = await readMarker(dir);
  const ours = new Set(marker ? [...marker.files, MARKER_FILE] : []);
  const files = await listFiles(dir);
  const foreign = files.filter((f) => !ours.has(f));
  if (foreign.length > 0 && !options.force) {
    // Name top-level entries ("notes.md", "old/"), not every file below them.
    const entries = [...new Set(foreign.map((f) => (f.includes('/') ? `${f.split('/', 1)[0]}/` : f)))];
    const sample =
      entries.slice(0, 4).join(', ') + (entries.length > 4 ? `, … (${entries.length} entries)` : '');
    throw new RunError(
      `${option} ${dir} holds files this tool did not write (${sample}); choose an empty or new directory, or pass --force to write into it anyway`,
    );
  }
  if (options.clean === false) return;
  for (const f of files.filter((f) => ours.has(f))) await rm(join(dir, f), { force: true });
  // Remove the per-target folders an earlier run left empty.
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    try {
      await rmdir(join(dir, entry.name));
    } catch {
      // not empty: someone else's
    }
  }
}

/** Several runs' JUnit documents as one: every <testsuite> under one <testsuites>. */
export function combineJunit(documents: readonly string[]): string {
  const suites: string[] = [];
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  for (const doc of documents) {
    for (const m of doc.matchAll(/<testsuite\b[\s\S]*?<\/testsuite>|<testsuite\b[^>]*\/>/g))
      suites.push(m[0]);
    const head = /<testsuites\b([^>]*)>/.exec(doc)?.[1] ?? '';
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) {
      const v = new RegExp(`\\b${key}="([0-9.]+)"`).exec(head)?.[1];
      if (v) totals[key] += Number(v);
    }
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mturk-conformance" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="${totals.time.toFixed(3)}">`,
    ...suites.map((s) => `  ${s.trim()}`),
    '</testsuites>',
    '',
  ].join('\n');
}

/**
 * Writes the report files for the runs into `dir` (see prepareReportDir for
 * what is refused): report.html, summary.md, junit.xml, badges and
 * conformance.json, which with several targets is written per target as
 * `<slug>/conformance.json` (and `<slug>/junit.xml`), so `mturk-conformance
 * report DIR` can read the directory back. Returns the paths written.
 */
export async function writeReports(
  dir: string,
  reports: readonly ConformanceReport[],
  options: { force?: boolean; option?: string; strict?: boolean } = {},
): Promise<string[]> {
  await prepareReportDir(dir, options);
  await mkdir(dir, { recursive: true });
  const strict = options.strict ?? false;
  const written = await writeReportDir(dir, reports, { overwrite: true, strict });
  const merged = mergeShards(reports);
  if (merged.length > 1) {
    const slugs = targetSlugs(merged);
    const junits: string[] = [];
    for (const [i, report] of merged.entries()) {
      const sub = join(dir, slugs[i]!);
      await mkdir(sub, { recursive: true });
      const json = join(sub, REPORT_FILE);
      await writeFile(json, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
      const junit = renderJunit(report, { strict });
      junits.push(junit);
      await writeFile(join(sub, 'junit.xml'), junit, 'utf8');
      written.push(json, join(sub, 'junit.xml'));
    }
    const top = join(dir, 'junit.xml');
    if (!written.includes(top) && !(await exists(top))) {
      await writeFile(top, combineJunit(junits), 'utf8');
      written.push(top);
    }
  }
  const files = [...new Set(written.map((p) => relative(dir, p).split(sep).join('/')))].sort();
  const marker: Marker = { tool: 'mturk-conformance', files };
  await writeFile(join(dir, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`, 'utf8');
  return written;
}
