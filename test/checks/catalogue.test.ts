import { describe, expect, test } from 'vitest';
import { serverChecks } from '../../src/checks/catalogue.ts';
import { PROTOCOL_SAMPLE_SIZE } from '../../src/checks/protocol-checks.ts';
import { runCheck } from '../../src/checks/run.ts';
import type { ServerTargetConfig } from '../../src/checks/types.ts';
import { TEST_CREDENTIALS } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { inputMembers } from '../../src/spec/resolve.ts';
import { APIS } from '../../src/spec/types.ts';
import { specCopy } from '../fixtures/broken-emulators/_support.ts';

const set = loadSpecs();
const base: ServerTargetConfig = {
  kind: 'server',
  endpoint: 'http://127.0.0.1:9',
  apis: [...APIS],
  runs: 5,
  seed: 1,
  timeoutMs: 1000,
  credentials: [...TEST_CREDENTIALS],
};

describe('the server check catalogue', () => {
  const checks = serverChecks(set, base);

  test('ids are unique, well-formed and name a specified operation', () => {
    expect(new Set(checks.map((c) => c.id)).size).toBe(checks.length);
    for (const c of checks) {
      expect(c.id).toBe(`${c.api}/${c.operation}/${c.check}`);
      expect(set.apis[c.api].operations.has(c.operation)).toBe(true);
      expect(c.rule).toMatch(/\.json/);
      expect(['must', 'should']).toContain(c.severity);
    }
  });

  test('every operation gets valid, invalid, rule and protocol checks; every rule a check', () => {
    for (const api of APIS)
      for (const op of set.apis[api].operations.values()) {
        const mine = checks.filter((c) => c.api === api && c.operation === op.operation).map((c) => c.check);
        expect(mine).toContain('valid.request');
        expect(mine).toContain('protocol.success-envelope');
        // an operation without input members (GetAccountBalance), or with only an optional free
        // string (legacy GetAccountBalance's Unused), has nothing to violate
        if (inputMembers(set, op).some((m) => m.required || m.constraints.length > 0 || m.type !== 'string'))
          expect(
            mine.some((c) => c.startsWith('invalid.')),
            `${api} ${op.operation}`,
          ).toBe(true);
        for (const r of op.behaviour.rules)
          expect(
            mine.some((c) => c.startsWith(`rule.${r.id}`)),
            `${api} ${op.operation} ${r.id}`,
          ).toBe(true);
      }
  });

  test('"must be refused" takes the severity of what is broken, "…with this code" that of the code', () => {
    const sevOf = (id: string) => checks.find((c) => c.id === id)?.severity;
    // a model-required member missing: the refusal is must, the inferred MissingParameter code should
    for (const api of ['2017-01-17', '2014-08-15'])
      for (const [op, member] of [
        ['RejectAssignment', 'RequesterFeedback'],
        ['RejectQualificationRequest', 'QualificationRequestId'],
      ] as const) {
        if (api === '2014-08-15' && member === 'RequesterFeedback') continue;
        expect(sevOf(`${api}/${op}/invalid.${member}.required`), `${api} ${op} ${member}`).toBe('must');
        expect(sevOf(`${api}/${op}/invalid.${member}.required.code`)).toBe('should');
      }
    // an unknown operation and an unsigned request must be refused; their codes are inferred
    const familySev = (api: string, check: string) =>
      checks.find((c) => c.api === api && c.check === check)?.severity;
    for (const api of ['2017-01-17', '2014-08-15']) {
      expect(familySev(api, 'protocol.unknown-operation')).toBe('must');
      expect(familySev(api, 'protocol.unknown-operation.code')).toBe('should');
      expect(familySev(api, 'protocol.missing-signature')).toBe('must');
      expect(familySev(api, 'protocol.missing-signature.code')).toBe('should');
      // verifying a signature stays should-level
      expect(familySev(api, 'protocol.bad-signature')).toBe('should');
    }
  });

  test('filters: operations, apis, check ids; cross checks only with both APIs', () => {
    const one = serverChecks(set, { ...base, apis: ['2017-01-17'], operations: ['RejectAssignment'] });
    expect(one.every((c) => c.api === '2017-01-17' && c.operation === 'RejectAssignment')).toBe(true);
    expect(one.some((c) => c.check.startsWith('cross.'))).toBe(false);
    expect(checks.some((c) => c.check.startsWith('cross.'))).toBe(true);
    const id = one[0]!.id;
    expect(serverChecks(set, { ...base, checks: [id] }).map((c) => c.id)).toEqual([id]);
  });

  test('without a states URL, state-dependent checks are not-run, never passed', async () => {
    const c = checks.find((x) => x.check === 'rule.only-submitted' && x.api === '2017-01-17');
    if (!c) return;
    const r = await runCheck(c, set, { ...base, statesUrl: undefined, endpoint: 'http://127.0.0.1:1' });
    expect(r.status).not.toBe('passed');
  });
});

test('check selection takes globs', () => {
  const picked = serverChecks(set, { ...base, checks: ['2017-01-17/*/protocol.content-type'] });
  expect(picked.length).toBeGreaterThan(1);
  expect(picked.every((c) => c.api === '2017-01-17' && c.check === 'protocol.content-type')).toBe(true);
});

test('the protocol family runs on a sample of operations per API (a different one per seed); the success envelope on all', () => {
  const family = (cs: ReturnType<typeof serverChecks>, api: string) =>
    cs.filter(
      (c) =>
        c.api === api &&
        c.check.startsWith('protocol.') &&
        c.check !== 'protocol.success-envelope' &&
        !c.check.startsWith('protocol.case.'),
    );
  // ten more operations (copies of a seeded one) add success-envelope checks, not protocol family checks
  const more = specCopy((s) => {
    const ops = s.apis['2017-01-17'].operations;
    const seedOp = ops.get('RejectAssignment')!;
    for (let i = 0; i < 10; i++) {
      const op = structuredClone(seedOp);
      op.operation = `ConformanceCopy${i}`;
      delete op.equivalent;
      ops.set(op.operation, op);
    }
  });
  const before = serverChecks(set, base);
  const after = serverChecks(more, base);
  // the sampled operations may differ (and operations differ in how many family checks they carry),
  // but the family does not grow by one set per added operation: unsampled, it would be ~10x larger
  expect(family(after, '2017-01-17').length).toBeLessThan(2 * family(before, '2017-01-17').length);
  const envelopes = (cs: typeof before) => cs.filter((c) => c.check === 'protocol.success-envelope').length;
  expect(envelopes(after)).toBe(envelopes(before) + 10);
  const carriers = (cs: typeof before, api: string) =>
    [...new Set(family(cs, api).map((c) => c.operation))].sort();
  expect(carriers(after, '2017-01-17')).toHaveLength(PROTOCOL_SAMPLE_SIZE);
  // deterministic for a seed, spread over seeds
  const samples = new Set<string>();
  for (let seed = 1; seed <= 12; seed++) {
    const a = carriers(serverChecks(more, { ...base, seed }), '2017-01-17').join(',');
    expect(carriers(serverChecks(more, { ...base, seed }), '2017-01-17').join(',')).toBe(a);
    samples.add(a);
  }
  expect(samples.size).toBeGreaterThan(3);
});
