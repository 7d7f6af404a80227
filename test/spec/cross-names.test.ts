// model.json names.<api>.members/lacks and equivalent.across: the loader checks that a renamed
// member is one of the API's structure and another version's, that every member another version
// has is mapped, kept or lacked, and that an across input names the operation's members; the
// emulator keeps one stored field that each API shows under its own names.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSpecs, loadSpecsUncached } from '../../src/spec/load.ts';
import { canonicalJson, namedFields, storedFields } from '../../src/spec/resolve.ts';
import { copySpecs, editJson, problemsOf } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = copySpecs());
});
afterEach(() => cleanup());

const legacyHit = (d: { entities: { HIT: { names: Record<string, Record<string, unknown>> } } }) =>
  d.entities.HIT.names['2014-08-15']!;

describe('names.<api>.members and lacks', () => {
  it('a renamed member the API structure does not have is reported with its pointer', () => {
    editJson(dir, 'model.json', (d) => {
      legacyHit(d).members = {
        QualificationRequirements: { IntegerValues: 'IntegerValuez', LocaleValues: 'LocaleValue' },
      };
    });
    const problems = problemsOf(() => loadSpecsUncached(dir));
    expect(problems).toContainEqual({
      file: 'model.json',
      pointer: '/entities/HIT/names/2014-08-15/members/QualificationRequirements/IntegerValues',
      message: 'IntegerValuez is not a member of 2014-08-15 QualificationRequirements',
    });
    // IntegerValues now has no legacy counterpart either
    expect(problems.map((p) => p.message)).toContain(
      "QualificationRequirements's member IntegerValues has no 2014-08-15 counterpart: name it (members) or say the API lacks it (lacks)",
    );
  });

  it('a member another version has that is neither mapped nor lacked is reported', () => {
    editJson(dir, 'model.json', (d) => {
      delete legacyHit(d).lacks;
      delete legacyHit(d).lacksBasis;
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toContainEqual({
      file: 'model.json',
      pointer: '/entities/HIT/names/2014-08-15',
      message:
        "QualificationRequirements's member ActionsGuarded has no 2014-08-15 counterpart: name it (members) or say the API lacks it (lacks)",
    });
  });

  it('lacking a member the API has, or lacks without lacksBasis, is reported', () => {
    editJson(dir, 'model.json', (d) => {
      legacyHit(d).lacks = { QualificationRequirements: ['ActionsGuarded', 'Comparator'] };
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toContainEqual({
      file: 'model.json',
      pointer: '/entities/HIT/names/2014-08-15/lacks/QualificationRequirements',
      message: '2014-08-15 QualificationRequirements has a member Comparator: it is not lacking',
    });
    editJson(dir, 'model.json', (d) => {
      legacyHit(d).lacks = { QualificationRequirements: ['ActionsGuarded'] };
      delete legacyHit(d).lacksBasis;
    });
    expect(problemsOf(() => loadSpecsUncached(dir)).map((p) => p.pointer)).toContain(
      '/entities/HIT/names/2014-08-15',
    );
  });

  it('an across input member the operation does not have, at any depth, is reported', () => {
    editJson(dir, '2014-08-15/CreateHIT.json', (d) => {
      d.equivalent.across.input.QualificationRequirement[0].IntegerValues = [1];
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toContainEqual({
      file: '2014-08-15/CreateHIT.json',
      pointer: '/equivalent/across/input/QualificationRequirement/0/IntegerValues',
      message: "not a member of CreateHIT's input",
    });
  });
});

describe('one stored field, shown per API', () => {
  const set = loadSpecs();
  const legacy = {
    QualificationRequirements: [
      { QualificationTypeId: '00000000000000000071', Comparator: 'In', LocaleValue: [{ Country: 'US' }] },
    ],
  };
  it('a legacy-written requirement is stored under the 2017 member names and shown back under legacy ones', () => {
    const stored = storedFields(set, '2014-08-15', 'HIT', legacy);
    expect(stored).toEqual({
      QualificationRequirements: [
        { QualificationTypeId: '00000000000000000071', Comparator: 'In', LocaleValues: [{ Country: 'US' }] },
      ],
    });
    expect(storedFields(set, '2017-01-17', 'HIT', stored)).toEqual(stored);
    expect(namedFields(set, '2014-08-15', 'HIT', stored).QualificationRequirement).toEqual(
      legacy.QualificationRequirements,
    );
    expect(namedFields(set, '2017-01-17', 'HIT', stored)).toEqual(stored);
  });

  it('identity compares values whatever their member order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  });
});
