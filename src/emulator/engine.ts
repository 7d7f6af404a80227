// The generic operation engine: validates a decoded call against its input members, then
// interprets the operation's behaviour rules (exists, owner, status, effect, read, list) over
// the store. No operation or entity is named here: everything comes from the specs.
import { inputMatches, inputMembers, inputValue, outputMembers, violationOf } from '../spec/resolve.ts';
import type { OperationSpec, ResolvedMember, RuleSpec, SpecSet } from '../spec/types.ts';
import type { DecodedCall, ErrorOutcome, Outcome } from '../wire/codec.ts';
import type { Store, StoredEntity } from './store.ts';

function err(error: string, values: Record<string, unknown>): ErrorOutcome {
  return { kind: 'error', error, values };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

/** Why a value does not have the member's type, or undefined when it does. */
export function typeProblem(value: unknown, m: ResolvedMember): string | undefined {
  switch (m.type) {
    case 'string':
      return typeof value === 'string' ? undefined : `expected a string, got ${describe(value)}`;
    case 'integer':
    case 'long':
      return typeof value === 'number' && Number.isSafeInteger(value)
        ? undefined
        : `expected a whole number, got ${describe(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected a boolean, got ${describe(value)}`;
    case 'timestamp':
      return value instanceof Date && !Number.isNaN(value.getTime())
        ? undefined
        : `expected a timestamp, got ${describe(value)}`;
    case 'structure':
      return isPlainObject(value) ? undefined : `expected a structure, got ${describe(value)}`;
    case 'list':
      return Array.isArray(value) ? undefined : `expected a list, got ${describe(value)}`;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a timestamp';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Validates one value (recursively); returns the first error. */
function validateValue(
  set: SpecSet,
  op: OperationSpec,
  path: string,
  value: unknown,
  m: ResolvedMember,
  depth = 0,
): ErrorOutcome | undefined {
  const p = set.apis[op.api].protocol;
  const invalid = (reason: string, error = p.validation.invalid) =>
    err(error, { member: path, reason, Parameter: path, [path]: value });
  const tp = typeProblem(value, m);
  if (tp) return invalid(tp);
  const v = violationOf(value, m);
  if (v) return invalid(v.reason, v.constraint.error ?? p.validation.invalid);
  if (depth > 8) return undefined;
  if (m.type === 'structure' && isPlainObject(value))
    for (const mm of m.members ?? []) {
      const x = value[mm.name];
      const sub = `${path}.${mm.name}`;
      if (x === undefined || x === null) {
        if (mm.required) return err(p.validation.missing, { member: sub, Parameter: sub });
        continue;
      }
      const e = validateValue(set, op, sub, x, mm, depth + 1);
      if (e) return e;
    }
  if (m.type === 'list' && Array.isArray(value) && m.item)
    for (const [i, x] of value.entries()) {
      const e = validateValue(set, op, `${path}.${i + 1}`, x, m.item, depth + 1);
      if (e) return e;
    }
  return undefined;
}

/** Input validation: required members, types, constraints. */
export function validateInput(
  set: SpecSet,
  op: OperationSpec,
  input: Record<string, unknown>,
): ErrorOutcome | undefined {
  const p = set.apis[op.api].protocol;
  for (const m of inputMembers(set, op)) {
    const value = input[m.name];
    if (value === undefined || value === null) {
      if (m.required) return err(p.validation.missing, { member: m.name, Parameter: m.name });
      continue;
    }
    const e = validateValue(set, op, m.name, value, m);
    if (e) return e;
  }
  return undefined;
}

/** What a projection needs from the model besides the stored fields. */
export interface ProjectionContext {
  /** model.json money.currencyCode: shown next to a stored amount in a money shape. */
  currencyCode?: string;
}

export function projectionContext(set: SpecSet): ProjectionContext {
  return set.model.money ? { currencyCode: set.model.money.currencyCode } : {};
}

/**
 * Projects stored fields onto an output shape: only members the shape names, of the right type.
 * A stored amount (a bare string or number) projected onto a money shape (e.g. the legacy Price)
 * becomes that structure: the amount in its amount member, the model's currency in its currency
 * member; members the specs cannot fill (FormattedPrice) are left out.
 */
export function project(value: unknown, m: ResolvedMember, ctx: ProjectionContext = {}, depth = 0): unknown {
  if (value === undefined || value === null || depth > 8) return undefined;
  switch (m.type) {
    case 'structure': {
      if (m.money && (typeof value === 'string' || typeof value === 'number'))
        return ctx.currencyCode === undefined
          ? undefined
          : { [m.money.amount]: String(value), [m.money.currencyCode]: ctx.currencyCode };
      if (!isPlainObject(value)) return undefined;
      const out: Record<string, unknown> = {};
      for (const mm of m.members ?? []) {
        const x = project(value[mm.name], mm, ctx, depth + 1);
        if (x !== undefined) out[mm.name] = x;
      }
      return out;
    }
    case 'list':
      return Array.isArray(value) && m.item
        ? value.map((x) => project(x, m.item!, ctx, depth + 1)).filter((x) => x !== undefined)
        : undefined;
    case 'string':
      return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
    case 'integer':
    case 'long':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'timestamp':
      return value instanceof Date ? value : undefined;
  }
}

interface Pending {
  rec: StoredEntity;
  fields: Record<string, unknown>;
}

/**
 * A page token: opaque to clients, bound to the operation and the filter values it was issued
 * for (operations.md §4.3, INF), so a token replayed elsewhere is refused instead of misread.
 */
function encodeToken(offset: number, binding: string): string {
  return Buffer.from(JSON.stringify({ o: offset, b: binding }), 'utf8').toString('base64url');
}

function decodeToken(token: string, binding: string): number | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; b?: unknown };
    return typeof v?.o === 'number' && Number.isSafeInteger(v.o) && v.o >= 0 && v.b === binding
      ? v.o
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs one call: validation, then the behaviour rules in order. Effects are collected and
 * applied only when every rule passed, so a failed call changes nothing.
 */
export function executeCall(set: SpecSet, store: Store, call: DecodedCall, now: Date): Outcome {
  const api = set.apis[call.api];
  const p = api.protocol;
  const op = api.operations.get(call.operation);
  if (!op)
    return err(p.protocolErrors.unknownOperation ?? p.validation.invalid, { operation: call.operation });
  const invalid = validateInput(set, op, call.input);
  if (invalid) return invalid;

  const b = op.behaviour;
  const entitySpec = set.model.entities[b.entity];
  if (!entitySpec)
    return err(p.protocolErrors.internal ?? p.validation.invalid, { reason: `no entity ${b.entity}` });
  const selected = b.select !== undefined ? call.input[b.select] : undefined;
  // no select: the caller's own entity of that kind (e.g. the account), made on first use
  const rec =
    b.select !== undefined
      ? store.get(b.entity, selected)
      : entitySpec.owned && b.kind === 'read'
        ? callersOwn(store, b.entity, call.accessKeyId)
        : undefined;
  const idValues: Record<string, unknown> =
    b.select !== undefined ? { [b.select]: selected, [entitySpec.id]: selected, id: selected } : {};
  const pending: Pending[] = [];
  const output: Record<string, unknown> = {};
  const outMembers = new Map(outputMembers(set, op).map((m) => [m.name, m]));
  const inMembers = new Map(inputMembers(set, op).map((m) => [m.name, m]));
  const firstExistsError = b.rules.find((r) => r.kind === 'exists')?.error;
  const needEntity = (r: RuleSpec): ErrorOutcome | undefined =>
    rec ? undefined : err(firstExistsError ?? r.error ?? p.validation.invalid, { ...idValues });

  for (const r of b.rules) {
    switch (r.kind) {
      case 'exists':
        if (!rec) return err(r.error!, { ...idValues });
        break;
      case 'owner': {
        const missing = needEntity(r);
        if (missing) return missing;
        if (store.ownerOf(rec!) !== call.accessKeyId) return err(r.error!, { ...idValues });
        break;
      }
      case 'status': {
        const missing = needEntity(r);
        if (missing) return missing;
        let allowed = r.allowed ?? [];
        for (const w of r.allowedWhen ?? [])
          if (inputMatches(call.input, w.input, inMembers, now)) allowed = w.allowed;
        const current = store.statusOf(rec!);
        if (!allowed.includes(String(current)))
          return err(r.error!, { ...idValues, allowed: allowed.join(','), CurrentState: current });
        break;
      }
      case 'effect': {
        const missing = needEntity(r);
        if (missing) return missing;
        // an effect for other input, or for another status, leaves the entity alone
        if (r.input && !inputMatches(call.input, r.input, inMembers, now)) break;
        if (r.from && !r.from.includes(String(store.statusOf(rec!)))) break;
        const fields: Record<string, unknown> = {};
        for (const [field, v] of Object.entries(r.set ?? {})) {
          const target = field === '$status' ? (entitySpec.status?.field ?? field) : field;
          if (v === '$now') fields[target] = now;
          else if (typeof v === 'string' && v.startsWith('$input.')) {
            const x = call.input[v.slice('$input.'.length)];
            if (x !== undefined) fields[target] = x;
          } else if (v === '$status') fields[target] = store.statusOf(rec!);
          else fields[target] = v;
        }
        pending.push({ rec: rec!, fields });
        break;
      }
      case 'read': {
        const missing = needEntity(r);
        if (missing) return missing;
        for (const [name, source] of Object.entries(r.output ?? {})) {
          const m = outMembers.get(name);
          const from = source === '$parent' ? store.parentOf(rec!) : rec;
          if (!m || !from) continue;
          // `$entity.Field`: one field of the entity as the member, else the entity as a structure
          const field = source.startsWith('$entity.') ? source.slice('$entity.'.length) : undefined;
          const x = project(
            field === undefined ? from.fields : from.fields[field],
            m,
            projectionContext(set),
          );
          if (x !== undefined) output[name] = x;
        }
        break;
      }
      case 'list': {
        const result = runList(set, store, op, r, call, outMembers, inMembers);
        if (result.kind === 'error') return result;
        Object.assign(output, result.output);
        break;
      }
    }
  }
  for (const { rec: target, fields } of pending) store.update(target, fields);
  return { kind: 'success', output };
}

/** A field's values: `List[].Member` gives that member of each item of a list field. */
function fieldValues(rec: StoredEntity, field: string): unknown[] {
  const nested = /^(.+)\[\]\.(.+)$/.exec(field);
  if (!nested) return [rec.fields[field]];
  const list = rec.fields[nested[1]!];
  return Array.isArray(list)
    ? list.map((x) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[nested[2]!] : undefined))
    : [];
}

/** The caller's latest entity of a kind; one is made from the model's defaults when it has none. */
function callersOwn(store: Store, entity: string, owner: string): StoredEntity {
  const mine = store.list(entity).filter((rec) => store.ownerOf(rec) === owner);
  return mine.at(-1) ?? store.create(entity, { owner });
}

function runList(
  set: SpecSet,
  store: Store,
  op: OperationSpec,
  r: RuleSpec,
  call: DecodedCall,
  outMembers: Map<string, ResolvedMember>,
  inMembers: Map<string, ResolvedMember>,
): Outcome {
  const p = set.apis[op.api].protocol;
  const entity = op.behaviour.entity;
  const statusField = set.model.entities[entity]?.status?.field;
  let matched = store
    .list(entity)
    .filter((rec) =>
      Object.entries(r.where ?? {}).every(
        ([k, v]) => (k === '$status' ? store.statusOf(rec) : rec.fields[k]) === v,
      ),
    );
  if (statusField === undefined && r.where && '$status' in r.where) matched = [];
  // ownedWhen: only the caller's when the call asks for it (e.g. MustBeOwnedByCaller), else everyone's
  const owned = r.owned && (!r.ownedWhen || inputMatches(call.input, r.ownedWhen, inMembers, new Date()));
  if (owned) matched = matched.filter((rec) => store.ownerOf(rec) === call.accessKeyId);
  const binding: unknown[] = [op.operation];
  for (const [member, field] of Object.entries(r.filter ?? {})) {
    const want = inputValue(call.input, inMembers, member);
    binding.push(want ?? null);
    // a list-valued filter (e.g. a list of statuses) matches any of its values
    if (Array.isArray(want)) matched = matched.filter((rec) => want.includes(rec.fields[field]));
    else if (want !== undefined) matched = matched.filter((rec) => fieldValues(rec, field).includes(want));
  }
  const bindingKey = JSON.stringify(binding);
  const pg = r.pagination;
  let offset = 0;
  let size = matched.length;
  const output: Record<string, unknown> = {};
  if (pg) {
    const sizeIn = call.input[pg.size];
    size = typeof sizeIn === 'number' && sizeIn > 0 ? sizeIn : pg.defaultSize;
    if (pg.style === 'token' && pg.token) {
      const token = call.input[pg.token];
      if (typeof token === 'string') {
        const o = decodeToken(token, bindingKey);
        if (o === undefined)
          return err(p.validation.invalid, {
            member: pg.token,
            reason: 'not a token this service issued for this operation and these filters',
            Parameter: pg.token,
          });
        offset = o;
      }
    } else if (pg.style === 'page' && pg.page) {
      const page = call.input[pg.page];
      const n = typeof page === 'number' && page > 0 ? page : 1;
      offset = (n - 1) * size;
      if (outMembers.has(pg.page)) output[pg.page] = n;
    }
  }
  const page = matched.slice(offset, offset + size);
  const items = r.items ? outMembers.get(r.items) : undefined;
  // itemMembers: the service shows only these members of each item
  const only = r.itemMembers ? new Set(r.itemMembers) : undefined;
  const itemShape =
    items?.item && only
      ? { ...items.item, members: items.item.members?.filter((m) => only.has(m.name)) }
      : items?.item;
  if (r.items && items)
    output[r.items] = page
      .map((rec) => (itemShape ? project(rec.fields, itemShape, projectionContext(set)) : undefined))
      .filter((x) => x !== undefined);
  if (r.count && outMembers.has(r.count)) output[r.count] = page.length;
  if (r.total && outMembers.has(r.total)) output[r.total] = matched.length;
  if (pg?.style === 'token' && pg.token && offset + size < matched.length && outMembers.has(pg.token))
    output[pg.token] = encodeToken(offset + size, bindingKey);
  return { kind: 'success', output };
}
