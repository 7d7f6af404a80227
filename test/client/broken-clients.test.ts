// Every deliberately broken client is failed on the check that names its
// fault, and the good bundled clients pass every `must` check (catalogue run
// in process against the msw mock, small runs).
import { describe, expect, test } from 'vitest';
import { runClientChecks } from '../../src/mock/session.ts';
import type { ClientTargetConfig } from '../../src/mock/types.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { BROKEN_CLIENTS } from '../fixtures/broken-clients/index.ts';

const set = loadSpecs();
const base = { kind: 'client', runs: 5, seed: 20261124, timeoutMs: 5000 } as const;

describe('broken clients fail on the right check', () => {
  test('there are at least ten', () => {
    expect(BROKEN_CLIENTS.length).toBeGreaterThanOrEqual(10);
  });
  for (const b of BROKEN_CLIENTS) {
    test(`${b.name} (${b.fault}) fails ${b.failsOn}`, async () => {
      const config: ClientTargetConfig = {
        ...base,
        client: 'sdk-v3',
        apis: [b.api],
        operations: [b.operation],
      };
      const results = await runClientChecks(set, config, {
        transport: b.transport ?? 'in-process',
        factory: (_api, endpoint, ctx) => b.create(endpoint, ctx.set, ctx.credentials),
      });
      const mine = results.find((r) => r.def.id === b.failsOn);
      expect(mine, `the catalogue has no check ${b.failsOn}`).toBeDefined();
      expect(mine!.outcome.status, `${b.failsOn} should fail for ${b.name}: ${mine!.outcome.detail}`).toBe(
        'failed',
      );
      expect(mine!.outcome.detail.length).toBeGreaterThan(10);
    });
  }
});

test('a mis-signed legacy request fails client.signature only: the rest of it is judged apart', async () => {
  const b = BROKEN_CLIENTS.find((x) => x.name === 'legacy-bad-signature')!;
  const results = await runClientChecks(
    set,
    { ...base, client: 'legacy-rest', apis: [b.api], operations: [b.operation] },
    {
      transport: 'in-process',
      factory: (_api, endpoint, ctx) => b.create(endpoint, ctx.set, ctx.credentials),
    },
  );
  const status = Object.fromEntries(results.map((r) => [r.def.check, r.outcome.status]));
  expect(status['client.signature']).toBe('failed');
  expect(status['client.wire-request']).toBe('passed');
});

describe('the good bundled clients pass every must check', () => {
  for (const [client, api] of [
    ['sdk-v3', '2017-01-17'],
    ['legacy-rest', '2014-08-15'],
    ['legacy-soap', '2014-08-15'],
  ] as const) {
    test(client, async () => {
      const results = await runClientChecks(
        set,
        { ...base, client, apis: [api] },
        { transport: 'in-process' },
      );
      expect(results.length).toBeGreaterThan(0);
      const mustFailures = results
        .filter((r) => r.def.severity === 'must' && r.outcome.status !== 'passed')
        .map((r) => `${r.def.id}: ${r.outcome.status} ${r.outcome.detail}`);
      expect(mustFailures).toEqual([]);
      const notRun = results.filter((r) => r.outcome.status === 'not-run');
      expect(notRun).toEqual([]);
    });
  }

  test('the SDK also passes every should check', async () => {
    const results = await runClientChecks(
      set,
      { ...base, client: 'sdk-v3', apis: ['2017-01-17'] },
      { transport: 'in-process' },
    );
    const failures = results
      .filter((r) => r.outcome.status !== 'passed')
      .map((r) => `${r.def.id}: ${r.outcome.detail}`);
    expect(failures).toEqual([]);
  });
});
