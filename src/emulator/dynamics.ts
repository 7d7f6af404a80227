// What happens to the store besides requester calls, all read from specs/model.json: Worker
// actions (`actions`, served by the provider-states endpoint), the status an entity settles in
// after its children changed (`entities.<E>.settle`), and what emulated time does (`timers`).
// No entity, status or action is named here.
import { balanceOf } from '../rules/charge.ts';
import { evalValue } from '../rules/values.ts';
import type { ActionSpec, ActionTest, SettleTest, SpecSet, TimerSpec } from '../spec/types.ts';
import type { StateResult } from './states.ts';
import { fromCents, type Store, type StoredEntity, toCents } from './store.ts';

interface Scope {
  now: Date;
  params: Record<string, unknown>;
  bound: Map<string, StoredEntity>;
  store: Store;
  /** Timers: the time that came due. */
  at?: Date;
}

function field(store: Store, rec: StoredEntity, name: string): unknown {
  if (name === '$status') return store.statusOf(rec);
  return rec.fields[name];
}

/** `$now`, `$now±N`, `$now±$alias.Field`, `$alias.Field`, `$param.Name`, `$at`; anything else is a literal. */
export function resolveValue(v: unknown, scope: Scope): unknown {
  if (typeof v !== 'string' || !v.startsWith('$')) return v;
  if (v === '$at') return scope.at;
  const rel = /^\$now(?:([+-])(?:(\d+)|\$([A-Za-z]\w*)\.([A-Za-z]\w*)))?$/.exec(v);
  if (rel) {
    if (!rel[1]) return scope.now;
    const secs = rel[2] !== undefined ? Number(rel[2]) : ref(rel[3]!, rel[4]!, scope);
    if (typeof secs !== 'number' || !Number.isFinite(secs)) return undefined;
    return new Date(scope.now.getTime() + (rel[1] === '-' ? -secs : secs) * 1000);
  }
  const dotted = /^\$([A-Za-z]\w*)\.([A-Za-z]\w*)$/.exec(v);
  if (dotted) return dotted[1] === 'param' ? scope.params[dotted[2]!] : ref(dotted[1]!, dotted[2]!, scope);
  return undefined;
}

function ref(alias: string, name: string, scope: Scope): unknown {
  const rec = scope.bound.get(alias);
  return rec ? field(scope.store, rec, name) : undefined;
}

const time = (v: unknown): number | undefined =>
  v instanceof Date ? v.getTime() : typeof v === 'number' ? v : undefined;

/** Whether a stored value passes a `where` test: equal to a value, or `after` / `notAfter` a time. */
function passes(value: unknown, test: unknown, scope: Scope): boolean {
  if (test !== null && typeof test === 'object' && !Array.isArray(test)) {
    const t = test as { after?: unknown; notAfter?: unknown };
    const have = time(value);
    if (have === undefined) return false;
    if (t.after !== undefined) {
      const bound = time(resolveValue(t.after, scope));
      if (bound === undefined || !(have > bound)) return false;
    }
    if (t.notAfter !== undefined) {
      const bound = time(resolveValue(t.notAfter, scope));
      if (bound === undefined || !(have <= bound)) return false;
    }
    return true;
  }
  const want = resolveValue(test, scope);
  if (want === undefined) return false;
  return want instanceof Date ? time(value) === want.getTime() : value === want;
}

function holds(t: ActionTest, scope: Scope): boolean {
  const { store } = scope;
  if ('ref' in t) {
    const rec = scope.bound.get(t.ref);
    if (!rec) return false;
    if (t.status && !t.status.includes(String(store.statusOf(rec)))) return false;
    if (t.absent !== undefined && rec.fields[t.absent] !== undefined && rec.fields[t.absent] !== null)
      return false;
    return true;
  }
  const parent = t.parent !== undefined ? scope.bound.get(t.parent) : undefined;
  const ownerOf = t.sameOwner !== undefined ? scope.bound.get(t.sameOwner) : undefined;
  const owner = ownerOf ? store.ownerOf(ownerOf) : undefined;
  // from the parent's children or the owner's own where the kind has that index: a scan of every
  // entity of the kind made each Worker action cost as much as the store was large
  const kind = store.spec(t.exists);
  const pool =
    parent && kind.parent?.entity === parent.entity
      ? store.childrenOf(parent, t.exists)
      : ownerOf && owner !== undefined && !kind.parent
        ? store.ownedAny(t.exists, owner)
        : store.listAll(t.exists);
  return pool.some(
    (rec) =>
      (!parent || rec.parentId === parent.id) &&
      (!ownerOf || store.ownerOf(rec) === owner) &&
      (!t.status || t.status.includes(String(store.statusOf(rec)))) &&
      Object.entries(t.where ?? {}).every(([f, test]) => passes(field(store, rec, f), test, scope)),
  );
}

function fillReason(template: string, scope: Scope): string {
  return template.replace(/\{([^{}]+)\}/g, (_m, name: string) => {
    const [head, f] = name.split('.') as [string, string | undefined];
    const v = f === undefined ? scope.params[head] : ref(head, f, scope);
    return v === undefined ? '(none)' : v instanceof Date ? v.toISOString() : String(v);
  });
}

/** Sets fields (values resolved; null removes the field) and the status on a stored entity. */
function applyFields(
  store: Store,
  rec: StoredEntity,
  fields: Record<string, unknown>,
  scope: Scope,
  status?: string,
): void {
  const statusField = store.set.model.entities[rec.entity]?.status?.field;
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    const target = k === '$status' ? statusField : k;
    if (target === undefined) continue;
    if (v === null) {
      store.unset(rec, target);
      continue;
    }
    const x = resolveValue(v, scope);
    if (x !== undefined) values[target] = x;
  }
  if (status !== undefined && statusField !== undefined) values[statusField] = status;
  store.update(rec, values);
}

function settleTest(store: Store, rec: StoredEntity, t: SettleTest, counts: Map<string, number>, now: Date) {
  if ('count' in t) {
    const n = counts.get(t.count) ?? 0;
    if (t.is !== undefined && n !== t.is) return false;
    if (t.atLeast !== undefined) {
      const bound = Number(rec.fields[t.atLeast]);
      if (!Number.isFinite(bound) || n < bound) return false;
    }
    return true;
  }
  const have = time(rec.fields[t.field]);
  if (have === undefined) return false;
  const scope: Scope = { now, params: {}, bound: new Map([['self', rec]]), store };
  if (t.notAfter !== undefined) {
    const b = time(resolveValue(t.notAfter, scope));
    if (b === undefined || !(have <= b)) return false;
  }
  if (t.after !== undefined) {
    const b = time(resolveValue(t.after, scope));
    if (b === undefined || !(have > b)) return false;
  }
  return true;
}

/** Re-derives an entity's status from its children and the time (model.json `settle`). */
export function settle(store: Store, rec: StoredEntity, now: Date): void {
  const spec = store.set.model.entities[rec.entity];
  const s = spec?.settle;
  if (!s || !spec.status || !s.from.includes(String(store.statusOf(rec)))) return;
  const counts = new Map<string, number>();
  for (const [name, c] of Object.entries(s.counts))
    counts.set(
      name,
      store.childrenOf(rec, c.children).filter((k) => c.statuses.includes(String(store.statusOf(k)))).length,
    );
  const hit = s.cases.find((k) => (k.when ?? []).every((t) => settleTest(store, rec, t, counts, now)));
  if (hit) store.update(rec, { [spec.status.field]: hit.status });
}

export function isAction(set: SpecSet, name: string): boolean {
  return !!set.model.actions && Object.hasOwn(set.model.actions, name);
}

/**
 * Applies a Worker action: 400 for params of the wrong form, 409 with the reason when it cannot
 * apply (an unknown id, an entity of another requester, a refusal of the spec), else the ids.
 * Nothing changes unless it applies.
 */
export function applyAction(
  set: SpecSet,
  store: Store,
  name: string,
  requester: string,
  params: Record<string, unknown>,
  now: Date,
): StateResult {
  const spec = set.model.actions![name] as ActionSpec;
  for (const k of Object.keys(params))
    if (!Object.hasOwn(spec.params, k))
      return {
        ok: false,
        status: 400,
        message: `${name} takes no param ${k} (it takes ${Object.keys(spec.params).join(', ')})`,
      };
  const scope: Scope = { now, params: {}, bound: new Map(), store };
  for (const [k, p] of Object.entries(spec.params)) {
    const v = params[k];
    if (v === undefined || v === null) {
      if (p.optional) continue;
      return { ok: false, status: 400, message: `${name} needs params.${k}` };
    }
    if (typeof v !== 'string' || v === '')
      return { ok: false, status: 400, message: `params.${k} must be a non-empty string` };
    scope.params[k] = v;
    if (p.entity === undefined) continue;
    const rec = store.getAny(p.entity, v);
    if (!rec) return { ok: false, status: 409, message: `${p.entity} ${v} does not exist` };
    if (store.ownerOf(rec) !== requester)
      return { ok: false, status: 409, message: `${p.entity} ${v} is not owned by requester ${requester}` };
    if (p.as) scope.bound.set(p.as, rec);
    if (p.parentAs) {
      const parent = store.parentOf(rec);
      if (parent) scope.bound.set(p.parentAs, parent);
    }
  }
  for (const r of spec.refuse ?? []) {
    const refused = r.if
      ? r.if.every((t) => holds(t, scope))
      : !(r.unless ?? []).every((t) => holds(t, scope));
    if (refused) return { ok: false, status: 409, message: fillReason(r.reason, scope) };
  }
  try {
    // undone on an exception: only what the action touched (a snapshot copied the whole store)
    store.journal(() => {
      for (const c of spec.creates ?? []) {
        const parent = c.parent !== undefined ? scope.bound.get(c.parent) : undefined;
        const rec = store.create(c.entity, {
          ...(parent ? { parent } : { owner: requester }),
          ...(c.status !== undefined ? { status: c.status } : {}),
        });
        applyFields(store, rec, c.fields ?? {}, scope);
        scope.bound.set(c.as, rec);
      }
      for (const u of spec.updates ?? []) {
        const rec = scope.bound.get(u.ref);
        if (rec) applyFields(store, rec, u.fields ?? {}, scope, u.status);
      }
      for (const alias of spec.settle ?? []) {
        const rec = scope.bound.get(alias);
        if (rec) settle(store, rec, now);
      }
    });
  } catch (e) {
    return { ok: false, status: 500, message: (e as Error).message };
  }
  const ids: Record<string, unknown> = {};
  for (const [k, r] of Object.entries(spec.returns)) {
    const [alias, f] = r.split('.') as [string, string];
    ids[k] = ref(alias, f, scope);
  }
  return { ok: true, ids };
}

/**
 * Pays what the timer's charge rule (an operation's, e.g. ApproveAssignment's reward) asks for the
 * entity from its owner's account. False, and nothing drawn, when the account cannot pay.
 */
function payTimer(store: Store, t: TimerSpec, rec: StoredEntity, at: Date): boolean {
  const account = store.set.model.account;
  if (!t.charge || !account) return true;
  const rule = store.set.apis[t.charge.api].operations
    .get(t.charge.operation)
    ?.behaviour.rules.find((r) => r.id === t.charge!.rule);
  if (rule?.kind !== 'charge') return true;
  const cents = toCents(
    String(
      evalValue(rule.amount, {
        input: {},
        now: at,
        fields: rec.fields,
        parent: store.parentOf(rec)?.fields ?? {},
      }) ?? '',
    ),
  );
  if (!Number.isFinite(cents)) return true;
  const owner = store.ownerOf(rec);
  if (owner === undefined) return true;
  const balance = balanceOf(store.set, store, owner);
  if (balance < cents) return false;
  store.update(store.accountOf(account.entity, owner), { [account.field]: fromCents(balance - cents) });
  return true;
}

/**
 * Fires every timer that is due at `now` (model.json `timers`): pays its charge, sets its fields
 * on each entity in one of its statuses whose `at` time has come, then settles what it names.
 * Returns how many fired.
 */
export function runTimers(store: Store, now: Date): number {
  // nothing can fire: skip the scan of every entity of each timer's kind
  if (!store.timersMaybeDue(now.getTime())) return 0;
  let fired = 0;
  for (const t of Object.values(store.set.model.timers ?? {})) {
    for (const rec of store.listAll(t.entity)) {
      if (!t.status.includes(String(store.statusOf(rec)))) continue;
      const at = rec.fields[t.at];
      if (!(at instanceof Date) || at.getTime() > now.getTime()) continue;
      if (!payTimer(store, t, rec, at)) continue;
      const scope: Scope = { now, params: {}, bound: new Map([['self', rec]]), store, at };
      if (t.set) applyFields(store, rec, t.set, scope);
      for (const s of t.settle ?? []) {
        const target = s === 'self' ? rec : store.parentOf(rec);
        if (target) settle(store, target, now);
      }
      fired++;
    }
  }
  return fired;
}
