// parseQuery reads a query string (or a form body) as URLSearchParams does, pair for pair.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../src/wire/http-types.ts';

const reference = (raw: string) => [...new URLSearchParams(raw)];

describe('parseQuery', () => {
  it('reads what URLSearchParams reads', () => {
    for (const raw of [
      '',
      '?',
      '?a=1',
      '??a=1',
      'a=1&b=2&a=3',
      'a&b=&=c&&d==e',
      'a+b=c+d%20e%2B',
      'Signature=abc%2Bdef%2F%3D&Timestamp=2026-01-02T03%3A04%3A05Z',
      '%',
      'a=%zz&b=%4',
      'a=%C3%A9%E2%82%AC',
      'a=%C3&b=%FF%FE',
      'a=%ED%A0%80',
      'é=ü',
      'a=\uD800',
      'a=%00&b=%0A',
    ])
      expect(parseQuery(raw), raw).toEqual(reference(raw));
  });

  it('agrees with URLSearchParams on generated strings', () => {
    const piece = fc.constantFrom(
      'a',
      'B',
      '=',
      '&',
      '+',
      '%',
      '%2',
      '%2B',
      '%3D',
      '%C3%A9',
      '%C3',
      '%FF',
      'é',
      '?',
      ' ',
      '\uD83D\uDE00',
      '\uDC00',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const raw = parts.join('');
        expect(parseQuery(raw)).toEqual(reference(raw));
      }),
      { numRuns: 2000, seed: 3 },
    );
  });
});
