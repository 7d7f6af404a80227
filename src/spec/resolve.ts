// Helpers that turn the raw spec documents into what the rest of the code
// needs: resolved members, severities, error lookups, message patterns.
import type {
  Api,
  Basis,
  CommonParameterSpec,
  Constraint,
  ErrorSpec,
  MemberSpec,
  OperationSpec,
  ParameterRole,
  ProtocolFile,
  ResolvedMember,
  RuleSpec,
  Severity,
  SpecSet,
} from './types.ts';

/** An INF fact may only back a should-level check; every other tag is observed behaviour. */
export function severityOf(...bases: (Basis | undefined)[]): Severity {
  return bases.some((b) => b?.tag === 'INF') ? 'should' : 'must';
}

export function resolveMember(
  set: SpecSet,
  api: Api,
  name: string,
  spec: MemberSpec,
  depth = 0,
): ResolvedMember {
  const shape = set.apis[api].shapes.shapes[spec.shape];
  if (!shape) throw new Error(`unknown shape ${spec.shape} (${api})`);
  const resolved: ResolvedMember = {
    name,
    type: shape.type,
    shape: spec.shape,
    required: spec.required === true,
    ...(spec.default !== undefined ? { default: spec.default } : {}),
    constraints: [...(shape.constraints ?? []), ...(spec.constraints ?? [])],
    ...(spec.basis ? { basis: spec.basis } : {}),
    ...(shape.money ? { money: { amount: shape.money.amount, currencyCode: shape.money.currencyCode } } : {}),
  };
  if (depth > 8) return resolved; // the shapes are not recursive; this only guards a broken spec
  if (shape.type === 'structure' && shape.members)
    resolved.members = Object.entries(shape.members).map(([n, m]) =>
      resolveMember(set, api, n, m, depth + 1),
    );
  if (shape.type === 'list' && shape.member)
    resolved.item = resolveMember(set, api, 'member', shape.member, depth + 1);
  return resolved;
}

// Resolved member lists, per members object and shapes file: the specs are read-only once
// loaded, and resolving them again for every request was a large share of a request's cost.
const membersCache = new WeakMap<object, WeakMap<object, readonly ResolvedMember[]>>();

/** The resolved members of a `members` object (an operation's input or output), cached. */
export function resolveMembers(
  set: SpecSet,
  api: Api,
  members: Record<string, MemberSpec>,
): readonly ResolvedMember[] {
  const shapes = set.apis[api].shapes;
  let perShapes = membersCache.get(members);
  if (!perShapes) {
    perShapes = new WeakMap();
    membersCache.set(members, perShapes);
  }
  let hit = perShapes.get(shapes);
  if (!hit) {
    hit = Object.entries(members).map(([n, m]) => resolveMember(set, api, n, m));
    perShapes.set(shapes, hit);
  }
  return hit;
}

/** The operation's input members, resolved (a fresh array over shared, read-only members). */
export function inputMembers(set: SpecSet, op: OperationSpec): ResolvedMember[] {
  return [...resolveMembers(set, op.api, op.input.members)];
}

/** The operation's output members, resolved (a fresh array over shared, read-only members). */
export function outputMembers(set: SpecSet, op: OperationSpec): ResolvedMember[] {
  return [...resolveMembers(set, op.api, op.output.members)];
}

/** A money structure's amount (`{Amount: "5.00", CurrencyCode: "USD"}` → "5.00"); any other value as it is. */
export function amountOf(value: unknown, m: ResolvedMember | undefined): unknown {
  if (!m?.money || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return (value as Record<string, unknown>)[m.money.amount];
}

/**
 * The input with each money structure given (the legacy Price: BonusAmount, Reward) replaced by
 * its amount: stored amounts are bare strings, as 2017 sends and shows them, and a money shape
 * shows them again with the model's currency (project in src/emulator/project.ts).
 */
export function moneyAsAmounts(
  set: SpecSet,
  op: OperationSpec,
  input: Record<string, unknown>,
): Record<string, unknown> {
  let out = input;
  for (const m of resolveMembers(set, op.api, op.input.members))
    if (m.money && input[m.name] !== undefined) {
      if (out === input) out = { ...input };
      out[m.name] = amountOf(input[m.name], m);
    }
  return out;
}

/** A money value of a member: the bare amount, or for a money structure the structure in the model's currency. */
export function moneyValue(set: SpecSet, m: ResolvedMember | undefined, amount: string): unknown {
  return m?.money
    ? { [m.money.amount]: amount, [m.money.currencyCode]: set.model.money?.currencyCode }
    : amount;
}

export function errorSpec(set: SpecSet, id: string): ErrorSpec {
  const e = set.errors.errors[id];
  if (!e) throw new Error(`unknown error ${id}`);
  return e;
}

/**
 * The common parameter that has `role` in the protocol (its name and spec). Throws when none has
 * it; the loader refuses such a protocol, so this only fires for a hand-made spec object.
 */
export function parameterByRole(
  protocol: ProtocolFile,
  role: ParameterRole,
): { name: string; spec: CommonParameterSpec } {
  let perProtocol = byRoleCache.get(protocol);
  if (!perProtocol) {
    perProtocol = new Map();
    byRoleCache.set(protocol, perProtocol);
  }
  const hit = perProtocol.get(role);
  if (hit) return { ...hit };
  for (const [name, spec] of Object.entries(protocol.commonParameters ?? {}))
    if (spec.role === role) {
      perProtocol.set(role, { name, spec });
      return { name, spec };
    }
  throw new Error(`protocols/${protocol.api}.json: no common parameter has the role ${role}`);
}

// The legacy codec asks for a role's parameter several times per request: found once per protocol
// document (read-only once loaded).
const byRoleCache = new WeakMap<
  ProtocolFile,
  Map<ParameterRole, { name: string; spec: CommonParameterSpec }>
>();

const templateParts = new Map<string, string[]>();

/** Fill a message template: {Name} from the values given, unknown names left as they are. */
export function fillMessage(template: string, values: Record<string, unknown>): string {
  if (!template.includes('{')) return template;
  // each template split once (text, name, text, …): answers fill theirs on every call
  let parts = templateParts.get(template);
  if (!parts) {
    parts = template.split(/\{([A-Za-z]+)\}/);
    if (templateParts.size >= 1024) templateParts.clear();
    templateParts.set(template, parts);
  }
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const v = values[parts[i]!];
    out += (v === undefined ? `{${parts[i]}}` : String(v)) + parts[i + 1];
  }
  return out;
}

/**
 * The `{name}` placeholders a template uses, in order, each once. Only the loader reads templates
 * this way (to check an error's declared `placeholders`); everything else reads the declaration.
 */
export function templatePlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]!))];
}

/** A JSON-like object: not null, an array or a Date. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

/** `s` as a regular expression that matches exactly it. */
export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A regular expression that matches any message produced from the template: the `placeholders`
 * are free text (every `{name}` when they are not given), the protocol's suffix is optional.
 */
export function messagePattern(
  template: string,
  suffixPattern: string,
  placeholders?: readonly string[],
): RegExp {
  const holes =
    placeholders === undefined
      ? /\{[A-Za-z]+\}/g
      : placeholders.length
        ? new RegExp(placeholders.map((n) => escapeRegExp(`{${n}}`)).join('|'), 'g')
        : undefined;
  const parts = (holes ? template.split(holes) : [template]).map(escapeRegExp);
  return new RegExp(`^${parts.join('[\\s\\S]*?')}(${suffixPattern.replace(/\$$/, '')})?$`, 'u');
}

/** The pattern of an error's messages, over its declared placeholders. */
export function errorMessagePattern(e: ErrorSpec, suffixPattern: string): RegExp {
  return messagePattern(e.message, suffixPattern, e.placeholders);
}

/**
 * An error's message: its declared placeholders filled from `values` (others stay as written); a
 * value that names several (an array) is joined with the catalogue's `listSeparator`.
 */
export function fillErrorMessage(
  e: ErrorSpec,
  values: Record<string, unknown>,
  listSeparator: string,
): string {
  const declared: Record<string, unknown> = {};
  for (const n of e.placeholders)
    if (Object.hasOwn(values, n)) {
      const v = values[n];
      declared[n] = Array.isArray(v) ? v.join(listSeparator) : v;
    }
  return fillMessage(e.message, declared);
}

export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export type Violation = { constraint: Constraint; reason: string };

const patternCache = new Map<string, RegExp>();

/** A constraint's pattern compiled once (`u` flag, no `g`/`y`: `test` keeps no state). */
function patternRegExp(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    patternCache.set(pattern, re);
  }
  return re;
}

/** Check one scalar value against its constraints; returns the first violation. */
export function violationOf(value: unknown, m: ResolvedMember): Violation | undefined {
  for (const c of m.constraints) {
    switch (c.kind) {
      case 'length': {
        if (c.unit === 'item') {
          if (!Array.isArray(value)) break;
          if (c.min !== undefined && value.length < c.min)
            return { constraint: c, reason: `has fewer than ${c.min} items` };
          if (c.max !== undefined && value.length > c.max)
            return { constraint: c, reason: `has more than ${c.max} items` };
          break;
        }
        if (typeof value !== 'string') break;
        const n = c.unit === 'byte' ? Buffer.byteLength(value, 'utf8') : codePointLength(value);
        if (c.min !== undefined && n < c.min)
          return { constraint: c, reason: `shorter than ${c.min} ${c.unit}s` };
        if (c.max !== undefined && n > c.max)
          return { constraint: c, reason: `longer than ${c.max} ${c.unit}s` };
        break;
      }
      case 'pattern':
        if (typeof value === 'string' && !patternRegExp(c.pattern).test(value))
          return { constraint: c, reason: `does not match ${c.pattern}` };
        break;
      case 'enum':
        if (typeof value === 'string' && !c.values.includes(value))
          return { constraint: c, reason: `not one of ${c.values.join(', ')}` };
        break;
      case 'range':
        if (typeof value === 'number') {
          if (c.min !== undefined && value < c.min) return { constraint: c, reason: `less than ${c.min}` };
          if (c.max !== undefined && value > c.max) return { constraint: c, reason: `greater than ${c.max}` };
        }
        break;
      case 'forbiddenCodePoints':
        if (typeof value === 'string')
          for (const ch of value) {
            const cp = ch.codePointAt(0)!;
            if (c.ranges.some(([lo, hi]) => cp >= lo && cp <= hi))
              return {
                constraint: c,
                reason: `contains the banned character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`,
              };
          }
        break;
    }
  }
  return undefined;
}

/** A stable key for a constraint, used in coverage counts and check ids. */
export function constraintKey(member: string, c: Constraint): string {
  if (c.id !== undefined) return `${member}.${c.id}`;
  switch (c.kind) {
    case 'length':
      return `${member}.length`;
    case 'range':
      return `${member}.range`;
    default:
      return `${member}.${c.kind}`;
  }
}

/** A member's value in a call: what was sent, else its documented default. */
export function inputValue(
  input: Record<string, unknown>,
  members: ReadonlyMap<string, ResolvedMember>,
  name: string,
): unknown {
  return input[name] ?? members.get(name)?.default;
}

const NOW_TEMPLATE = /^\$now([+-]\d+)?$/;

/**
 * Does a call match a rule's `input` (or an allowedWhen's)? An absent member matches its
 * documented default; a `$now+N` value matches any timestamp later than `now`, `$now-N` and
 * `$now` any other one.
 */
export function inputMatches(
  input: Record<string, unknown>,
  want: Record<string, unknown>,
  members: ReadonlyMap<string, ResolvedMember>,
  now: Date,
): boolean {
  return Object.entries(want).every(([k, v]) => {
    const got = inputValue(input, members, k);
    const rel = typeof v === 'string' ? NOW_TEMPLATE.exec(v) : null;
    if (rel && got instanceof Date)
      return Number(rel[1] ?? 0) > 0 ? got.getTime() > now.getTime() : got.getTime() <= now.getTime();
    return got === v;
  });
}

/** A rule's `input` as a check sends it: `$now±N` becomes that timestamp (whole seconds). */
export function ruleInput(rule: RuleSpec, now: Date = new Date()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(typeof rule.input === 'object' ? rule.input : {})) {
    const rel = typeof v === 'string' ? NOW_TEMPLATE.exec(v) : null;
    out[k] = rel ? new Date(Math.floor(now.getTime() / 1000) * 1000 + Number(rel[1] ?? 0) * 1000) : v;
  }
  return out;
}

/** Does the call meet the rule's `when` (every `present` member given, no `absent` one)? */
export function meetsWhen(rule: RuleSpec, input: Record<string, unknown>): boolean {
  const w = rule.when;
  if (!w) return true; // most rules: no closure made (this runs for every rule of every call)
  const given = (m: string) => input[m] !== undefined && input[m] !== null;
  return (w.present ?? []).every(given) && !(w.absent ?? []).some(given);
}

/** The effect rule a successful call applies to an entity in `status`, if any. */
export function effectFor(
  set: SpecSet,
  op: OperationSpec,
  input: Record<string, unknown>,
  status: unknown,
  now: Date = new Date(),
): RuleSpec | undefined {
  const members = new Map(inputMembers(set, op).map((m) => [m.name, m]));
  return op.behaviour.rules.find(
    (r) =>
      r.kind === 'effect' &&
      meetsWhen(r, input) &&
      (typeof r.input !== 'object' || inputMatches(input, r.input, members, now)) &&
      (!r.from || status === undefined || r.from.includes(String(status))),
  );
}

/** What an API calls an entity's field (model.json `names`): legacy shows a grant's WorkerId as SubjectId. */
export function apiFieldName(set: SpecSet, api: Api, entity: string, field: string): string {
  return set.model.entities[entity]?.names?.[api]?.fields[field] ?? field;
}

/** The model field an input member of that name carries in an API (`names`), when some entity renames one to it. */
export function fieldNamedBy(set: SpecSet, api: Api, member: string): string | undefined {
  for (const e of Object.values(set.model.entities))
    for (const [field, name] of Object.entries(e.names?.[api]?.fields ?? {}))
      if (name === member) return field;
  return undefined;
}

/** An entity's fields as an API shows them: each field the API renames (`names`) also under its name there. */
export function namedFields(
  set: SpecSet,
  api: Api,
  entity: string,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const n = set.model.entities[entity]?.names?.[api];
  if (!n) return fields;
  const out = { ...fields };
  // for…in: this runs on every read of an entity the API names otherwise
  for (const field in n.fields)
    if (fields[field] !== undefined) out[n.fields[field]!] = renameMembers(fields[field], n.members?.[field]);
  return out;
}

/**
 * Fields written through an API as the store keeps them: the members inside a field that the API
 * names otherwise (`names.<api>.members`) under their stored names (legacy IntegerValue is kept as
 * IntegerValues), so one stored HIT shows the same requirements through both API versions.
 */
export function storedFields(
  set: SpecSet,
  api: Api,
  entity: string,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const members = set.model.entities[entity]?.names?.[api]?.members;
  if (!members) return fields;
  const out = { ...fields };
  for (const [field, map] of Object.entries(members))
    if (out[field] !== undefined)
      out[field] = renameMembers(out[field], Object.fromEntries(Object.entries(map).map(([k, v]) => [v, k])));
  return out;
}

/** A structure (or each structure of a list) with its members renamed by `map` (from → to); order kept. */
export function renameMembers(value: unknown, map: Record<string, string> | undefined): unknown {
  if (!map) return value;
  if (Array.isArray(value)) return value.map((x) => renameMembers(x, map));
  if (!value || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [map[k] ?? k, v]));
}

/** JSON with every object's keys sorted: two values that differ only in member order compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** The provider state's value for an input member: by its name, or the field the API names it after (`names`). */
export function stateValueFor(
  set: SpecSet,
  api: Api,
  member: string,
  ids: Record<string, string>,
): string | undefined {
  return ids[member] ?? ids[fieldNamedBy(set, api, member) ?? ''];
}
