// The catalogue is built from the specs only: an operation spec added later (here a
// copy of a seeded transition under a new name, with an extra member carrying new
// constraints) gets its checks without a line of check code, and the reference
// emulator, which is generic too, passes them.
import { expect, test } from 'vitest';
import { serverChecks } from '../../src/checks/catalogue.ts';
import { runCheck } from '../../src/checks/run.ts';
import type { ServerTargetConfig } from '../../src/checks/types.ts';
import { TEST_CREDENTIALS } from '../../src/emulator/test-credentials.ts';
import type { OperationSpec } from '../../src/spec/types.ts';
import { serveWrapped, specCopy } from '../fixtures/broken-emulators/_support.ts';

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
}, 60_000);
