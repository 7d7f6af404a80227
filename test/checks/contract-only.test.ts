// A check may expect only what a documented fact or the provider-states contract fixes. A server
// whose provider states fill the entities' other fields differently from the reference
// emulator's model defaults (another HIT Title, Description, Reward, another rejection feedback)
// is as correct as the emulator, and must pass every must-level check.
import { expect, test } from 'vitest';
import { serverChecks } from '../../src/checks/catalogue.ts';
import { runCheck } from '../../src/checks/run.ts';
import type { ServerTargetConfig } from '../../src/checks/types.ts';
import { TEST_CREDENTIALS } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { APIS } from '../../src/spec/types.ts';
import { serveWrapped, specCopy } from '../fixtures/broken-emulators/_support.ts';

test('provider states with other titles, descriptions, rewards and feedback pass the read checks', async () => {
  const set = loadSpecs();
  // free text (a value with a space: titles, descriptions, feedback) and counts, changed
  const other = (v: unknown) =>
    typeof v === 'string' && / /.test(v) && !v.startsWith('<')
      ? `${v} (elsewhere)`
      : typeof v === 'number'
        ? v + 1
        : v;
  const served = specCopy((s) => {
    for (const ent of Object.values(s.model.entities))
      for (const [k, v] of Object.entries(ent.fields)) ent.fields[k] = other(v);
    for (const st of Object.values(s.model.states))
      for (const c of st.creates)
        for (const [k, v] of Object.entries(c.fields ?? {})) c.fields![k] = other(v);
  });
  const server = await serveWrapped({ options: { specs: served } });
  try {
    const config: ServerTargetConfig = {
      kind: 'server',
      endpoint: server.url,
      statesUrl: server.statesUrl,
      apis: [...APIS],
      runs: 3,
      seed: 5,
      timeoutMs: 5000,
      credentials: [...TEST_CREDENTIALS],
    };
    const checks = serverChecks(set, config).filter((c) => c.check.startsWith('rule.'));
    const reads = checks.filter((c) => /^rule\.returns-/.test(c.check));
    expect(reads.length).toBeGreaterThanOrEqual(2);
    const results = await Promise.all(checks.map((c) => runCheck(c, set, config)));
    const bad = results.filter((r) => r.status !== 'passed' && r.record.severity === 'must');
    expect(bad.map((r) => `${r.record.id}: ${r.record.detail ?? r.record.notRunReason}`)).toEqual([]);
  } finally {
    await server.close();
  }
}, 180_000);
