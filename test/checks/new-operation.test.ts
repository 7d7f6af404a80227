// The catalogue is built from the specs only: an operation spec added later (here a
// copy of a seeded transition under a new name, with an extra member carrying new
// constraints) gets its checks without a line of check code, and the reference
// emulator, which is generic too, passes them.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { serverChecks } from '../../src/checks/catalogue.ts';
import { runCheck } from '../../src/checks/run.ts';
import type { ServerTargetConfig } from '../../src/checks/types.ts';
import { e2eCheckCatalogue } from '../../src/client-checks/e2e-checks.ts';
import { runE2eChecks } from '../../src/client-checks/e2e-session.ts';
import { clientCheckCatalogue } from '../../src/client-checks/mock-checks.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { TEST_CREDENTIALS } from '../../src/emulator/test-credentials.ts';
import type { ClientTargetConfig } from '../../src/mock/types.ts';
import { registerRuleKind } from '../../src/rules/index.ts';
import { DEFAULT_SPECS_DIR, loadSpecsUncached } from '../../src/spec/load.ts';
import type { OperationSpec } from '../../src/spec/types.ts';
import { serveWrapped, specCopy } from '../fixtures/broken-emulators/_support.ts';
import { echoId } from '../fixtures/rule-kinds/echo-id.ts';

test('a new operation spec gets valid, invalid, rule and protocol checks, and the emulator passes them', async () => {
  const api = '2017-01-17';
  const name = 'ConformanceNewTransition';
  const set = specCopy((s) => {
    const ops = [...s.apis[api].operations.values()].filter((o) => o.behaviour.kind === 'transition');
    const base = ops.find((o) => o.behaviour.rules.some((r) => r.kind === 'effect' && r.set)) ?? ops[0]!;
    const op = structuredClone(base) as OperationSpec;
    op.operation = name;
    delete op.equivalent;
    op.input.members.ConformanceNote = {
      shape: 'String',
      required: false,
      constraints: [
        { kind: 'length', min: 2, max: 12, unit: 'codepoint', basis: { tag: 'DOC', sources: [] } },
        { kind: 'pattern', pattern: '^[a-z]+(-[a-z]+)?$', basis: { tag: 'DOC', sources: [] } },
      ],
    };
    s.apis[api].operations.set(name, op);
  });
  const server = await serveWrapped({ options: { specs: set } });
  try {
    const config: ServerTargetConfig = {
      kind: 'server',
      endpoint: server.url,
      statesUrl: server.statesUrl,
      apis: [api],
      operations: [name],
      runs: 10,
      seed: 11,
      timeoutMs: 5000,
      credentials: [...TEST_CREDENTIALS],
    };
    const checks = serverChecks(set, config);
    const ids = checks.map((c) => c.check);
    expect(ids).toEqual(
      expect.arrayContaining([
        'valid.request',
        'valid.ConformanceNote.length',
        'invalid.ConformanceNote.length',
        'invalid.ConformanceNote.pattern',
        'protocol.unknown-operation',
        'stateful.model',
      ]),
    );
    expect(ids.some((c) => c.startsWith('rule.'))).toBe(true);
    const results = await Promise.all(checks.map((c) => runCheck(c, set, config)));
    const bad = results.filter((r) => r.status !== 'passed' && r.record.severity === 'must');
    expect(bad.map((r) => `${r.record.id}: ${r.record.detail ?? r.record.notRunReason}`)).toEqual([]);
  } finally {
    await server.close();
  }
}, 180_000);

// A new rule kind: one kind module (test/fixtures/rule-kinds/echo-id.ts, the shape of a file under
// src/rules/) and one operation spec file that uses it. The loader validates the rule with the
// kind's schema fragment and reference check, the emulator serves it, and the server checks and
// the end-to-end client checks (through the generic legacy REST client) include its checks.
describe('a new rule kind', () => {
  beforeAll(() => registerRuleKind(echoId));
  const api = '2014-08-15';
  const name = 'ConformanceEchoAssignment';
  const spec = (rule: Record<string, unknown>) => ({
    kind: 'operation',
    api,
    operation: name,
    role: 'support',
    summary: 'Hands back the id of an assignment (a test operation).',
    basis: { tag: 'DOC', sources: ['WSDL'] },
    input: { members: { AssignmentId: { shape: 'String', required: true } } },
    output: { members: { EchoedAssignmentId: { shape: 'String' } } },
    behaviour: {
      kind: 'read',
      entity: 'Assignment',
      select: 'AssignmentId',
      rules: [
        {
          id: 'unknown-id',
          kind: 'exists',
          error: 'AssignmentDoesNotExist',
          basis: { tag: 'DOC', sources: ['WSDL'] },
        },
        rule,
      ],
    },
  });
  const echoRule = {
    id: 'echoes-id',
    kind: 'echo-id',
    given: 'HITWithSubmittedAssignment',
    member: 'EchoedAssignmentId',
    basis: { tag: 'DOC', sources: ['WSDL'] },
  };
  let dir = '';
  const withSpec = (doc: object) => {
    dir = mkdtempSync(join(tmpdir(), 'rule-kind-'));
    cpSync(DEFAULT_SPECS_DIR, dir, { recursive: true });
    writeFileSync(join(dir, api, `${name}.json`), JSON.stringify(doc, null, 2));
    return dir;
  };
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the loader refuses an unregistered kind, and checks the fragment and references of a registered one', () => {
    expect(() => loadSpecsUncached(withSpec(spec({ ...echoRule, kind: 'echo-unknown' })))).toThrow(
      /behaviour\/rules\/1\/kind: must be equal to one of the allowed values \(.*echo-id/,
    );
    const { member: _m, ...noMember } = echoRule;
    expect(() => loadSpecsUncached(withSpec(spec(noMember)))).toThrow(/must have required property 'member'/);
    expect(() => loadSpecsUncached(withSpec(spec({ ...echoRule, member: 'Nothing' })))).toThrow(
      /rules\/1\/member: Nothing is not an output member/,
    );
  });

  test('the emulator, the server checks and the client checks pick it up', async () => {
    const set = loadSpecsUncached(withSpec(spec(echoRule)));
    const emulator = await startEmulator({ port: 0, specs: set });
    try {
      const config: ServerTargetConfig = {
        kind: 'server',
        endpoint: emulator.url,
        statesUrl: emulator.statesUrl,
        apis: [api],
        operations: [name],
        runs: 5,
        seed: 3,
        timeoutMs: 5000,
        credentials: [...TEST_CREDENTIALS],
      };
      const checks = serverChecks(set, config).filter((c) => c.operation === name);
      expect(checks.map((c) => c.check)).toEqual(expect.arrayContaining(['rule.echoes-id', 'valid.request']));
      const echo = await runCheck(checks.find((c) => c.check === 'rule.echoes-id')!, set, config);
      expect(echo.status, echo.record.detail).toBe('passed');

      const client: ClientTargetConfig = {
        kind: 'client',
        client: 'legacy-rest',
        apis: [api],
        operations: [name],
        runs: 2,
        seed: 3,
        timeoutMs: 5000,
        server: { endpoint: emulator.url, statesUrl: emulator.statesUrl },
      };
      expect(e2eCheckCatalogue(set, { apis: [api], operations: [name] }).map((d) => d.check)).toEqual([
        'e2e.unknown-id',
        'e2e.unknown-id.message',
        'e2e.echoes-id',
      ]);
      const results = await runE2eChecks(set, client);
      expect(results.map((r) => `${r.def.check}: ${r.outcome.status} ${r.outcome.detail}`)).toEqual([
        expect.stringMatching(/^e2e.unknown-id: passed/),
        expect.stringMatching(/^e2e.unknown-id.message: passed/),
        expect.stringMatching(/^e2e.echoes-id: passed/),
      ]);
      expect(clientCheckCatalogue(set, { apis: [api], operations: [name] }).length).toBeGreaterThan(2);
    } finally {
      await emulator.close();
    }
  }, 180_000);
});
