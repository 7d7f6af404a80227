// The expected-failures list: check ids one a line, `#` starts a comment
// line, and anything after the id (separated by white space) is a message
// for people ("tracked in #123"). A listed check that fails is reported as
// `expected-failure` and does not fail the run; a listed check that passes
// fails the run, so the list shrinks as the target improves.
import { constants } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { firstLine } from '../report/merge.ts';
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

/** Characters that would split or hide a line in an editor but not in this parser (or the reverse). */
const BAD_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085\u2028\u2029]/;

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function parseExpectedFailures(text: string, file: string): ExpectedFailures {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  // A lone CR (old Mac line ends) would make the whole file one line: say so rather than guess.
  const loneCr = /\r(?!\n)/.exec(body);
  if (loneCr) {
    const line = body.slice(0, loneCr.index).split('\n').length;
    throw new RunError(
      `${file}:${line}: a line ends with a lone carriage return (CR): save the file with LF or CRLF line ends`,
    );
  }
  const lines = body.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const entries = new Map<string, ExpectedFailure>();
  lines.forEach((raw, i) => {
    const bad = BAD_CHARACTER.exec(raw);
    if (bad) {
      throw new RunError(
        `${file}:${i + 1}: holds the control or separator character ${codePoint(bad[0])}: one check id a line, plain text only`,
      );
    }
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(line);
    const id = match?.[1] ?? line;
    if (!/^[^/\s]+\/[^/\s]+\/\S+$/.test(id)) {
      throw new RunError(
        `${file}:${i + 1}: ${JSON.stringify(id)} is not a check id (<api>/<Operation>/<check>)`,
      );
    }
    const message = match?.[2]?.replace(/^#\s*/, '').trim();
    entries.set(id, { id, line: i + 1, ...(message ? { message } : {}) });
  });
  return { file, entries, lines };
}

/** The file's bytes as text: UTF-8 (a BOM is fine); UTF-16 or other encodings are refused by name. */
export function decodeExpectedFailures(bytes: Uint8Array, file: string): string {
  const utf16Bom =
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
  if (utf16Bom || bytes.includes(0)) {
    throw new RunError(
      `${file}: looks like UTF-16 (${utf16Bom ? 'byte-order mark' : 'NUL bytes'}): save it as UTF-8`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RunError(`${file}: is not UTF-8 text: save it as UTF-8`);
  }
}

export async function loadExpectedFailures(file: string, options: { mayBeMissing?: boolean } = {}) {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && options.mayBeMissing) return parseExpectedFailures('', file);
    throw new RunError(
      `cannot read --expected-failures ${file} (${code === 'ENOENT' ? 'no such file' : (code ?? String(error))})`,
    );
  }
  return parseExpectedFailures(decodeExpectedFailures(bytes, file), file);
}

/**
 * Listed ids whose API version or operation the specs do not know (a typo, or an operation of the
 * other API version): one warning line each, with the nearest known name when there is one.
 */
export function unknownOperationWarnings(
  list: ExpectedFailures,
  known: Record<string, readonly string[]>,
): string[] {
  const out: string[] = [];
  for (const entry of list.entries.values()) {
    const [api = '', operation = ''] = entry.id.split('/');
    const operations = known[api];
    if (!operations) {
      const guess = nearest(api, Object.keys(known));
      out.push(
        `${list.file}:${entry.line}: unknown API version ${JSON.stringify(api)} in ${entry.id}${guess ? ` (did you mean ${guess}?)` : ''}`,
      );
    } else if (!operations.includes(operation)) {
      const guess = nearest(operation, operations);
      out.push(
        `${list.file}:${entry.line}: ${api} has no operation ${JSON.stringify(operation)} (${entry.id})${guess ? `; did you mean ${guess}?` : ''}`,
      );
    }
  }
  return out;
}

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[y.length]!;
}

/** The known name closest to `word`, when it is close enough to be a likely typo. */
export function nearest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
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
      const note = firstLine(r.detail).trim().slice(0, 120);
      out.push(note ? `${r.id}  ${note}` : r.id);
    }
  }
  return { added, removed, text: out.length > 0 ? `${out.join('\n')}\n` : '' };
}

/** Rewrites the file for the results (after copying it to FILE.bak, or FILE.bak.N when that exists). */
export async function updateExpectedFailuresFile(
  list: ExpectedFailures,
  results: readonly CheckResult[],
): Promise<UpdateSummary> {
  const { added, removed, text } = updatedList(list, results);
  let backup: string | undefined;
  let existed = true;
  // FILE.bak, else FILE.bak.1, .2, …: a copy already there may be the user's own and is never replaced.
  for (let n = 0; backup === undefined && existed; n++) {
    const name = n === 0 ? `${list.file}.bak` : `${list.file}.bak.${n}`;
    try {
      await copyFile(list.file, name, constants.COPYFILE_EXCL);
      backup = name;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') existed = false;
      else if (code !== 'EEXIST' || n >= 1000) throw error;
    }
  }
  if (existed || added.length > 0) await writeFile(list.file, text, 'utf8');
  return { added, removed, text, ...(backup ? { backup } : {}) };
}
