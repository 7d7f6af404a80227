// The provider-states endpoint (docs/provider-states.md): POST {"state", "requester", "params"}
// creates what specs/model.json says the state creates, owned by the requester, and answers
// with the ids named by the state's `returns`. A Worker action (model.json `actions`) acts on
// the entities its params name instead (src/emulator/dynamics.ts).
import type { SpecSet } from '../spec/types.ts';
import type { WireResponse } from '../wire/http-types.ts';
import { applyAction, isAction } from './dynamics.ts';
import type { Store, StoredEntity } from './store.ts';

export interface StateRequest {
  state: string;
  requester: string;
  params?: Record<string, unknown>;
}

export type StateResult =
  | { ok: true; ids: Record<string, unknown> }
  | { ok: false; status: number; message: string };

/** Creates the entities of a provider state. Nothing is created when the state is unknown. */
export function applyState(set: SpecSet, store: Store, req: StateRequest): StateResult {
  const spec = Object.hasOwn(set.model.states, req.state) ? set.model.states[req.state] : undefined;
  if (!spec) return { ok: false, status: 404, message: `unknown provider state ${req.state}` };
  const made: Record<string, StoredEntity> = {};
  try {
    for (const c of spec.creates) {
      const parent = c.parent !== undefined ? made[c.parent] : undefined;
      if (c.parent !== undefined && !parent)
        throw new Error(`state ${req.state}: ${c.as} names unknown parent ${c.parent}`);
      made[c.as] = store.create(c.entity, {
        ...(parent ? { parent } : { owner: req.requester }),
        ...(c.status !== undefined ? { status: c.status } : {}),
        ...(c.fields ? { fields: withMade(c.fields, made) as Record<string, unknown> } : {}),
      });
    }
  } catch (e) {
    for (const rec of Object.values(made)) store.remove(rec);
    return { ok: false, status: 500, message: (e as Error).message };
  }
  const ids: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(spec.returns)) {
    const [as, field] = ref.split('.') as [string, string];
    ids[name] = made[as]?.fields[field];
  }
  return { ok: true, ids };
}

/** `$made:alias.Field` anywhere in a state's fields: that field of an entity the state made before. */
function withMade(v: unknown, made: Record<string, StoredEntity>): unknown {
  if (typeof v === 'string') {
    const m = /^\$made:([^.]+)\.(.+)$/.exec(v);
    if (!m) return v;
    const rec = made[m[1]!];
    if (!rec) throw new Error(`${v} names no entity made before it`);
    return rec.fields[m[2]!];
  }
  if (Array.isArray(v)) return v.map((x) => withMade(x, made));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withMade(x, made)]));
  return v;
}

function json(status: number, body: unknown): WireResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * The endpoint over a raw JSON body, states and Worker actions alike; never throws. With
 * `params.requester: "fresh"` and a `fresh` maker, a state is created for a new requester no other
 * state uses, whose credentials the answer hands back as `requester` (docs/provider-states.md).
 */
export function handleStates(
  set: SpecSet,
  store: Store,
  body: string,
  fresh?: () => { accessKeyId: string; secretAccessKey: string },
  now: () => Date = () => new Date(),
): WireResponse {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return json(400, { error: 'the body is not JSON' });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    return json(400, { error: 'the body is not a JSON object' });
  const { state, requester, params } = doc as Record<string, unknown>;
  if (typeof state !== 'string' || state === '') return json(400, { error: 'state is missing' });
  if (typeof requester !== 'string' || requester === '') return json(400, { error: 'requester is missing' });
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params)))
    return json(400, { error: 'params must be an object' });
  try {
    if (isAction(set, state)) {
      const a = applyAction(set, store, state, requester, (params ?? {}) as Record<string, unknown>, now());
      return a.ok ? json(200, a.ids) : json(a.status, { error: a.message });
    }
    const scope =
      fresh && (params as Record<string, unknown> | undefined)?.requester === 'fresh' ? fresh() : undefined;
    const r = applyState(set, store, {
      state,
      requester: scope?.accessKeyId ?? requester,
      ...(params ? { params: params as Record<string, unknown> } : {}),
    });
    if (!r.ok) return json(r.status, { error: r.message });
    return json(200, scope ? { ...r.ids, requester: scope } : r.ids);
  } catch (e) {
    return json(500, { error: (e as Error).message });
  }
}

/** The states a target can be asked for, with what each returns. */
export function stateNames(set: SpecSet): string[] {
  return Object.keys(set.model.states);
}
