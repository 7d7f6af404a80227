import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { oneViolation, sampleInput, validInput, violationCase } from '../../src/arbitraries/input.ts';
import {
  generateExact,
  lengthRange,
  parsePattern,
  prng,
  UnsupportedPattern,
} from '../../src/arbitraries/regex.ts';
import { patternString, validValue } from '../../src/arbitraries/values.ts';
import { tokenMembers } from '../../src/rules/token.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { codePointLength, inputMembers, violationOf } from '../../src/spec/resolve.ts';
import { APIS } from '../../src/spec/types.ts';

const set = loadSpecs();

describe('regex subset generator', () => {
  const patterns = [
    '^[A-Z0-9]+$',
    '^A[A-Z0-9]+$',
    '^[0-9]+(\\.)?[0-9]{0,2}$',
    '^[A-Z0-9]{30}$',
    '^(ab|c)*d?$',
    '^[a-z]+(-[a-z]+)?$',
    '^(abc|de)+$',
  ];
  test("a node's length range is worked out once: a generation asks for it at every step", () => {
    const ast = parsePattern('^[a-z]+(-[a-z]+)?$');
    expect(lengthRange(ast)).toBe(lengthRange(ast));
    // the same strings for a seed as before the ranges were kept
    expect([0, 1, 2].map((seed) => generateExact(parsePattern('^(abc|de)+$'), 7, prng(seed)))).toEqual([
      'deabcde',
      'deabcde',
      'dedeabc',
    ]);
  });

  test.each(patterns)('%s: generated values match, at every reachable length', (p) => {
    const ast = parsePattern(p);
    const re = new RegExp(p, 'u');
    const [lo, hi] = lengthRange(ast);
    for (let len = lo; len <= Math.min(hi, lo + 40); len++) {
      const s = generateExact(ast, len, prng(len));
      // every length in range is reachable for these patterns: the generator must find one
      expect(s, `length ${len}`).toBeDefined();
      if (s === undefined) continue;
      expect(codePointLength(s)).toBe(len);
      expect(re.test(s)).toBe(true);
    }
    fc.assert(
      fc.property(patternString(p, { max: 64 }), (s) => re.test(s)),
      { numRuns: 200 },
    );
  });

  test.each(['^.+$', '^[^a]$', '^a+?$', '^\\s$', '^(?=a)a$'])('%s is refused loudly', (p) => {
    expect(() => parsePattern(p)).toThrow(UnsupportedPattern);
  });

  test('length bounds combine with the pattern: exactly at the limit', () => {
    const values = fc.sample(patternString('^[A-Z0-9]+$', { min: 1, max: 64 }), { seed: 1, numRuns: 200 });
    expect(values.some((v) => v.length === 64)).toBe(true);
    expect(values.some((v) => v.length === 1)).toBe(true);
    expect(values.every((v) => v.length >= 1 && v.length <= 64)).toBe(true);
  });
});

describe('valid values and inputs', () => {
  for (const api of APIS)
    for (const op of set.apis[api].operations.values()) {
      test(`${api} ${op.operation}: every generated input honours every constraint`, () => {
        const members = inputMembers(set, op);
        fc.assert(
          fc.property(validInput(set, op), (input) => {
            for (const m of members) {
              if (input[m.name] === undefined) {
                if (m.required) return false;
                continue;
              }
              if (violationOf(input[m.name], m)) return false;
            }
            return true;
          }),
          { numRuns: 50, seed: 3 },
        );
      });
    }

  test('free strings reach the code-point limit with multi-byte and astral characters', () => {
    const op = set.apis['2017-01-17'].operations.get('RejectAssignment');
    if (!op) return;
    const m = inputMembers(set, op).find((x) => x.constraints.some((c) => c.kind === 'forbiddenCodePoints'));
    if (!m) return;
    const values = fc.sample(validValue(m), { seed: 5, numRuns: 300 }) as string[];
    const max = Math.max(...m.constraints.flatMap((c) => (c.kind === 'length' && c.max ? [c.max] : [])));
    expect(values.some((v) => codePointLength(v) === max)).toBe(true);
    expect(values.some((v) => [...v].some((ch) => ch.codePointAt(0)! > 0xffff))).toBe(true);
    expect(values.every((v) => violationOf(v, m) === undefined)).toBe(true);
  });

  test('id members are filled from provider-state ids', () => {
    for (const api of APIS)
      for (const op of set.apis[api].operations.values()) {
        const ids = Object.fromEntries(inputMembers(set, op).map((m) => [m.name, `ID-${m.name}`]));
        for (const input of fc.sample(validInput(set, op, { ids }), { seed: 2, numRuns: 20 }))
          for (const [k, v] of Object.entries(input)) if (k in ids) expect(v).toBe(ids[k]);
      }
  });
});

describe('one-violation cases', () => {
  for (const api of APIS)
    for (const op of set.apis[api].operations.values())
      test(`${api} ${op.operation}: each case breaks its own constraint and keeps the other members valid`, () => {
        const members = inputMembers(set, op);
        const cases = oneViolation(set, op, { seed: 9 });
        for (const c of cases) {
          const m = members.find((x) => x.name === c.member)!;
          expect(c.source).toMatch(/#\//);
          expect(set.errors.errors[c.expectError]).toBeDefined();
          // a nested case (c.where: inside a structure or list item, or an exclusive group) is
          // checked by the emulator's validation in test/checks/nested-inputs.test.ts
          if (c.where) continue;
          if (c.key.endsWith('.required')) expect(c.member in c.input).toBe(false);
          else if (c.constraint) {
            expect(violationOf(c.input[c.member], { ...m, constraints: [c.constraint] })).toBeDefined();
          }
          for (const other of members)
            if (other.name !== c.member && c.input[other.name] !== undefined)
              expect(violationOf(c.input[other.name], other)).toBeUndefined();
        }
        for (const m of members)
          if (m.required) expect(cases.some((c) => c.key === `${m.name}.required`)).toBe(true);
        for (const m of members)
          for (const con of m.constraints)
            if (con.kind !== 'enum' && !(con.kind === 'length' && !con.max && !con.min))
              expect(
                cases.some((c) => c.constraint === con),
                `${m.name} ${con.kind}`,
              ).toBe(true);
      });

  test('the banned code points are each tried', () => {
    const op = set.apis['2017-01-17'].operations.get('RejectAssignment');
    if (!op) return;
    const labels = oneViolation(set, op)
      .filter((c) => c.constraint?.kind === 'forbiddenCodePoints')
      .map((c) => c.label);
    expect(labels).toContain('U+0000');
    expect(labels).toContain('U+001F');
  });
});

describe('cached samples (the same inputs as sampling afresh)', () => {
  const ops = APIS.flatMap((api) => [...set.apis[api].operations.values()]);
  const ids = { HITId: 'H1', AssignmentId: 'A1', QualificationTypeId: 'Q1', WorkerId: 'W1', HITTypeId: 'T1' };
  // tokens are random on every call: compared by their shape (code points, UTF-8 widths)
  const shape = (op: (typeof ops)[number], input: Record<string, unknown>) => {
    const out = { ...input };
    for (const m of tokenMembers(op))
      if (typeof out[m] === 'string')
        out[m] = [...(out[m] as string)].map((c) => Buffer.byteLength(c)).join('');
    return out;
  };
  test('sampleInput gives what validInput gives for the seed, ids and fixed values, with fresh tokens', () => {
    for (const op of ops)
      for (const opts of [
        { ids, requiredOnly: true },
        { ids: {}, requiredOnly: true },
        { ids, fixed: { X: 1 } },
      ])
        for (const seed of [1, 77]) {
          const fresh = fc.sample(validInput(set, op, opts), { seed, numRuns: 1 })[0]!;
          const first = sampleInput(set, op, opts, seed);
          const again = sampleInput(
            set,
            op,
            { ...opts, ids: Object.fromEntries(Object.keys(opts.ids).map((k) => [k, `${k}2`])) },
            seed,
          );
          expect(shape(op, first)).toEqual(shape(op, fresh));
          for (const k of Object.keys(opts.ids)) if (k in again) expect(again[k]).toBe(`${k}2`);
          for (const m of tokenMembers(op))
            if (typeof first[m] === 'string' && (first[m] as string).length > 8)
              expect(again[m]).not.toBe(first[m]);
        }
  });
  test('a fixed undefined (member left out) is not the cached sample without it', () => {
    const op = set.apis['2017-01-17'].operations.get('CreateQualificationType')!;
    const member = inputMembers(set, op).find((m) => !m.required)!.name;
    const plain = sampleInput(set, op, { fixed: {} }, 3);
    const without = sampleInput(set, op, { fixed: { [member]: undefined } }, 3);
    expect(shape(op, without)).toEqual(
      shape(
        op,
        fc.sample(validInput(set, op, { fixed: { [member]: undefined } }), { seed: 3, numRuns: 1 })[0]!,
      ),
    );
    expect(Object.keys(plain)).not.toEqual(Object.keys(without));
  });
  test('violationCase is the case oneViolation lists under that key and label', () => {
    for (const op of ops.slice(0, 20))
      for (const c of oneViolation(set, op, { ids, seed: 5 })) {
        const one = violationCase(set, op, { ids, seed: 5 }, c.key, c.label)!;
        expect({ ...one, input: shape(op, one.input) }).toEqual({ ...c, input: shape(op, c.input) });
      }
  });
});
