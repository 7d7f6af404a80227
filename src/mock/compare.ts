// Structural comparison of member values as a client's user sees them,
// guided by the resolved members: timestamps compare as instants, and where
// the protocol cannot tell an empty list from an absent one, they are equal.
import type { ResolvedMember } from '../spec/types.ts';

export interface CompareOptions {
  /** The wire cannot carry an empty list (legacy repeated elements): [] equals absent. */
  emptyListIsAbsent?: boolean;
}

function instant(v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  if (typeof v === 'number') return v * 1000;
  return undefined;
}

function show(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  const s = JSON.stringify(v);
  return s === undefined ? 'absent' : s.length > 120 ? `${s.slice(0, 120)}…` : s;
}

function isAbsent(v: unknown, m: ResolvedMember | undefined, opts: CompareOptions): boolean {
  if (v === undefined || v === null) return true;
  return opts.emptyListIsAbsent === true && m?.type === 'list' && Array.isArray(v) && v.length === 0;
}

/** Differences between what was expected and what was seen, one line each ([] when equal). */
export function diffValue(
  expected: unknown,
  actual: unknown,
  m: ResolvedMember | undefined,
  path: string,
  opts: CompareOptions = {},
): string[] {
  const ea = isAbsent(expected, m, opts);
  const aa = isAbsent(actual, m, opts);
  if (ea && aa) return [];
  if (ea !== aa) return [`${path}: expected ${show(expected)}, got ${show(actual)}`];
  if (m?.type === 'timestamp') {
    const e = instant(expected);
    const a = instant(actual);
    if (e === undefined || a === undefined || e !== a)
      return [`${path}: expected the instant ${show(expected)}, got ${show(actual)}`];
    return [];
  }
  if (
    m?.type === 'structure' ||
    (m === undefined && typeof expected === 'object' && !Array.isArray(expected))
  )
    return diffRecord(expected as Record<string, unknown>, actual, m?.members ?? [], path, opts);
  if (m?.type === 'list' || Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected a list ${show(expected)}, got ${show(actual)}`];
    const e = expected as unknown[];
    if (e.length !== actual.length)
      return [`${path}: expected ${e.length} items, got ${actual.length} (${show(actual)})`];
    return e.flatMap((x, i) => diffValue(x, actual[i], m?.item, `${path}[${i}]`, opts));
  }
  if (typeof expected === 'number' && typeof actual === 'number' && expected === actual) return [];
  if (expected === actual) return [];
  return [`${path}: expected ${show(expected)}, got ${show(actual)}`];
}

/** Compares two member records; members not in the spec are compared structurally. */
export function diffRecord(
  expected: Record<string, unknown>,
  actual: unknown,
  members: ResolvedMember[],
  path: string,
  opts: CompareOptions = {},
): string[] {
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
    return [`${path || 'value'}: expected a structure ${show(expected)}, got ${show(actual)}`];
  const byName = new Map(members.map((x) => [x.name, x]));
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual as Record<string, unknown>)]);
  const out: string[] = [];
  for (const k of keys)
    out.push(
      ...diffValue(
        expected[k],
        (actual as Record<string, unknown>)[k],
        byName.get(k),
        path ? `${path}.${k}` : k,
        opts,
      ),
    );
  return out;
}
