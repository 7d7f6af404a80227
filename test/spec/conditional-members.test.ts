// A rule's `when` and input.requiredWithout (the legacy CreateHIT's two forms): the loader checks
// what they name, the engine skips a rule whose `when` a call does not meet and refuses a call that
// leaves out a member needed without another, and generated inputs meet both.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validInput } from '../../src/arbitraries/input.ts';
import { executeCall } from '../../src/emulator/engine.ts';
import { applyState } from '../../src/emulator/states.ts';
import { Store } from '../../src/emulator/store.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { loadSpecs, loadSpecsUncached } from '../../src/spec/load.ts';
import type { Api } from '../../src/spec/types.ts';
import { copySpecs, editJson, problemsOf } from './helpers.ts';

const L: Api = '2014-08-15';
const FILE = '2014-08-15/CreateHIT.json';

describe('the loader', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = copySpecs());
  });
  afterEach(() => cleanup());

  it('reports a when that names no input member, or a required one', () => {
    editJson(dir, FILE, (d) => {
      d.behaviour.rules[0].when = { present: ['HITTypeIds'] };
      d.behaviour.rules[2].when = { absent: ['LifetimeInSeconds'] };
    });
    const problems = problemsOf(() => loadSpecsUncached(dir));
    expect(problems).toContainEqual({
      file: FILE,
      pointer: '/behaviour/rules/0/when/present/0',
      message: 'HITTypeIds is not an input member',
    });
    expect(problems).toContainEqual({
      file: FILE,
      pointer: '/behaviour/rules/2/when/absent/0',
      message: 'LifetimeInSeconds is required, so a call always gives it',
    });
  });

  it('reports a requiredWithout group that names no member, or needs itself', () => {
    editJson(dir, FILE, (d) => {
      d.input.requiredWithout[0].members.push('Titel', 'HITTypeId');
    });
    const problems = problemsOf(() => loadSpecsUncached(dir));
    expect(problems.map((p) => p.message)).toEqual(
      expect.arrayContaining(['Titel is not an input member', 'HITTypeId cannot need itself']),
    );
  });

  it('refuses a when with another key (the meta-schema)', () => {
    editJson(dir, FILE, (d) => {
      d.behaviour.rules[0].when = { given: ['HITTypeId'] };
    });
    expect(problemsOf(() => loadSpecsUncached(dir))[0]).toMatchObject({
      file: FILE,
      pointer: '/behaviour/rules/0/when',
    });
  });
});

describe('the engine and the generators', () => {
  const set = loadSpecs();
  const op = set.apis[L].operations.get('CreateHIT')!;
  const now = new Date(Date.UTC(2025, 5, 1));
  const OWNER = TEST_REQUESTER_1.accessKeyId;
  const p = set.apis[L].protocol;
  const store = new Store(set, () => now);
  const run = (input: Record<string, unknown>) =>
    executeCall(
      set,
      store,
      { api: L, operation: 'CreateHIT', input, accessKeyId: OWNER, responseGroups: [] },
      now,
    );
  const base = { LifetimeInSeconds: 3600, Question: '<QuestionForm/>' };
  const props = {
    Title: 'T',
    Description: 'D',
    Reward: { Amount: '0.10', CurrencyCode: 'USD' },
    AssignmentDurationInSeconds: 60,
  };

  it('without a HITTypeId each property is needed; with one none is', () => {
    for (const m of Object.keys(props)) {
      const o = run({ ...base, ...props, [m]: undefined });
      expect(o.kind === 'error' && [o.error, o.values.member]).toEqual([p.validation.missing, m]);
    }
    const made = applyState(set, store, { state: 'HITType', requester: OWNER });
    if (!made.ok) throw new Error(made.message);
    const o = run({ ...base, HITTypeId: made.ids.HITTypeId });
    expect(o.kind).toBe('success');
  });

  it('runs only the rules whose when the call meets: the type named, or the type its properties make', () => {
    const made = applyState(set, store, { state: 'HITType', requester: OWNER });
    if (!made.ok) throw new Error(made.message);
    const typed = run({ ...base, ...props, HITTypeId: made.ids.HITTypeId });
    // the properties given beside a HITTypeId are ignored: the HIT is of the named type
    expect(typed.kind === 'success' && (typed.output.HIT as Record<string, unknown>).HITTypeId).toBe(
      made.ids.HITTypeId,
    );
    expect(typed.kind === 'success' && (typed.output.HIT as Record<string, unknown>).Title).not.toBe('T');
    const own = run({ ...base, ...props });
    const again = run({ ...base, ...props });
    const typeOf = (o: typeof own) =>
      o.kind === 'success' ? (o.output.HIT as Record<string, unknown>).HITTypeId : o;
    expect(typeOf(own)).toEqual(expect.any(String));
    expect(typeOf(again)).toBe(typeOf(own));
    expect(typeOf(own)).not.toBe(made.ids.HITTypeId);
  });

  it('valid inputs never invent a HITTypeId and always carry the properties; given ids pick the typed form', () => {
    for (const input of fc.sample(validInput(set, op), { seed: 4, numRuns: 30 })) {
      expect(input.HITTypeId).toBeUndefined();
      for (const m of Object.keys(props)) expect(input[m]).toBeDefined();
    }
    for (const input of fc.sample(
      validInput(set, op, { ids: { HITTypeId: 'X'.repeat(30) }, requiredOnly: true }),
      {
        seed: 4,
        numRuns: 10,
      },
    ))
      expect(input.HITTypeId).toBe('X'.repeat(30));
  });
});
