// fast-check arbitraries for single member values, composed from the resolved
// member (type + constraints). Nothing here knows an operation or a member name.
import fc from 'fast-check';
import type { Constraint, ResolvedMember } from '../spec/types.ts';
import { generateExact, lengthRange, parsePattern, prng } from './regex.ts';

/** How long a string may get when the spec sets no upper bound. */
export const FREE_STRING_MAX = 48;

export interface ValueOptions {
  /** Generate at least one code point for strings without a minimum (required members). */
  nonEmpty?: boolean;
  /** Do not prefer values at the limits (output values for the mock). */
  plain?: boolean;
}

type Length = Extract<Constraint, { kind: 'length' }>;
type Range = Extract<Constraint, { kind: 'range' }>;

export function constraintsOf<K extends Constraint['kind']>(
  m: ResolvedMember,
  kind: K,
): Extract<Constraint, { kind: K }>[] {
  return m.constraints.filter((c): c is Extract<Constraint, { kind: K }> => c.kind === kind);
}

/** Code points that are never generated for free text: C0 controls but tab and newline, CR (XML
 * normalises it), surrogates and the two non-characters; plus whatever the member bans. */
export function isGeneratable(cp: number, banned: [number, number][]): boolean {
  if (cp < 0x20 && cp !== 9 && cp !== 10) return false;
  if (cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0xfffe || cp === 0xffff) return false;
  return !banned.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/** Printable ASCII mostly, then Latin/Greek/Cyrillic (2-byte), CJK (3-byte) and emoji (astral, 4-byte). */
export function codePointArb(banned: [number, number][] = []): fc.Arbitrary<number> {
  return fc
    .oneof(
      { arbitrary: fc.integer({ min: 0x21, max: 0x7e }), weight: 8 },
      { arbitrary: fc.constantFrom(0x20, 0x09, 0x0a), weight: 1 },
      { arbitrary: fc.integer({ min: 0xa1, max: 0x4ff }), weight: 2 },
      { arbitrary: fc.integer({ min: 0x4e00, max: 0x9fff }), weight: 1 },
      { arbitrary: fc.integer({ min: 0x1f300, max: 0x1f64f }), weight: 2 },
    )
    .filter((cp) => isGeneratable(cp, banned));
}

function bannedRanges(m: ResolvedMember): [number, number][] {
  return constraintsOf(m, 'forbiddenCodePoints').flatMap((c) => c.ranges);
}

/** The tightest [min, max] code-point length the member's length constraints allow. */
export function lengthBounds(m: ResolvedMember): { min: number; max: number | undefined } {
  let min = 0;
  let max: number | undefined;
  for (const c of constraintsOf(m, 'length') as Length[]) {
    if (c.unit !== 'codepoint') continue;
    if (c.min !== undefined) min = Math.max(min, c.min);
    if (c.max !== undefined) max = max === undefined ? c.max : Math.min(max, c.max);
  }
  return { min, max };
}

export function byteBound(m: ResolvedMember): number | undefined {
  const bs = (constraintsOf(m, 'length') as Length[]).filter((c) => c.unit === 'byte' && c.max !== undefined);
  return bs.length ? Math.min(...bs.map((c) => c.max!)) : undefined;
}

/** Strings matched by `pattern` with a code-point length in [min, max] (max defaults to min + 16). */
export function patternString(
  pattern: string,
  bounds: { min?: number; max?: number } = {},
  plain = false,
): fc.Arbitrary<string> {
  const ast = parsePattern(pattern);
  const [pmin, pmax] = lengthRange(ast);
  const lo = Math.max(pmin, bounds.min ?? 0);
  const hi = Math.min(pmax, bounds.max ?? lo + 16);
  if (lo > hi)
    throw new Error(`pattern ${pattern} cannot produce a value of ${bounds.min}..${bounds.max} code points`);
  const re = new RegExp(pattern, 'u');
  const len = plain
    ? fc.integer({ min: lo, max: hi })
    : fc.oneof(fc.constant(hi), fc.constant(lo), fc.integer({ min: lo, max: hi }));
  return fc.tuple(len, fc.integer({ min: 0, max: 0x7fffffff })).map(([l, seed]) => {
    const rnd = prng(seed);
    for (let attempt = 0; attempt < 20; attempt++) {
      const s = generateExact(ast, l, rnd) ?? generateExact(ast, lo, rnd);
      if (s !== undefined && re.test(s)) return s;
    }
    throw new Error(`could not generate a value for pattern ${pattern} with ${l} code points`);
  });
}

/** Free text of [min, max] code points avoiding the banned ones; at-limit lengths are favoured. */
export function freeString(
  min: number,
  max: number | undefined,
  banned: [number, number][] = [],
  plain = false,
  maxBytes?: number,
): fc.Arbitrary<string> {
  const cp = codePointArb(banned);
  const hi = max ?? Math.max(min, FREE_STRING_MAX);
  const mk = (a: number, b: number) =>
    fc.array(cp, { minLength: a, maxLength: b }).map((cps) => String.fromCodePoint(...cps));
  const small = mk(min, Math.min(hi, Math.max(min, FREE_STRING_MAX)));
  let arb = plain || max === undefined ? small : fc.oneof(small, mk(hi, hi), mk(min, min));
  if (maxBytes !== undefined) arb = arb.map((s) => trimToBytes(s, maxBytes, min));
  return arb;
}

function trimToBytes(s: string, maxBytes: number, min: number): string {
  const cps = [...s];
  while (cps.length > min && Buffer.byteLength(cps.join(''), 'utf8') > maxBytes) cps.pop();
  return cps.join('');
}

function numberArb(m: ResolvedMember, plain: boolean): fc.Arbitrary<number> {
  let min = m.type === 'long' ? -(2 ** 40) : -(2 ** 31);
  let max = m.type === 'long' ? 2 ** 40 : 2 ** 31 - 1;
  for (const c of constraintsOf(m, 'range') as Range[]) {
    if (c.min !== undefined) min = Math.max(min, c.min);
    if (c.max !== undefined) max = Math.min(max, c.max);
  }
  const int = fc.integer({ min, max });
  return plain ? int : fc.oneof(fc.constant(min), fc.constant(max), int);
}

/** Dates of whole seconds between 2001 and 2035 (both wire formats carry seconds exactly). */
export function timestampArb(): fc.Arbitrary<Date> {
  return fc.integer({ min: 978307200, max: 2051222400 }).map((s) => new Date(s * 1000));
}

/** Does the value hold a string, number, boolean or date anywhere (does it reach the legacy wire)? */
export function carriesValue(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (Array.isArray(v)) return v.some(carriesValue);
  if (v instanceof Date) return true;
  if (typeof v === 'object') return Object.values(v).some(carriesValue);
  return true;
}

/** Any value the member's constraints allow. */
export function validValue(m: ResolvedMember, opts: ValueOptions = {}): fc.Arbitrary<unknown> {
  const plain = opts.plain === true;
  switch (m.type) {
    case 'string': {
      const enums = constraintsOf(m, 'enum');
      if (enums.length) {
        const values = enums.map((e) => e.values).reduce((a, b) => a.filter((v) => b.includes(v)));
        if (!values.length) throw new Error(`member ${m.name}: its enum constraints leave no value`);
        return fc.constantFrom(...values);
      }
      const { min, max } = lengthBounds(m);
      const lo = opts.nonEmpty ? Math.max(1, min) : min;
      const patterns = constraintsOf(m, 'pattern');
      if (patterns.length > 1) {
        const res = patterns.map((p) => new RegExp(p.pattern, 'u'));
        return patternString(
          patterns[0]!.pattern,
          { min: lo, ...(max !== undefined ? { max } : {}) },
          plain,
        ).filter((s) => res.every((r) => r.test(s)));
      }
      if (patterns.length === 1)
        return patternString(patterns[0]!.pattern, { min: lo, ...(max !== undefined ? { max } : {}) }, plain);
      return freeString(lo, max, bannedRanges(m), plain, byteBound(m));
    }
    case 'integer':
    case 'long':
      return numberArb(m, plain);
    case 'boolean':
      return fc.boolean();
    case 'timestamp':
      return timestampArb();
    case 'structure': {
      const members = m.members ?? [];
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const x of members) model[x.name] = validValue(x, { ...opts, nonEmpty: x.required });
      return fc.record(model, { requiredKeys: members.filter((x) => x.required).map((x) => x.name) });
    }
    case 'list': {
      if (!m.item) return fc.constant([]);
      const items = m.constraints.filter((c) => c.kind === 'length' && c.unit === 'item');
      // a required list has an item: the legacy wire cannot tell an empty list from a missing one
      const minLength = Math.max(
        opts.nonEmpty ? 1 : 0,
        ...items.map((c) => (c.kind === 'length' ? (c.min ?? 0) : 0)),
      );
      const maxLength = Math.min(3, ...items.map((c) => (c.kind === 'length' ? (c.max ?? 3) : 3)));
      // an item with nothing in it reaches no legacy parameter, so the items after it would shift
      const item =
        m.item.type === 'structure' && m.item.members?.length
          ? validValue(m.item, opts).filter(carriesValue)
          : validValue(m.item, opts);
      return fc.array(item, { minLength: Math.min(minLength, maxLength), maxLength });
    }
  }
}

/** A value for an output member, as a server (or the mock) would send it; no bias to limits. */
export function outputValue(m: ResolvedMember): fc.Arbitrary<unknown> {
  return validValue(m, { plain: true });
}
