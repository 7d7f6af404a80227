// The expected-failures list: check ids one a line, `#` starts a comment
// line, and anything after the id (separated by white space) is a message
// for people ("tracked in #123"). A listed check that fails is reported as
// `expected-failure` and does not fail the run; a listed check that passes
// fails the run, so the list shrinks as the target improves.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import type { CheckResult } from '../report/types.ts';
import { RunError } from './types.ts';

export interface ExpectedFailure {
  id: string;
  message?: string;
  /** 1-based line number in the file */
  line: number;
}

export interface ExpectedFailures {
  file: string;
  entries: Map<string, ExpectedFailure>;
  /** the file's lines as read, kept so an update preserves comments */
  lines: string[];
}

export function parseExpectedFailures(text: string, file: string): ExpectedFailures {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const entries = new Map<string, ExpectedFailure>();
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(\S+)(?:\s+(.*))?$/.exec(line)!;
    const id = match[1]!;
    if (!/^[^/\s]+\/[^/\s]+\/\S+$/.test(id)) {
      throw new RunError(
        `${file}:${i + 1}: ${JSON.stringify(id)} is not a check id (<api>/<Operation>/<check>)`,
      );
    }
    const message = match[2]?.replace(/^#\s*/, '').trim();
    entries.set(id, { id, line: i + 1, ...(message ? { message } : {}) });
  });
  return { file, entries, lines };
}

export async function loadExpectedFailures(file: string, options: { mayBeMissing?: boolean } = {}) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && options.mayBeMissing) return parseExpectedFailures('', file);
    throw new RunError(
      `cannot read --expected-failures ${file} (${code === 'ENOENT' ? 'no such file' : (code ?? String(error))})`,
    );
  }
  return parseExpectedFailures(text, file);
}

/** The results with the list applied (a new array; inputs are not changed). */
export function applyExpectedFailures(
  results: readonly CheckResult[],
  list: ExpectedFailures,
): CheckResult[] {
  return results.map((result) => {
    const entry = list.entries.get(result.id);
    if (!entry) return result;
    if (result.status === 'failed') {
      const note = `(listed in ${list.file}:${entry.line}${entry.message ? `: ${entry.message}` : ''})`;
      return {
        ...result,
        status: 'expected-failure',
        detail: result.detail ? `${result.detail}\n${note}` : note,
      };
    }
    if (result.status === 'passed') {
      return {
        ...result,
        status: 'failed',
        detail: `passed but is listed in ${list.file}: remove it from the list`,
      };
    }
    return result;
  });
}

export interface UpdateSummary {
  added: string[];
  removed: string[];
  backup?: string;
  text: string;
}

/**
 * The list rewritten for the results of a run: ids that now pass are removed,
 * ids that fail are added (with the first line of their failure as message),
 * and everything else (comments, blank lines, messages, ids this run did not
 * execute) stays as written.
 */
export function updatedList(list: ExpectedFailures, results: readonly CheckResult[], now = new Date()) {
  const byId = new Map(results.map((r) => [r.id, r]));
  const removed: string[] = [];
  const kept: string[] = [];
  list.lines.forEach((raw, i) => {
    const entry = [...list.entries.values()].find((e) => e.line === i + 1);
    if (entry && byId.get(entry.id)?.status === 'passed') {
      removed.push(entry.id);
      return;
    }
    kept.push(raw);
  });
  const failing = results.filter(
    (r) => (r.status === 'failed' || r.status === 'expected-failure') && !list.entries.has(r.id),
  );
  const added = failing.map((r) => r.id);
  const out = [...kept];
  if (list.lines.length === 0) {
    out.push(
      '# Checks expected to fail (mturk-conformance --expected-failures): one check id a line,',
      '# optionally followed by a note. A listed check that passes fails the run: remove it then.',
    );
  }
  if (failing.length > 0) {
    if (out.length > 0 && out[out.length - 1]!.trim() !== '') out.push('');
    out.push(`# added by --update-expected-failures on ${now.toISOString().slice(0, 10)}`);
    for (const r of failing) {
      const note = firstLine(r.detail).slice(0, 120);
      out.push(note ? `${r.id}  ${note}` : r.id);
    }
  }
  return { added, removed, text: out.length > 0 ? `${out.join('\n')}\n` : '' };
}

/** Rewrites the file for the results (after copying it to FILE.bak). */
export async function updateExpectedFailuresFile(
  list: ExpectedFailures,
  results: readonly CheckResult[],
): Promise<UpdateSummary> {
  const { added, removed, text } = updatedList(list, results);
  let backup: string | undefined;
  let existed = true;
  try {
    await copyFile(list.file, `${list.file}.bak`);
    backup = `${list.file}.bak`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    existed = false;
  }
  if (existed || added.length > 0) await writeFile(list.file, text, 'utf8');
  return { added, removed, text, ...(backup ? { backup } : {}) };
}

function firstLine(text: string): string {
  return (text.split(/\r?\n/, 1)[0] ?? '').trim();
}
