// A tiny generator for the regular-expression subset the specs use in
// `pattern` constraints and `idFormat`s: anchors, literals, escaped literals,
// \d, character classes with ranges, groups with alternation, and the
// quantifiers ? * + {n} {n,} {n,m}. Anything else fails loudly, so a new spec
// with richer syntax is noticed instead of silently producing bad values.

export type RegexNode =
  | { k: 'set'; chars: number[] }
  | { k: 'seq'; items: RegexNode[] }
  | { k: 'alt'; options: RegexNode[] }
  | { k: 'rep'; node: RegexNode; min: number; max: number };

export class UnsupportedPattern extends Error {
  constructor(pattern: string, why: string) {
    super(`pattern ${JSON.stringify(pattern)} uses syntax the value generator does not support: ${why}`);
    this.name = 'UnsupportedPattern';
  }
}

const DIGITS = range(0x30, 0x39);
const WORD = [...range(0x41, 0x5a), ...range(0x61, 0x7a), ...DIGITS, 0x5f];

function range(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let c = lo; c <= hi; c++) out.push(c);
  return out;
}

export function parsePattern(pattern: string): RegexNode {
  const cps = [...pattern];
  let i = 0;
  const fail = (why: string): never => {
    throw new UnsupportedPattern(pattern, why);
  };
  const peek = () => cps[i];

  const parseAlt = (): RegexNode => {
    const options: RegexNode[] = [parseSeq()];
    while (peek() === '|') {
      i++;
      options.push(parseSeq());
    }
    return options.length === 1 ? options[0]! : { k: 'alt', options };
  };
  const parseSeq = (): RegexNode => {
    const items: RegexNode[] = [];
    while (i < cps.length && peek() !== '|' && peek() !== ')') {
      const c = peek()!;
      if (c === '^') {
        if (i !== 0) fail('^ not at the start');
        i++;
        continue;
      }
      if (c === '$') {
        if (i !== cps.length - 1) fail('$ not at the end');
        i++;
        continue;
      }
      let atom = parseAtom();
      atom = parseQuantifier(atom);
      items.push(atom);
    }
    return items.length === 1 ? items[0]! : { k: 'seq', items };
  };
  const parseEscape = (inClass: boolean): number[] => {
    i++;
    const e = cps[i++];
    if (e === undefined) return fail('trailing backslash');
    if (e === 'd') return DIGITS;
    if (e === 'w') return WORD;
    if (/^[.\\\-[\]()^$*+?{}|/]$/.test(e)) return [e.codePointAt(0)!];
    if (inClass && e === 'n') return [10];
    return fail(`escape \\${e}`);
  };
  const parseAtom = (): RegexNode => {
    const c = peek()!;
    if (c === '(') {
      i++;
      if (peek() === '?') {
        if (cps[i + 1] === ':') i += 2;
        else fail('group modifiers');
      }
      const inner = parseAlt();
      if (peek() !== ')') fail('unclosed group');
      i++;
      return inner;
    }
    if (c === '[') return parseClass();
    if (c === '\\') return { k: 'set', chars: parseEscape(false) };
    if (c === '.') return fail('the wildcard .');
    if ('*+?{'.includes(c)) return fail(`quantifier ${c} without an atom`);
    i++;
    return { k: 'set', chars: [c.codePointAt(0)!] };
  };
  const parseClass = (): RegexNode => {
    i++;
    if (peek() === '^') fail('negated character classes');
    const chars = new Set<number>();
    while (i < cps.length && peek() !== ']') {
      let lo: number[];
      if (peek() === '\\') lo = parseEscape(true);
      else lo = [cps[i++]!.codePointAt(0)!];
      if (peek() === '-' && cps[i + 1] !== ']' && cps[i + 1] !== undefined && lo.length === 1) {
        i++;
        let hi: number[];
        if (peek() === '\\') hi = parseEscape(true);
        else hi = [cps[i++]!.codePointAt(0)!];
        if (hi.length !== 1 || hi[0]! < lo[0]!) fail('bad class range');
        for (const c of range(lo[0]!, hi[0]!)) chars.add(c);
      } else for (const c of lo) chars.add(c);
    }
    if (peek() !== ']') fail('unclosed character class');
    i++;
    if (chars.size === 0) fail('empty character class');
    return { k: 'set', chars: [...chars].sort((a, b) => a - b) };
  };
  const parseQuantifier = (atom: RegexNode): RegexNode => {
    const c = peek();
    let q: { min: number; max: number } | undefined;
    if (c === '?') q = { min: 0, max: 1 };
    else if (c === '*') q = { min: 0, max: Number.POSITIVE_INFINITY };
    else if (c === '+') q = { min: 1, max: Number.POSITIVE_INFINITY };
    if (q) i++;
    else if (c === '{') {
      const rest = cps.slice(i).join('');
      const m = /^\{(\d+)(,(\d*))?\}/.exec(rest);
      if (!m) return fail('malformed {n,m} quantifier');
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
      q = { min, max };
      i += m[0].length;
    }
    if (!q) return atom;
    if (peek() === '?' || peek() === '+') fail('lazy or possessive quantifiers');
    if ('*+?{'.includes(peek() ?? '')) fail('stacked quantifiers');
    return { k: 'rep', node: atom, ...q };
  };

  const node = parseAlt();
  if (i !== cps.length) fail(`unexpected ${cps[i]}`);
  return node;
}

/** The [min, max] length in code points of what a node matches. */
export function lengthRange(n: RegexNode): readonly [number, number] {
  let r = ranges.get(n);
  if (!r) {
    r = rangeOf(n);
    ranges.set(n, r);
  }
  return r;
}

// A node's range is asked for at every step of a generation, and each answer walked the whole
// subtree again: parsed nodes are never changed, so each is worked out once.
const ranges = new WeakMap<RegexNode, readonly [number, number]>();

function rangeOf(n: RegexNode): readonly [number, number] {
  switch (n.k) {
    case 'set':
      return [1, 1];
    case 'seq':
      return n.items.map(lengthRange).reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
    case 'alt': {
      const rs = n.options.map(lengthRange);
      return [Math.min(...rs.map((r) => r[0])), Math.max(...rs.map((r) => r[1]))];
    }
    case 'rep': {
      const [a, b] = lengthRange(n.node);
      return [a * n.min, n.max === 0 || b === 0 ? 0 : b * n.max];
    }
  }
}

/** A small deterministic PRNG (mulberry32) so fast-check only has to drive one integer seed. */
export function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return Math.floor(r * n);
  };
}

/** A string of exactly `len` code points matched by the node, or undefined when there is none. */
export function generateExact(n: RegexNode, len: number, rnd: (n: number) => number): string | undefined {
  return gen(n, len, rnd, { steps: 5000 });
}

interface Budget {
  steps: number;
}

/** Integers lo..hi starting at a random one (wrapping), at most `cap` of them. */
function orderFrom(lo: number, hi: number, rnd: (n: number) => number, cap = 64): number[] {
  const count = hi - lo + 1;
  if (count <= 0) return [];
  const start = rnd(count);
  const out: number[] = [];
  for (let k = 0; k < Math.min(count, cap); k++) out.push(lo + ((start + k) % count));
  return out;
}

function gen(n: RegexNode, len: number, rnd: (n: number) => number, budget: Budget): string | undefined {
  if (--budget.steps < 0) return undefined;
  const [lo, hi] = lengthRange(n);
  if (len < lo || len > hi) return undefined;
  switch (n.k) {
    case 'set':
      return String.fromCodePoint(n.chars[rnd(n.chars.length)]!);
    case 'seq':
      return genParts(n.items, len, rnd, budget);
    case 'alt': {
      const fits = n.options.filter((o) => {
        const [a, b] = lengthRange(o);
        return len >= a && len <= b;
      });
      for (const k of orderFrom(0, fits.length - 1, rnd)) {
        const s = gen(fits[k]!, len, rnd, budget);
        if (s !== undefined) return s;
      }
      return undefined;
    }
    case 'rep': {
      const [a, b] = lengthRange(n.node);
      const counts: number[] = [];
      for (let c = n.min; c <= Math.min(n.max, len + 1); c++)
        if (c === 0 ? len === 0 : c * a <= len && len <= c * b) counts.push(c);
      for (const k of orderFrom(0, counts.length - 1, rnd)) {
        const s = genParts(
          Array.from({ length: counts[k]! }, () => n.node),
          len,
          rnd,
          budget,
        );
        if (s !== undefined) return s;
      }
      return undefined;
    }
  }
}

/** Split `len` over the items (backtracking over the first item's share), each generated exactly. */
function genParts(
  items: RegexNode[],
  len: number,
  rnd: (n: number) => number,
  budget: Budget,
): string | undefined {
  // the least and most the items from i on can take (one pass, not a sum over the rest per item)
  const minFrom = new Array<number>(items.length + 1).fill(0);
  const maxFrom = new Array<number>(items.length + 1).fill(0);
  for (let i = items.length - 1; i >= 0; i--) {
    const [a, b] = lengthRange(items[i]!);
    minFrom[i] = minFrom[i + 1]! + a;
    maxFrom[i] = maxFrom[i + 1]! + b;
  }
  const from = (i: number, left: number): string | undefined => {
    if (i === items.length) return left === 0 ? '' : undefined;
    if (budget.steps < 0) return undefined;
    const [a, b] = lengthRange(items[i]!);
    const lo = Math.max(a, left - maxFrom[i + 1]!);
    const hi = Math.min(b, left - minFrom[i + 1]!);
    for (const first of orderFrom(lo, hi, rnd, 16)) {
      const head = gen(items[i]!, first, rnd, budget);
      if (head === undefined) continue;
      const tail = from(i + 1, left - first);
      if (tail !== undefined) return head + tail;
      if (budget.steps < 0) return undefined;
    }
    return undefined;
  };
  return from(0, len);
}

/** Every character a pattern can produce at any position (used to find characters outside it). */
export function alphabet(n: RegexNode): Set<number> {
  const out = new Set<number>();
  const walk = (x: RegexNode) => {
    if (x.k === 'set') for (const c of x.chars) out.add(c);
    else if (x.k === 'seq') x.items.forEach(walk);
    else if (x.k === 'alt') x.options.forEach(walk);
    else walk(x.node);
  };
  walk(n);
  return out;
}
