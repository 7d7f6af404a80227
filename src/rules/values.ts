// The specs' value language, read in one place. A `$…` string in model.json (entity fields,
// state fields, observe inputs) or in a rule (`set`, `output`, `where`) means:
//   $now, $now+N, $now-N   the time of the call / of the state's creation, shifted by N seconds
//   $input.<Member>        the value of that input member in the call
//   $ref:<Field>           the value of another field of the same entity
//   $id                    a fresh id of the entity (model fields), or the entity's id (observe input)
//   $parent                the parent's id (observe input); the parent entity (read `output`)
//   $entity                the entity itself (read `output`)
//   $status                the entity's status, whatever field holds it
//   $worker                a worker id matching the shape's pattern for that field
// Anything else is a literal (`<QuestionFormAnswers/>` is XML text, not a template).
import { apiFieldName, namedFields } from '../spec/resolve.ts';
import type { Api, EntitySpec, SpecSet } from '../spec/types.ts';

export type Value =
  | { kind: 'now'; offset: number }
  | { kind: 'input'; member: string }
  | { kind: 'ref'; field: string }
  | { kind: 'id' | 'parent' | 'entity' | 'status' | 'worker' }
  | { kind: 'literal'; value: unknown };

const WORDS = new Set(['$id', '$parent', '$entity', '$status', '$worker']);

// Spec values are read on every call (effects, templates): each `$…` string is read once. Bounded,
// as a value may come from outside the specs.
const parsedValues = new Map<string, Value>();

/** What a spec value means. */
export function parseValue(v: unknown): Value {
  if (typeof v !== 'string' || !v.startsWith('$')) return { kind: 'literal', value: v };
  const hit = parsedValues.get(v);
  if (hit) return { ...hit };
  const parsed = readValue(v);
  if (parsedValues.size >= 4096) parsedValues.clear();
  parsedValues.set(v, parsed);
  return { ...parsed };
}

function readValue(v: string): Value {
  const now = /^\$now([+-]\d+)?$/.exec(v);
  if (now) return { kind: 'now', offset: Number(now[1] ?? 0) };
  if (v.startsWith('$input.')) return { kind: 'input', member: v.slice('$input.'.length) };
  if (v.startsWith('$ref:')) return { kind: 'ref', field: v.slice('$ref:'.length) };
  if (WORDS.has(v)) return { kind: v.slice(1) as 'id' };
  return { kind: 'literal', value: v };
}

/** The stored field a rule's field name means (`$status`: the entity's status field). */
export function fieldName(field: string, ent: EntitySpec | undefined): string {
  return field === '$status' ? (ent?.status?.field ?? field) : field;
}

/**
 * The inputs of an observation: one, or, when the template asks for `$status` (a list that shows
 * one status at a time, as ListWorkersWithQualificationType's Status), one per status the API can
 * see, in the model's order; the first that finds the entity wins.
 */
export function observeInputs(
  ent: EntitySpec,
  template: Record<string, string>,
  ids: Record<string, string>,
): Record<string, unknown>[] {
  const keys = Object.keys(template).filter((k) => template[k] === '$status');
  if (!keys.length || !ent.status) return [observeInput(ent, template, ids)];
  const rest = Object.fromEntries(Object.entries(template).filter(([k]) => !keys.includes(k)));
  const base = observeInput(ent, rest, ids);
  return ent.status.values
    .filter((s) => !ent.status!.invisible?.includes(s))
    .map((s) => ({ ...base, ...Object.fromEntries(keys.map((k) => [k, s])) }));
}

/** Input of an observe operation (model.json `observe.<api>.input`) for the ids of a provider state. */
export function observeInput(
  ent: EntitySpec,
  template: Record<string, string>,
  ids: Record<string, string>,
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(template)) {
    const p = parseValue(v);
    if (p.kind === 'id') input[k] = ids[ent.id];
    else if (p.kind === 'parent') input[k] = ent.parent ? ids[ent.parent.via] : undefined;
    else input[k] = v;
  }
  return input;
}

/**
 * What model.json says an entity a provider state created shows, beyond literal fields: the ids
 * the state returned (under the field's own name, as the entity's parent link, or through a
 * `$ref:Field` template) and its `$now±N` timestamps, with their offsets.
 */
export function createdFacts(
  set: SpecSet,
  entity: string,
  state: string | undefined,
  ids: Record<string, string>,
  api?: Api,
): { equal: Record<string, string>; times: { field: string; offset: number }[] } {
  const ent = set.model.entities[entity];
  const equal: Record<string, string> = {};
  const times: { field: string; offset: number }[] = [];
  if (!ent) return { equal, times };
  const created = state ? set.model.states[state]?.creates.find((c) => c.entity === entity) : undefined;
  const templates: Record<string, unknown> = { ...ent.fields, ...(created?.fields ?? {}) };
  if (ids[ent.id] !== undefined) equal[ent.id] = ids[ent.id]!;
  if (ent.parent && ids[ent.parent.via] !== undefined) equal[ent.parent.via] = ids[ent.parent.via]!;
  for (const [field, t] of Object.entries(templates)) {
    if (ids[field] !== undefined) equal[field] = ids[field]!;
    const p = parseValue(t);
    if (p.kind === 'ref' && ids[p.field] !== undefined) equal[field] = ids[p.field]!;
    if (p.kind === 'now') times.push({ field, offset: p.offset });
  }
  if (!api) return { equal, times };
  // the facts under the names the API shows them by (model.json names)
  const shown = namedFields(set, api, entity, equal) as Record<string, string>;
  const rename = (f: string) => apiFieldName(set, api, entity, f);
  return { equal: shown, times: times.map((t) => ({ ...t, field: rename(t.field) })) };
}

/** The hooks a store gives the templates it cannot resolve alone. */
export interface TemplateHooks {
  now(): Date;
  newId(): string;
  worker(field: string): string;
}

/** Resolves an entity field template (model.json `fields`, a state's `fields`). */
export function resolveTemplate(
  value: unknown,
  field: string,
  fields: Record<string, unknown>,
  h: TemplateHooks,
): unknown {
  const p = parseValue(value);
  switch (p.kind) {
    case 'now':
      return new Date(h.now().getTime() + p.offset * 1000);
    case 'id':
      return h.newId();
    case 'worker':
      return h.worker(field);
    case 'ref':
      return fields[p.field];
    default:
      return value;
  }
}

/** Field names in the order to resolve them: plain templates first, `$ref` last (it reads the others). */
export function templateOrder(templates: Record<string, unknown>): string[] {
  const isRef = (k: string) => Number(parseValue(templates[k]).kind === 'ref');
  return Object.keys(templates).sort((a, b) => isRef(a) - isRef(b));
}

/** The value an effect's `set` template gives a field for a call. */
export function effectValue(
  value: unknown,
  ctx: { now: Date; input: Record<string, unknown>; status: unknown },
): { value: unknown } | undefined {
  const p = parseValue(value);
  if (p.kind === 'now') return { value: new Date(ctx.now.getTime() + p.offset * 1000) };
  if (p.kind === 'input')
    return ctx.input[p.member] === undefined ? undefined : { value: ctx.input[p.member] };
  if (p.kind === 'status') return { value: ctx.status };
  return { value };
}

// ------------------------------------------------------------ expressions of the rules that make
// or change entities (create, effect, charge): besides the words above, `$field.X` (the selected
// entity), `$created.<as>.X` (what an earlier create rule of the call made), `$lookup.<Entity>.X`
// (what a lookup rule found), and sums with `+` (`$now+$input.LifetimeInSeconds`: a time plus
// seconds; `$field.MaxAssignments+$input.NumberOfAdditionalAssignments`).

export interface ValueEnv {
  /** The call's input with the rule's documented defaults filled in. */
  input: Record<string, unknown>;
  now: Date;
  /** The selected entity's fields. */
  fields?: Record<string, unknown>;
  /** The selected entity's status. */
  status?: unknown;
  /** The selected entity's parent's fields (`$parent.X`: an assignment's HIT). */
  parent?: Record<string, unknown>;
  created?: Record<string, Record<string, unknown>>;
  lookup?: Record<string, Record<string, unknown>>;
}

/** One term of an expression, read once (the rules evaluate theirs on every call). */
type Term =
  | { kind: 'now' | 'status' }
  | { kind: 'number'; value: number }
  | { kind: 'input' | 'field' | 'parent'; name: string }
  | { kind: 'created' | 'lookup'; bag: string | undefined; name: string }
  | { kind: 'text'; text: string };

function readTerm(t: string): Term {
  if (t === '$now') return { kind: 'now' };
  if (t === '$status') return { kind: 'status' };
  if (/^-?\d+(\.\d+)?$/.test(t)) return { kind: 'number', value: Number(t) };
  const dot = t.indexOf('.');
  const head = dot < 0 ? t : t.slice(0, dot);
  const rest = dot < 0 ? '' : t.slice(dot + 1);
  switch (head) {
    case '$input':
      return { kind: 'input', name: rest };
    case '$field':
      return { kind: 'field', name: rest };
    case '$parent':
      return { kind: 'parent', name: rest };
    case '$created':
    case '$lookup': {
      const i = rest.indexOf('.');
      return {
        kind: head === '$created' ? 'created' : 'lookup',
        bag: i < 0 ? undefined : rest.slice(0, i),
        name: i < 0 ? '' : rest.slice(i + 1),
      };
    }
  }
  return { kind: 'text', text: t };
}

function term(t: Term, env: ValueEnv): unknown {
  switch (t.kind) {
    case 'now':
      return env.now;
    case 'status':
      return env.status;
    case 'number':
      return t.value;
    case 'input':
      return env.input[t.name];
    case 'field':
      return env.fields?.[t.name];
    case 'parent':
      return env.parent?.[t.name];
    case 'created':
    case 'lookup': {
      if (t.bag === undefined) return undefined;
      const bag = t.kind === 'created' ? env.created : env.lookup;
      return bag?.[t.bag]?.[t.name];
    }
    case 'text':
      return t.text;
  }
}

// Expressions come from the specs: each is split into its terms once. Bounded all the same.
const expressions = new Map<string, Term[]>();

function termsOf(v: string): Term[] {
  let hit = expressions.get(v);
  if (!hit) {
    hit = v.split('+').map(readTerm);
    if (expressions.size >= 4096) expressions.clear();
    expressions.set(v, hit);
  }
  return hit;
}

/** An expression only evalValue reads: a sum, `$field.X`, `$created.…` or `$lookup.…`. */
export function isCompound(v: unknown): v is string {
  return (
    typeof v === 'string' &&
    (/^\$(field|parent|created|lookup)\./.test(v) || (v.startsWith('$') && v.includes('+$')))
  );
}

/** Whether a rule value is an expression of the language (rather than a literal). */
export function isExpression(v: unknown): v is string {
  return typeof v === 'string' && v.startsWith('$');
}

/**
 * The value of a rule value: a literal as it is; an expression evaluated (undefined when a part
 * it names is absent, e.g. an optional input member the call left out).
 */
export function evalValue(v: unknown, env: ValueEnv): unknown {
  if (!isExpression(v)) return v;
  const terms = termsOf(v);
  if (terms.length === 1) return term(terms[0]!, env); // most values: no arrays, no closures
  const values = terms.map((p) => term(p, env));
  if (values.some((x) => x === undefined)) return undefined;
  if (values.length === 1) return values[0];
  const [first, ...more] = values;
  const seconds = more.reduce<number>((a, x) => a + Number(x), 0);
  if (first instanceof Date) return new Date(first.getTime() + seconds * 1000);
  return Number(first) + seconds;
}

/** Each of `values` evaluated; a member whose value cannot be worked out (undefined) is left out. */
export function evalValues(values: Record<string, unknown>, env: ValueEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // for…in, not Object.entries: no array of pairs per call (the values are the specs' own objects)
  for (const k in values) {
    const x = evalValue(values[k], env);
    if (x !== undefined) out[k] = x;
  }
  return out;
}

/** The input members a value reads (`$input.X` terms). */
export function inputsOf(v: unknown): string[] {
  if (!isExpression(v)) return [];
  return v
    .split('+')
    .filter((p) => p.startsWith('$input.'))
    .map((p) => p.slice('$input.'.length));
}

/** The call's input with documented defaults for the members it left out. */
export function withDefaults(
  input: Record<string, unknown>,
  defaults: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (!defaults) return input;
  // Object.assign, not a spread: members added to a spread copy made V8 a new map each call
  const out: Record<string, unknown> = Object.assign({}, input);
  for (const k in defaults) if (out[k] === undefined || out[k] === null) out[k] = defaults[k];
  return out;
}
