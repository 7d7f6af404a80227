// The client check catalogue is generated from the specs: ids, severities by
// evidence, and a new operation spec gets its client checks with no code.
import { describe, expect, test } from 'vitest';
import { clientCheckCatalogue } from '../../src/client-checks/mock-checks.ts';
import { diffRecord, diffValue } from '../../src/mock/compare.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import type { ResolvedMember, SpecSet } from '../../src/spec/types.ts';

const set = loadSpecs();

describe('clientCheckCatalogue', () => {
  const all = clientCheckCatalogue(set);

  test('every operation of both APIs gets the client checks, with unique ids', () => {
    for (const [api, a] of Object.entries(set.apis))
      for (const op of a.operations.keys()) {
        const checks = all.filter((c) => c.api === api && c.operation === op).map((c) => c.check);
        expect(checks).toEqual(
          expect.arrayContaining([
            'client.wire-request',
            'client.output',
            'client.error-code',
            'client.retry-throttling',
            'client.retry-servicefault',
          ]),
        );
      }
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    for (const c of all) expect(c.id).toBe(`${c.api}/${c.operation}/${c.check}`);
  });

  test('severities follow the evidence: inferred facts make should checks', () => {
    const sev = (id: string) => all.find((c) => c.id === id)?.severity;
    expect(sev('2017-01-17/RejectAssignment/client.wire-request')).toBe('must');
    expect(sev('2017-01-17/RejectAssignment/client.output')).toBe('must');
    expect(sev('2017-01-17/RejectAssignment/client.error-code')).toBe('must');
    expect(sev('2017-01-17/RejectAssignment/client.invalid-input')).toBe('should');
    expect(sev('2017-01-17/RejectAssignment/client.retry-throttling')).toBe('should');
    expect(sev('2014-08-15/RejectAssignment/client.wire-request')).toBe('must');
    // legacy signing rests on an inferred fact: its own should check; 2017 signs inside wire-request
    expect(sev('2014-08-15/RejectAssignment/client.signature')).toBe('should');
    expect(sev('2017-01-17/RejectAssignment/client.signature')).toBeUndefined();
  });

  test('filters by api, operation and check name or id', () => {
    const some = clientCheckCatalogue(set, {
      apis: ['2017-01-17'],
      operations: ['GetAssignment'],
      checks: ['client.output', '2017-01-17/GetAssignment/client.error-code'],
    });
    expect(some.map((c) => c.id)).toEqual([
      '2017-01-17/GetAssignment/client.output',
      '2017-01-17/GetAssignment/client.error-code',
    ]);
  });

  test('a new operation spec gets its client checks with no code', () => {
    const api = set.apis['2017-01-17'];
    const base = api.operations.get('RejectQualificationRequest')!;
    const copy = { ...base, operation: 'RejectSomethingNew' };
    const extended: SpecSet = {
      ...set,
      apis: {
        ...set.apis,
        '2017-01-17': { ...api, operations: new Map([...api.operations, ['RejectSomethingNew', copy]]) },
      },
    };
    const ids = clientCheckCatalogue(extended, { operations: ['RejectSomethingNew'] }).map((c) => c.id);
    expect(ids).toContain('2017-01-17/RejectSomethingNew/client.wire-request');
  });
});

describe('compare', () => {
  const ts: ResolvedMember = {
    name: 'T',
    type: 'timestamp',
    shape: 'Timestamp',
    required: false,
    constraints: [],
  };
  const list: ResolvedMember = {
    name: 'L',
    type: 'list',
    shape: 'L',
    required: false,
    constraints: [],
    item: { name: 'member', type: 'string', shape: 'String', required: false, constraints: [] },
  };

  test('timestamps compare as instants', () => {
    expect(diffValue(new Date('2020-01-01T00:00:00Z'), '2020-01-01T01:00:00+01:00', ts, 'T')).toEqual([]);
    expect(diffValue(new Date('2020-01-01T00:00:00.500Z'), '2020-01-01T00:00:00Z', ts, 'T')).toHaveLength(1);
  });

  test('an empty list equals an absent one only where the wire cannot tell them apart', () => {
    expect(diffRecord({ L: [] }, {}, [list], '', { emptyListIsAbsent: true })).toEqual([]);
    expect(diffRecord({ L: [] }, {}, [list], '')).toHaveLength(1);
  });

  test('unicode strings must be intact, extra members are reported', () => {
    expect(diffRecord({ a: 'é🎏' }, { a: 'Ã©ðŸŽ' }, [], '')).toHaveLength(1);
    expect(diffRecord({}, { extra: 1 }, [], '')).toEqual(['extra: expected absent, got 1']);
  });
});
