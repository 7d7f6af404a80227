// Lengths are counted in code points: an astral character (one emoji, two
// UTF-16 units, four UTF-8 bytes) counts once.
import { describe, expect, it } from 'vitest';
import { loadSpecs } from '../../src/spec/load.ts';
import { codePointLength, resolveMember, violationOf } from '../../src/spec/resolve.ts';
import type { Api, Constraint } from '../../src/spec/types.ts';

const set = loadSpecs();
const feedback = (api: Api) =>
  resolveMember(
    set,
    api,
    'RequesterFeedback',
    set.apis[api].operations.get('RejectAssignment')!.input.members.RequesterFeedback!,
  );
const maxOf = (api: Api) =>
  (feedback(api).constraints.find((c) => c.kind === 'length') as Extract<Constraint, { kind: 'length' }>)
    .max!;

describe.each(['2017-01-17', '2014-08-15'] as Api[])(
  '%s RejectAssignment.RequesterFeedback length',
  (api) => {
    const max = maxOf(api);

    it('the limit is 1024 code points', () => {
      expect(max).toBe(1024);
    });

    it('1024 emoji (astral: 2048 UTF-16 units, 4096 bytes) pass', () => {
      const value = '😀'.repeat(max);
      expect(value.length).toBe(2 * max);
      expect(Buffer.byteLength(value)).toBe(4 * max);
      expect(codePointLength(value)).toBe(max);
      expect(violationOf(value, feedback(api))).toBeUndefined();
    });

    it('1025 ASCII characters fail on the length constraint', () => {
      const v = violationOf('a'.repeat(max + 1), feedback(api));
      expect(v?.constraint.kind).toBe('length');
      expect(v?.reason).toMatch(/longer than 1024 codepoints/);
    });

    it('1024 ASCII characters pass, 1025 emoji fail', () => {
      expect(violationOf('a'.repeat(max), feedback(api))).toBeUndefined();
      expect(violationOf('😀'.repeat(max + 1), feedback(api))?.constraint.kind).toBe('length');
    });

    it('mixed BMP and astral characters: 1023 + one emoji pass', () => {
      expect(violationOf(`${'é'.repeat(max - 1)}😀`, feedback(api))).toBeUndefined();
    });
  },
);

describe('2017-01-17 RejectAssignment.RequesterFeedback banned characters', () => {
  const m = feedback('2017-01-17');
  const banned = [...Array(32).keys()].filter((cp) => ![9, 10, 13].includes(cp));

  it.each(banned)('U+%i is refused', (cp) => {
    const v = violationOf(`ok${String.fromCodePoint(cp)}ok`, m);
    expect(v?.constraint.kind).toBe('forbiddenCodePoints');
  });

  it('tab, line feed and carriage return are allowed', () => {
    expect(violationOf('a\tb\nc\rd', m)).toBeUndefined();
  });

  it('the legacy API bans nothing (the seed states no such rule)', () => {
    expect(violationOf('a\u0001b', feedback('2014-08-15'))).toBeUndefined();
  });
});
