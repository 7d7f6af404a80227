// Negative cases reach into structures and lists: with the nested test spec, the catalogue has a
// check per broken nested member (its path in the id), per item limit and per exclusive group;
// the reference emulator refuses each, and the bundled legacy client surfaces the server's refusal
// (the broken emulator and client that ignore them are in test/fixtures and fail the same checks).

import fc from 'fast-check';
import { expect, test } from 'vitest';
import { oneViolation, validInput } from '../../src/arbitraries/input.ts';
import { serverChecks } from '../../src/checks/catalogue.ts';
import { runCheck } from '../../src/checks/run.ts';
import type { ServerTargetConfig } from '../../src/checks/types.ts';
import { runClientChecks } from '../../src/client-checks/lanes.ts';
import { TEST_CREDENTIALS } from '../../src/emulator/test-credentials.ts';
import { serveWrapped } from '../fixtures/broken-emulators/_support.ts';
import { NESTED_API, NESTED_CHECKS, NESTED_OPERATION, nestedSpecs } from '../fixtures/nested-inputs.ts';

const set = nestedSpecs();
const op = set.apis[NESTED_API].operations.get(NESTED_OPERATION)!;

test('one-violation cases break one thing at any depth, and valid inputs honour exclusive groups', () => {
  const cases = oneViolation(set, op, { seed: 3 });
  const byKey = new Map(cases.map((c) => [c.key, c]));
  const comparator = byKey.get('QualificationRequirement[].Comparator.enum')!;
  expect(comparator.where).toBe('QualificationRequirement[0].Comparator');
  const items = comparator.input.QualificationRequirement as Record<string, unknown>[];
  expect(items).toHaveLength(1);
  expect(items[0]!.QualificationTypeId).toBeTypeOf('string');
  expect(byKey.get('QualificationRequirement.length')!.input.QualificationRequirement).toHaveLength(3);
  const both = byKey.get('Question+HITLayoutId.exclusive')!;
  expect(both.input.Question).toBeDefined();
  expect(both.input.HITLayoutId).toBeDefined();
  expect(byKey.get('Question+HITLayoutId.required')!.input.Question).toBeUndefined();
  for (const input of fc.sample(validInput(set, op), { seed: 5, numRuns: 50 }))
    expect([input.Question, input.HITLayoutId].filter((x) => x !== undefined)).toHaveLength(1);
});

test('the reference emulator refuses every nested violation with the documented error', async () => {
  const server = await serveWrapped({ options: { specs: set } });
  try {
    const config: ServerTargetConfig = {
      kind: 'server',
      endpoint: server.url,
      statesUrl: server.statesUrl,
      apis: [NESTED_API],
      operations: [NESTED_OPERATION],
      runs: 5,
      seed: 7,
      timeoutMs: 5000,
      credentials: [...TEST_CREDENTIALS],
      checks: ['*/invalid.*', '*/valid.request'],
    };
    const checks = serverChecks(set, config);
    const ids = checks.map((c) => c.id);
    for (const id of NESTED_CHECKS) {
      expect(ids).toContain(id);
      expect(ids).toContain(`${id}.code`);
    }
    const results = await Promise.all(checks.map((c) => runCheck(c, set, config)));
    const bad = results.filter((r) => r.status !== 'passed');
    expect(bad.map((r) => `${r.record.id}: ${r.record.detail ?? r.record.notRunReason}`)).toEqual([]);
  } finally {
    await server.close();
  }
}, 180_000);

test('the bundled legacy client surfaces the refusal of a nested violation (client.invalid-input)', async () => {
  const results = await runClientChecks(
    set,
    {
      kind: 'client',
      client: 'legacy-rest',
      apis: [NESTED_API],
      operations: [NESTED_OPERATION],
      runs: 3,
      seed: 9,
      timeoutMs: 5000,
    },
    { transport: 'in-process' },
  );
  const invalid = results.find((r) => r.def.check === 'client.invalid-input');
  expect(invalid?.outcome.status, invalid?.outcome.detail).toBe('passed');
  expect(invalid?.outcome.detail).toMatch(/\d+ one-violation inputs/);
}, 180_000);
