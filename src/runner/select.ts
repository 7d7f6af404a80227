// Selecting checks: --check takes ids or globs (`*` matches within and across
// the parts of an id), and --shard i/n takes every n-th check of the sorted id
// list, so n shards of one run together hold each check exactly once.
import { escapeRegExp } from '../spec/resolve.ts';
import { RunError } from './types.ts';

function patternSource(pattern: string): string {
  return pattern.split('*').map(escapeRegExp).join('\\S*');
}

export interface CheckSelection {
  matches: (id: string) => boolean;
  /** for vitest's testNamePattern (matched against the full name, "describe names + test name") */
  testNamePattern: RegExp | undefined;
}

export function checkSelection(patterns: readonly string[] | undefined): CheckSelection {
  const list = (patterns ?? [])
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
  if (list.length === 0) return { matches: () => true, testNamePattern: undefined };
  for (const p of list) {
    if (/\s/.test(p)) throw new RunError(`--check ${JSON.stringify(p)}: a check id has no spaces`);
  }
  const body = list.map(patternSource).join('|');
  const exact = new RegExp(`^(?:${body})$`);
  return { matches: (id) => exact.test(id), testNamePattern: new RegExp(`(?:^|\\s)(?:${body})$`) };
}

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new RunError(`--shard ${JSON.stringify(text)}: expected i/n, e.g. 1/3`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) {
    throw new RunError(`--shard ${text}: i must be between 1 and n (got ${index} of ${count})`);
  }
  return { index, count };
}

/** The ids that belong to shard i of n: every n-th id of the sorted, de-duplicated list. */
export function shardIds(ids: Iterable<string>, shard: Shard): Set<string> {
  const sorted = [...new Set(ids)].sort();
  return new Set(sorted.filter((_, i) => i % shard.count === shard.index - 1));
}
