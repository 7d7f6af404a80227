import { describe, expect, test } from 'vitest';
import { serverChecks } from '../../src/checks/catalogue.ts';
import { runCheck } from '../../src/checks/run.ts';
import type { ServerTargetConfig } from '../../src/checks/types.ts';
import { TEST_CREDENTIALS } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { APIS } from '../../src/spec/types.ts';

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
        expect(mine).toContain('protocol.unknown-operation');
        // an operation without input members (GetAccountBalance) has nothing to violate
        if (Object.keys(op.input.members).length)
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

  test('signature checks are should-level; INF-backed error codes too', () => {
    for (const c of checks.filter((x) => /protocol\.(missing|bad)-signature/.test(x.check)))
      expect(c.severity).toBe('should');
    const missing = checks.filter((c) => c.check.endsWith('.required'));
    expect(missing.length).toBeGreaterThan(0);
    for (const c of missing) expect(c.severity).toBe('should');
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
