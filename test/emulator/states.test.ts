// The provider-states contract (docs/provider-states.md) of the reference emulator, in-process:
// every malformed body is refused with 400 and creates nothing, an unknown state is 404, and a
// known state creates what specs/model.json says (owner, parent links, statuses) and returns the
// ids its `returns` names. Also run by the mutation test (stryker.vitest.config.ts).
import { beforeEach, describe, expect, it } from 'vitest';
import { applyState, handleStates, stateNames } from '../../src/emulator/states.ts';
import { Store } from '../../src/emulator/store.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import type { SpecSet } from '../../src/spec/types.ts';

const set = loadSpecs();
const OWNER = TEST_REQUESTER_1.accessKeyId;
let store: Store;
beforeEach(() => {
  store = new Store(set);
});

const post = (body: unknown, s: SpecSet = set, st: Store = store) =>
  handleStates(s, st, typeof body === 'string' ? body : JSON.stringify(body));
const parsed = (r: { body: string }) => JSON.parse(r.body) as Record<string, unknown>;
const aState = Object.keys(set.model.states)[0]!;

describe('provider-states endpoint: malformed bodies', () => {
  const cases: [string, unknown][] = [
    ['not JSON', 'not json'],
    ['an empty body', ''],
    ['JSON null', 'null'],
    ['a JSON array', [{ state: aState, requester: OWNER }]],
    ['a JSON string', JSON.stringify('text')],
    ['a JSON number', '42'],
    ['no state', { requester: OWNER }],
    ['an empty state', { state: '', requester: OWNER }],
    ['a state that is not a string', { state: 7, requester: OWNER }],
    ['no requester', { state: aState }],
    ['an empty requester', { state: aState, requester: '' }],
    ['a requester that is not a string', { state: aState, requester: ['A'] }],
    ['params that are null', { state: aState, requester: OWNER, params: null }],
    ['params that are a list', { state: aState, requester: OWNER, params: [] }],
    ['params that are a string', { state: aState, requester: OWNER, params: 'x' }],
  ];
  it.each(cases)('%s: 400 with a JSON error, nothing created', (_label, body) => {
    const r = post(body);
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('application/json');
    expect(typeof parsed(r).error).toBe('string');
    expect(String(parsed(r).error).length).toBeGreaterThan(0);
    expect(store.size()).toBe(0);
  });

  it.each([['Nope'], ['toString'], ['__proto__'], ['constructor']])(
    'an unknown state (%s): 404 naming it, nothing created',
    (state) => {
      const r = post({ state, requester: OWNER, params: {} });
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toBe('application/json');
      expect(String(parsed(r).error)).toContain(state);
      expect(store.size()).toBe(0);
    },
  );
});

describe('provider-states endpoint: known states', () => {
  it.each(Object.keys(set.model.states).map((n) => [n]))(
    '%s creates what model.json says, owned by the requester',
    (name) => {
      const spec = set.model.states[name]!;
      for (const params of [{}, undefined]) {
        store.clear();
        const r = post({ state: name, requester: OWNER, ...(params ? { params } : {}) });
        expect(r.status).toBe(200);
        expect(r.headers['content-type']).toBe('application/json');
        const ids = parsed(r);
        expect(Object.keys(ids).sort()).toEqual(Object.keys(spec.returns).sort());
        expect(store.size()).toBe(spec.creates.length);
        // every returned id is the field of the entity its `returns` names
        for (const [key, ref] of Object.entries(spec.returns)) {
          const [as, field] = ref.split('.') as [string, string];
          const c = spec.creates.find((x) => x.as === as)!;
          const matches = store.list(c.entity).filter((rec) => rec.fields[field] === ids[key]);
          expect(matches.length, `${key} names a ${c.entity}`).toBeGreaterThan(0);
          expect(typeof ids[key]).toBe('string');
        }
        for (const c of spec.creates) {
          const ent = set.model.entities[c.entity]!;
          const made = store.list(c.entity);
          expect(made.length).toBe(spec.creates.filter((x) => x.entity === c.entity).length);
          for (const rec of made) {
            expect(store.ownerOf(rec)).toBe(OWNER);
            if (c.parent) {
              const parentEntity = spec.creates.find((x) => x.as === c.parent)!.entity;
              expect(store.parentOf(rec)?.entity).toBe(parentEntity);
              expect(rec.owner).toBeUndefined();
            } else expect(rec.owner).toBe(OWNER);
            if (ent.status) {
              // the statuses the state's creates of this entity name (else their fields', the model's, the first)
              const st = ent.status;
              const want = spec.creates
                .filter((x) => x.entity === c.entity)
                .map((x) => x.status ?? x.fields?.[st.field] ?? ent.fields[st.field] ?? st.values[0]);
              expect(want).toContain(store.statusOf(rec));
            }
          }
          // some entity made for this create carries its literal fields
          const literal = Object.entries(c.fields ?? {}).filter(
            ([, v]) => typeof v === 'string' && !v.startsWith('$'),
          );
          expect(
            made.some((rec) => literal.every(([k, v]) => rec.fields[k] === v)),
            `${c.as} carries ${JSON.stringify(Object.fromEntries(literal))}`,
          ).toBe(true);
        }
      }
    },
  );

  it('the states it offers are the states of model.json', () => {
    expect(stateNames(set)).toEqual(Object.keys(set.model.states));
  });
  it('each call makes new entities with new ids', () => {
    const a = parsed(post({ state: aState, requester: OWNER, params: {} }));
    const b = parsed(post({ state: aState, requester: OWNER, params: {} }));
    for (const k of Object.keys(a)) if (!/Worker/.test(k)) expect(a[k]).not.toBe(b[k]);
    expect(store.size()).toBe(2 * set.model.states[aState]!.creates.length);
  });
});

describe('provider-states endpoint: a state the store cannot complete', () => {
  // a copy of the specs with states that fail half-way: what was created is removed again
  const broken = structuredClone(set);
  const first = set.model.states[aState]!.creates[0]!;
  broken.model.states.OrphanChild = {
    creates: [first, { as: 'child', entity: first.entity, parent: 'nobody' }],
    returns: {},
  };
  broken.model.states.UnknownEntity = {
    creates: [first, { as: 'thing', entity: 'NoSuchEntity' }],
    returns: {},
  };
  it.each([['OrphanChild'], ['UnknownEntity']])('%s: 500 with a JSON error, nothing left behind', (state) => {
    const st = new Store(broken);
    const r = post({ state, requester: OWNER, params: {} }, broken, st);
    expect(r.status).toBe(500);
    expect(typeof parsed(r).error).toBe('string');
    expect(st.size()).toBe(0);
    const direct = applyState(broken, st, { state, requester: OWNER });
    expect(direct.ok).toBe(false);
    expect(st.size()).toBe(0);
  });
  it('a state whose returns cannot be read: 500 with a JSON error, not a throw', () => {
    const odd = structuredClone(set);
    odd.model.states.NoReturns = { creates: [first], returns: null as unknown as Record<string, string> };
    const r = post({ state: 'NoReturns', requester: OWNER }, odd, new Store(odd));
    expect(r.status).toBe(500);
    expect(typeof parsed(r).error).toBe('string');
  });
  it('the error names the state and the missing parent', () => {
    const r = post({ state: 'OrphanChild', requester: OWNER }, broken, new Store(broken));
    expect(String(parsed(r).error)).toMatch(/OrphanChild.*child.*nobody/);
  });
});
