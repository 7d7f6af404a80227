// Shared by the spec tests: a throw-away copy of specs/ that a test may break.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SPECS_DIR, SpecProblems } from '../../src/spec/load.ts';

export const AWS_SDK_MODEL = join(
  DEFAULT_SPECS_DIR,
  '../node_modules/aws-sdk/apis/mturk-requester-2017-01-17.min.json',
);

/** Copy specs/ to a fresh temporary directory; `cleanup` removes it. */
export function copySpecs(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mturk-specs-'));
  cpSync(DEFAULT_SPECS_DIR, dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Edit one JSON file of a specs copy in place. */
// biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary JSON
export function editJson(dir: string, file: string, edit: (doc: any) => void): void {
  const path = join(dir, file);
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  edit(doc);
  writeFileSync(path, JSON.stringify(doc, null, 2));
}

/** Run `f`, which must throw SpecProblems; return its problems. */
export function problemsOf(f: () => unknown): SpecProblems['problems'] {
  try {
    f();
  } catch (e) {
    if (e instanceof SpecProblems) return e.problems;
    throw e;
  }
  throw new Error('expected SpecProblems, but the specs loaded');
}
