// Whole operation inputs: valid ones (optional members present and absent, id
// members filled from provider-state ids) and one-violation cases, each
// breaking exactly one constraint of one member.
import fc from 'fast-check';
import { chargedMembers, modestAmount } from '../rules/charge.ts';
import { freshToken, freshTokens, tokenMembers, tokenValue } from '../rules/token.ts';
import { whenMembers } from '../rules/when.ts';
import { constraintKey, inputMembers, moneyValue, stateValueFor, violationOf } from '../spec/resolve.ts';
import type {
  Basis,
  Constraint,
  ExclusiveGroup,
  OperationSpec,
  ResolvedMember,
  SpecSet,
} from '../spec/types.ts';
import { alphabet, parsePattern } from './regex.ts';
import {
  carriesValue,
  constraintsOf,
  freeString,
  lengthBounds,
  patternString,
  validValue,
} from './values.ts';

export interface InputOptions {
  /** Values from a provider state, by member name (AssignmentId, QualificationTypeId, ...). */
  ids?: Record<string, string>;
  /** Only the required members (plus `fixed`). */
  requiredOnly?: boolean;
  /** Members to leave out. */
  omit?: string[];
  /** Members with a fixed value (merged last). */
  fixed?: Record<string, unknown>;
}

/** Members whose values only a server can issue (pagination tokens): never generated. */
export function serverIssuedMembers(op: OperationSpec): string[] {
  return op.behaviour.rules.flatMap((r) => (r.pagination?.token ? [r.pagination.token] : []));
}

export function validInput(
  set: SpecSet,
  op: OperationSpec,
  opts: InputOptions = {},
): fc.Arbitrary<Record<string, unknown>> {
  const ids = opts.ids ?? {};
  const omit = new Set([...(opts.omit ?? []), ...serverIssuedMembers(op), ...Object.keys(opts.fixed ?? {})]);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  const charged = new Set(chargedMembers(op));
  const tokens = new Set(tokenMembers(op));
  // a member a rule's `when` names is never invented (a HITTypeId must name a type): ids give it
  const chosen = new Set(whenMembers(op));
  // members needed without another are always generated (the other may be given by the ids)
  const needed = new Set((op.input.requiredWithout ?? []).flatMap((g) => g.members));
  for (const m of inputMembers(set, op)) {
    if (omit.has(m.name)) continue;
    const id = stateValueFor(set, op.api, m.name, ids);
    if (chosen.has(m.name) && id === undefined) continue;
    if (opts.requiredOnly && !m.required && !needed.has(m.name) && !chosen.has(m.name)) continue;
    model[m.name] =
      id !== undefined
        ? fc.constant(id)
        : charged.has(m.name)
          ? modestAmount().map((a) => moneyValue(set, m, a))
          : tokens.has(m.name)
            ? tokenValue(lengthBounds(m))
            : validValue(m, { nonEmpty: m.required });
    if (m.required || needed.has(m.name) || (chosen.has(m.name) && id !== undefined)) required.push(m.name);
  }
  const groups = (op.input.exclusive ?? []).filter((g) => g.members.some((m) => !omit.has(m)));
  // an exactly-one group has all its members generated (even in a required-only input); keepOne picks one
  for (const g of groups.filter((x) => x.exactlyOne))
    for (const name of g.members) {
      const m = inputMembers(set, op).find((x) => x.name === name);
      if (!m || omit.has(name)) continue;
      model[name] ??= validValue(m, { nonEmpty: true });
      required.push(name);
    }
  return fc
    .tuple(
      fc.record(model, { requiredKeys: required }),
      fc.tuple(...groups.map((g) => fc.nat(g.members.length - 1))),
    )
    .map(([input, picks]) => {
      const out: Record<string, unknown> = { ...input };
      groups.forEach((g, i) => {
        keepOne(out, g, picks[i]!, opts.fixed ?? {});
      });
      // ids handed in stay as they are; only generated tokens are freshened (an impure map on
      // purpose: each generated value gets a new token)
      const given = Object.fromEntries(
        Object.keys(out)
          .filter((k) => ids[k] !== undefined)
          .map((k) => [k, ids[k]]),
      );
      return { ...freshTokens(op, out), ...given, ...(opts.fixed ?? {}) } as Record<string, unknown>;
    });
}

/** One member of an exclusive group stays (the picked one, when it was generated); the others go. */
function keepOne(
  input: Record<string, unknown>,
  g: ExclusiveGroup,
  pick: number,
  fixed: Record<string, unknown>,
): void {
  const present = g.members.filter((m) => input[m] !== undefined || fixed[m] !== undefined);
  const fromFixed = present.find((m) => fixed[m] !== undefined);
  const keep = fromFixed ?? (g.exactlyOne ? present[pick % Math.max(1, present.length)] : g.members[pick]);
  for (const m of g.members) if (m !== keep) delete input[m];
}

export interface ViolationCase {
  /** constraintKey(path, constraint), `<path>.required` or `<path>.type`; a path goes into
   * structures (`Reward.Amount`) and list items (`QualificationRequirements[].Comparator`) */
  key: string;
  /** where the broken value is, readable (`QualificationRequirements[0].Comparator`); the member when top-level */
  where?: string;
  /** the basis of what is broken when it is not a constraint or the top-level member (nested, groups) */
  basis?: Basis;
  /** what exactly is broken, e.g. "length.max+1" */
  label: string;
  member: string;
  input: Record<string, unknown>;
  /** error id in errors.json */
  expectError: string;
  constraint?: Constraint;
  /** spec file + JSON pointer of the broken rule */
  source: string;
}

/** The file + JSON pointer where a member's constraint is written (operation file or shapes file). */
export function constraintSource(set: SpecSet, op: OperationSpec, member: string, c: Constraint): string {
  const opFile = set.files.get(op) ?? `${op.api}/${op.operation}.json`;
  const ms = op.input.members[member] ?? op.output.members[member];
  const i = ms?.constraints?.indexOf(c) ?? -1;
  if (ms && i >= 0) return `${opFile}#/input/members/${member}/constraints/${i}`;
  const shapes = set.apis[op.api].shapes;
  const shape = ms ? shapes.shapes[ms.shape] : undefined;
  const j = shape?.constraints?.indexOf(c) ?? -1;
  return `${set.files.get(shapes) ?? `shapes/${op.api}.json`}#/shapes/${ms?.shape}/constraints/${j}`;
}

function sampleOne<T>(arb: fc.Arbitrary<T>, seed: number): T {
  return fc.sample(arb, { seed, numRuns: 1 })[0] as T;
}

/** Does the value break this constraint and no other constraint of the member? */
function breaksOnly(value: unknown, m: ResolvedMember, c: Constraint): boolean {
  const broken = violationOf(value, { ...m, constraints: [c] });
  const others = violationOf(value, { ...m, constraints: m.constraints.filter((x) => x !== c) });
  return broken !== undefined && others === undefined;
}

/** Does the value break this constraint (possibly others too)? */
function breaks(value: unknown, m: ResolvedMember, c: Constraint): boolean {
  return violationOf(value, { ...m, constraints: [c] }) !== undefined;
}

/** A string of exactly n code points valid for the member except for the length. */
function stringOfLength(m: ResolvedMember, n: number, seed: number): string {
  const pattern = constraintsOf(m, 'pattern')[0];
  if (pattern) {
    try {
      return sampleOne(patternString(pattern.pattern, { min: n, max: n }, true), seed);
    } catch {
      /* the pattern cannot reach that length: fall back to free text */
    }
  }
  const banned = constraintsOf(m, 'forbiddenCodePoints').flatMap((c) => c.ranges);
  return sampleOne(freeString(n, n, banned, true), seed);
}

function stringValueCases(
  m: ResolvedMember,
  c: Constraint,
  seed: number,
): { label: string; value: unknown }[] {
  const out: { label: string; value: unknown }[] = [];
  switch (c.kind) {
    case 'length': {
      if (c.max !== undefined) {
        const free = !constraintsOf(m, 'pattern').length;
        if (c.unit === 'codepoint' && free) {
          // simplest first (the first failing case is the one reported), then the tricky ones:
          // astral characters are two UTF-16 units each, mixed text has 1- to 4-byte characters
          out.push({ label: 'length.max+1', value: 'a'.repeat(c.max + 1) });
          out.push({ label: 'length.max+1.astral', value: String.fromCodePoint(0x1f600).repeat(c.max + 1) });
          out.push({ label: 'length.max+1.mixed', value: stringOfLength(m, c.max + 1, seed) });
        } else if (c.unit === 'codepoint')
          out.push({ label: 'length.max+1', value: stringOfLength(m, c.max + 1, seed) });
        else out.push({ label: 'bytes.max+1', value: 'A'.repeat(c.max + 1) });
      }
      if (c.min !== undefined && c.min > 0)
        out.push({ label: 'length.min-1', value: c.min - 1 === 0 ? '' : stringOfLength(m, c.min - 1, seed) });
      break;
    }
    case 'pattern': {
      const base = sampleOne(
        validValue({ ...m, constraints: m.constraints }, { nonEmpty: true, plain: true }),
        seed,
      );
      const alpha = alphabet(parsePattern(c.pattern));
      const outside = [0x61, 0x2d, 0x20, 0x21, 0xe9, 0x1f600, 0x41, 0x30].filter((cp) => !alpha.has(cp));
      const candidates: string[] = [];
      for (const cp of outside) {
        const ch = String.fromCodePoint(cp);
        const s = String(base);
        const mid = Math.floor([...s].length / 2);
        candidates.push([...s].slice(0, mid).join('') + ch + [...s].slice(mid + 1).join(''));
        candidates.push(ch + s.slice(1));
      }
      candidates.push('x', '0', 'A', '-');
      const pick = candidates.find((v) => breaksOnly(v, m, c)) ?? candidates.find((v) => breaks(v, m, c));
      if (pick !== undefined) out.push({ label: 'pattern', value: pick });
      break;
    }
    case 'enum': {
      let v = `${c.values[0] ?? 'Value'}Unknown`;
      while (c.values.includes(v)) v += 'X';
      out.push({ label: 'enum', value: v });
      break;
    }
    case 'forbiddenCodePoints': {
      const { max } = lengthBounds(m);
      const base = stringOfLength(m, Math.min(10, Math.max(2, (max ?? 10) - 1)), seed);
      const seen = new Set<number>();
      for (const [lo, hi] of c.ranges)
        for (const cp of [lo, hi]) {
          if (seen.has(cp)) continue;
          seen.add(cp);
          const cps = [...base];
          cps.splice(Math.floor(cps.length / 2), 1, String.fromCodePoint(cp));
          out.push({ label: `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`, value: cps.join('') });
        }
      break;
    }
    default:
      break;
  }
  return out;
}

function numberValueCases(c: Constraint): { label: string; value: unknown }[] {
  if (c.kind !== 'range') return [];
  const out: { label: string; value: unknown }[] = [];
  if (c.min !== undefined) out.push({ label: 'range.min-1', value: c.min - 1 });
  if (c.max !== undefined) out.push({ label: 'range.max+1', value: c.max + 1 });
  return out;
}

/** A value of the wrong type for the member, as the protocol can carry it (undefined: none). */
function wrongType(set: SpecSet, op: OperationSpec, m: ResolvedMember): unknown {
  const typed = set.apis[op.api].protocol.request?.body === 'json-object';
  switch (m.type) {
    case 'string':
      return typed ? 12345 : undefined;
    case 'integer':
    case 'long':
      return 'twelve';
    case 'boolean':
      return 'maybe';
    case 'timestamp':
      return 'not-a-date';
    case 'structure':
    case 'list':
      return typed ? 'not-a-structure' : undefined;
  }
}

/** A value broken in one way, below a member: the member's replacement value and what broke. */
interface Inner {
  key: string;
  where: string;
  label: string;
  value: unknown;
  error: string;
  constraint?: Constraint;
  basis?: Basis;
  source: string;
}

/** A valid value of a member (required members filled), deterministic for the seed. */
function validSample(m: ResolvedMember, seed: number): unknown {
  return sampleOne(validValue(m, { nonEmpty: true, plain: true }), seed);
}

/** A valid value of the member that reaches the legacy wire (an empty list or structure does not). */
function visibleSample(m: ResolvedMember, seed: number): unknown {
  for (let i = 0; i < 20; i++) {
    const v = validSample(m, seed + i);
    if (carriesValue(v)) return v;
  }
  return undefined;
}

/** Values breaking the member's own constraints (string, number, list length). */
function ownValueCases(m: ResolvedMember, c: Constraint, seed: number): { label: string; value: unknown }[] {
  if (m.type === 'string') return stringValueCases(m, c, seed);
  if (m.type === 'list' && c.kind === 'length' && c.unit === 'item') {
    const item = m.item ? validSample(m.item, seed) : '';
    const out: { label: string; value: unknown }[] = [];
    if (c.max !== undefined) out.push({ label: 'items.max+1', value: Array(c.max + 1).fill(item) });
    if (c.min !== undefined && c.min > 0)
      out.push({ label: 'items.min-1', value: Array(c.min - 1).fill(item) });
    return out;
  }
  return numberValueCases(c);
}

/** Every way to break one thing inside a structure or list member (any depth), as replacement values. */
function innerCases(
  set: SpecSet,
  op: OperationSpec,
  m: ResolvedMember,
  key: string,
  where: string,
  seed: number,
  depth = 0,
): Inner[] {
  if (depth > 4) return [];
  const p = set.apis[op.api].protocol;
  const shapesFile = set.files.get(set.apis[op.api].shapes) ?? `shapes/${op.api}.json`;
  const out: Inner[] = [];
  if (m.type === 'list' && m.item) {
    const item = m.item;
    const inList = (i: Inner): Inner => ({ ...i, value: [i.value] });
    for (const c of item.constraints)
      for (const v of ownValueCases(item, c, seed))
        out.push(
          inList({
            key: constraintKey(`${key}[]`, c),
            where: `${where}[0]`,
            label: v.label,
            value: v.value,
            error: c.error ?? p.validation.invalid,
            constraint: c,
            source: `${shapesFile}#/shapes/${m.shape}/member`,
          }),
        );
    for (const i of innerCases(set, op, item, `${key}[]`, `${where}[0]`, seed, depth + 1))
      out.push(inList(i));
    return out;
  }
  if (m.type !== 'structure') return out;
  const valid = validSample(m, seed) as Record<string, unknown>;
  for (const mm of m.members ?? []) {
    const k = `${key}.${mm.name}`;
    const w = `${where}.${mm.name}`;
    const source = `${shapesFile}#/shapes/${m.shape}/members/${mm.name}`;
    const put = (v: unknown) => ({ ...valid, [mm.name]: v });
    if (mm.required) {
      const rest = { ...valid };
      delete rest[mm.name];
      // an empty structure never reaches the legacy wire (no parameter carries it): another member
      // stays, so the structure is sent without the required one
      if (!carriesValue(rest))
        for (const other of (m.members ?? []).filter((x) => x.name !== mm.name && !x.required)) {
          const v = visibleSample(other, seed);
          if (v === undefined) continue;
          rest[other.name] = v;
          break;
        }
      out.push({
        key: `${k}.required`,
        where: w,
        label: 'missing',
        value: rest,
        error: p.validation.missing,
        ...(mm.basis ? { basis: mm.basis } : {}),
        source: `${source}/required`,
      });
    }
    for (const c of mm.constraints)
      for (const v of ownValueCases(mm, c, seed))
        out.push({
          key: constraintKey(k, c),
          where: w,
          label: v.label,
          value: put(v.value),
          error: c.error ?? p.validation.invalid,
          constraint: c,
          source,
        });
    const wrong = wrongType(set, op, mm);
    if (wrong !== undefined)
      out.push({
        key: `${k}.type`,
        where: w,
        label: `type.${typeof wrong}`,
        value: put(wrong),
        error: p.validation.invalid,
        ...(mm.basis ? { basis: mm.basis } : {}),
        source: `${source}/shape`,
      });
    for (const i of innerCases(set, op, mm, k, w, seed, depth + 1)) out.push({ ...i, value: put(i.value) });
  }
  return out;
}

/**
 * The input with `name` set to `value`: the other members of its exclusive groups go, so the
 * input still breaks (or honours) one thing only.
 */
export function withMember(
  op: OperationSpec,
  input: Record<string, unknown>,
  name: string,
  value: unknown,
): Record<string, unknown> {
  const out = { ...input, [name]: value };
  for (const g of op.input.exclusive ?? [])
    if (g.members.includes(name)) for (const m of g.members) if (m !== name) delete out[m];
  return out;
}

/** A violation case without its input: what it changes in a valid base input. */
type ViolationRecipe = Omit<ViolationCase, 'input'> & {
  build: (base: Record<string, unknown>) => Record<string, unknown>;
};

/**
 * The violation recipes of an operation per seed: every broken value is a pure function of the
 * member, the constraint and the seed, so it is worked out once; only the valid base input (which
 * holds the provider state's ids) is new per call.
 */
const recipes = new WeakMap<OperationSpec, Map<number, ViolationRecipe[]>>();

/** A copy of a broken value (a list or structure), so no call shares one with another. */
const copy = <T>(v: T): T => (v !== null && typeof v === 'object' ? structuredClone(v) : v);

function violationRecipes(set: SpecSet, op: OperationSpec, seed: number): ViolationRecipe[] {
  let perSeed = recipes.get(op);
  if (!perSeed) {
    perSeed = new Map();
    recipes.set(op, perSeed);
  }
  const hit = perSeed.get(seed);
  if (hit) return hit;
  const protocol = set.apis[op.api].protocol;
  const opFile = set.files.get(op) ?? `${op.api}/${op.operation}.json`;
  const out: ViolationRecipe[] = [];
  const members = inputMembers(set, op);
  const put = (name: string, value: unknown) => (base: Record<string, unknown>) =>
    withMember(op, base, name, copy(value));
  for (const m of members) {
    if (m.required)
      out.push({
        key: `${m.name}.required`,
        label: 'missing',
        member: m.name,
        build: (base) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== m.name)),
        expectError: protocol.validation.missing,
        source: `${opFile}#/input/members/${m.name}/required`,
      });
    for (const c of m.constraints) {
      const values = ownValueCases(m, c, seed);
      for (const v of values)
        out.push({
          key: constraintKey(m.name, c),
          label: v.label,
          member: m.name,
          build: put(m.name, v.value),
          expectError: c.error ?? protocol.validation.invalid,
          constraint: c,
          source: constraintSource(set, op, m.name, c),
        });
    }
    const wrong = wrongType(set, op, m);
    if (wrong !== undefined)
      out.push({
        key: `${m.name}.type`,
        label: `type.${typeof wrong}`,
        member: m.name,
        build: put(m.name, wrong),
        expectError: protocol.validation.invalid,
        source: `${opFile}#/input/members/${m.name}/shape`,
      });
    // one broken value inside a structure or a list item; the rest of the input stays valid
    for (const i of innerCases(set, op, m, m.name, m.name, seed))
      out.push({
        key: i.key,
        where: i.where,
        label: i.label,
        member: m.name,
        build: put(m.name, i.value),
        expectError: i.error,
        ...(i.constraint ? { constraint: i.constraint } : {}),
        ...(i.basis ? { basis: i.basis } : {}),
        source: i.source,
      });
  }
  out.push(...exclusiveCases(set, op, members, seed));
  out.push(...requiredWithoutCases(set, op));
  perSeed.set(seed, out);
  return out;
}

/** The valid base input every violation case of the operation breaks one thing of. */
function violationBase(
  set: SpecSet,
  op: OperationSpec,
  opts: { ids?: Record<string, string>; seed?: number },
): Record<string, unknown> {
  return sampleInput(set, op, { requiredOnly: true, ...(opts.ids ? { ids: opts.ids } : {}) }, opts.seed ?? 1);
}

/** Sampled inputs per operation and options, with a placeholder where each id goes. */
const inputSamples = new WeakMap<OperationSpec, Map<string, Record<string, unknown>>>();
const placeholder = (key: string) => `\u0000${key}\u0000`;

/**
 * The first value of validInput(set, op, opts) for the seed. The ids go in as constants, which
 * draw nothing from the seeded stream: the other members are the same whatever the ids, so they
 * are sampled once per operation, options and id names, and each call puts its ids in and
 * freshens the tokens (validInput's own map gives every generated value new ones).
 */
export function sampleInput(
  set: SpecSet,
  op: OperationSpec,
  opts: InputOptions,
  seed: number,
): Record<string, unknown> {
  const ids = opts.ids ?? {};
  const fixed = opts.fixed ?? {};
  // only fixed values JSON spells apart can key the cache (it drops undefined, NaN reads as null)
  const plain = (v: unknown) =>
    v === null ||
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isFinite(v));
  if (!Object.values(fixed).every(plain)) return sampleOne(validInput(set, op, opts), seed);
  const names = Object.keys(ids)
    .filter((n) => ids[n] !== undefined)
    .sort();
  const key = JSON.stringify([seed, opts.requiredOnly ?? false, opts.omit ?? [], fixed, names]);
  let perOp = inputSamples.get(op);
  if (!perOp) {
    perOp = new Map();
    inputSamples.set(op, perOp);
  }
  let template = perOp.get(key);
  if (!template) {
    const marked = Object.fromEntries(names.map((n) => [n, placeholder(n)]));
    template = sampleOne(validInput(set, op, { ...opts, ids: marked }), seed);
    perOp.set(key, template);
  }
  const byMark = new Map(names.map((n) => [placeholder(n), ids[n]!]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(template))
    out[k] = typeof v === 'string' && byMark.has(v) ? byMark.get(v) : copy(v);
  for (const m of tokenMembers(op)) {
    const v = out[m];
    if (typeof v === 'string' && v !== '' && ids[m] === undefined && !(m in fixed)) out[m] = freshToken(v);
  }
  return out;
}

function withInput(r: ViolationRecipe, base: Record<string, unknown>): ViolationCase {
  const { build, ...head } = r;
  return { ...head, input: build(base) };
}

/** Every way to break exactly one constraint of one input member (at any depth), or one exclusive group. */
export function oneViolation(
  set: SpecSet,
  op: OperationSpec,
  opts: { ids?: Record<string, string>; seed?: number } = {},
): ViolationCase[] {
  const base = violationBase(set, op, opts);
  return violationRecipes(set, op, opts.seed ?? 1).map((r) => withInput(r, base));
}

/** The one case of oneViolation with this key and label (undefined: the operation has none). */
export function violationCase(
  set: SpecSet,
  op: OperationSpec,
  opts: { ids?: Record<string, string>; seed?: number },
  key: string,
  label: string,
): ViolationCase | undefined {
  const r = violationRecipes(set, op, opts.seed ?? 1).find((c) => c.key === key && c.label === label);
  return r && withInput(r, violationBase(set, op, opts));
}

/** A member needed without another (input.requiredWithout) left out, the other left out too. */
function requiredWithoutCases(set: SpecSet, op: OperationSpec): ViolationRecipe[] {
  const protocol = set.apis[op.api].protocol;
  const opFile = set.files.get(op) ?? `${op.api}/${op.operation}.json`;
  return (op.input.requiredWithout ?? []).flatMap((g, i) =>
    g.members.map((m) => ({
      key: `${m}.required`,
      where: `${m}, without ${g.member}`,
      label: 'missing',
      member: m,
      build: (base: Record<string, unknown>) => {
        const input = { ...base };
        delete input[g.member];
        delete input[m];
        return input;
      },
      expectError: protocol.validation.missing,
      basis: g.basis,
      source: `${opFile}#/input/requiredWithout/${i}`,
    })),
  );
}

/** Members that exclude each other: all of a group given at once, and none of an exactly-one group. */
function exclusiveCases(
  set: SpecSet,
  op: OperationSpec,
  members: ResolvedMember[],
  seed: number,
): ViolationRecipe[] {
  const protocol = set.apis[op.api].protocol;
  const opFile = set.files.get(op) ?? `${op.api}/${op.operation}.json`;
  const out: ViolationRecipe[] = [];
  (op.input.exclusive ?? []).forEach((g, i) => {
    const name = g.members.join('+');
    // a member the base input lacks gets a valid sample (the same for the seed every time)
    const samples = new Map<string, unknown>();
    for (const n of g.members) {
      const m = members.find((x) => x.name === n);
      if (m) samples.set(n, validSample(m, seed));
    }
    out.push({
      key: `${name}.exclusive`,
      where: g.members.join(' and '),
      label: 'all given',
      member: g.members[0]!,
      build: (base) => {
        const all: Record<string, unknown> = { ...base };
        for (const [n, v] of samples) if (all[n] === undefined) all[n] = copy(v);
        return all;
      },
      expectError: g.error ?? protocol.validation.invalid,
      basis: g.severalBasis ?? g.basis,
      source: `${opFile}#/input/exclusive/${i}`,
    });
    if (g.exactlyOne) {
      out.push({
        key: `${name}.required`,
        where: `one of ${g.members.join(', ')}`,
        label: 'none given',
        member: g.members[0]!,
        build: (base) => {
          const none = { ...base };
          for (const n of g.members) delete none[n];
          return none;
        },
        expectError: protocol.validation.missing,
        basis: g.basis,
        source: `${opFile}#/input/exclusive/${i}/exactlyOne`,
      });
    }
  });
  return out;
}
