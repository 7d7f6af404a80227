// Every deliberately broken client is failed on the check that names its
// fault, and the good bundled clients pass every `must` check (catalogue run
// in process against the msw mock, small runs).
import { describe, expect, test } from 'vitest';
import { runClientChecks } from '../../src/client-checks/lanes.ts';
import type { ClientTargetConfig } from '../../src/mock/types.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { BROKEN_CLIENTS } from '../fixtures/broken-clients/index.ts';
import { createSoapClient, soapOperation } from '../fixtures/broken-clients/legacy-speaks-soap.ts';
import { UNCAUGHT_CLIENT_KINDS } from '../fixtures/broken-clients/uncaught-kinds.ts';
import { checkKinds, expectAudited } from '../support/check-kinds.ts';

const set = loadSpecs();
const base = { kind: 'client', runs: 5, seed: 20261124, timeoutMs: 5000 } as const;

// the runs below, kept for the kind audit at the end: each broken client's failed check ids, and
// every check id the good bundled clients ran (their catalogues together: both API versions)
const failedBy = new Map<string, string[]>();
const catalogue = new Set<string>();

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
      const results = await runClientChecks(b.specs ?? set, config, {
        transport: b.transport ?? 'in-process',
        factory: (_api, endpoint, ctx) => b.create(endpoint, ctx.set, ctx.credentials),
      });
      failedBy.set(
        b.name,
        results.filter((r) => r.outcome.status === 'failed').map((r) => r.def.id),
      );
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
  // sdk-v3: the next test, which holds it to every check, must and should alike (running its
  // catalogue twice showed nothing more)
  for (const [client, api] of [
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
      for (const r of results) catalogue.add(r.def.id);
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
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) catalogue.add(r.def.id);
    const failures = results
      .filter((r) => r.outcome.status !== 'passed')
      .map((r) => `${r.def.id}: ${r.outcome.status} ${r.outcome.detail}`);
    expect(failures).toEqual([]);
  });
});

// The client families share the server family's case loop: a failing value is shrunk before it is
// shown, so what is unrelated to the failure is gone (12.16).
test('a client failure shows a shrunk counterexample', async () => {
  const run = async (name: string) => {
    const b = BROKEN_CLIENTS.find((x) => x.name === name)!;
    const config: ClientTargetConfig = {
      ...base,
      runs: 20,
      client: 'sdk-v3',
      apis: [b.api],
      operations: [b.operation],
    };
    const results = await runClientChecks(set, config, {
      transport: 'in-process',
      factory: (_api, endpoint, ctx) => b.create(endpoint, ctx.set, ctx.credentials),
    });
    const mine = results.find((r) => r.def.id === b.failsOn)!;
    expect(mine.outcome.status).toBe('failed');
    return JSON.parse(mine.outcome.counterexample!) as Record<string, unknown>;
  };
  // dropping a member: the smallest input that has it (one-character values)
  const dropped = await run('sdk-drops-feedback');
  expect(Object.keys(dropped).sort()).toEqual(['AssignmentId', 'RequesterFeedback']);
  for (const v of Object.values(dropped)) expect([...String(v)]).toHaveLength(1);
  // a misread timestamp: the served output shrinks to the one member that shows it
  const dates = (await run('sdk-misparses-dates')) as { served: Record<string, Record<string, unknown>> };
  expect(Object.values(dates.served).flatMap((x) => Object.keys(x))).toHaveLength(1);
}, 180_000);

test('a client that speaks a wire form the suite does not know (SOAP 1.2) gets one not-run reason', async () => {
  const results = await runClientChecks(
    set,
    { ...base, client: 'legacy-rest', apis: ['2014-08-15'], operations: [soapOperation] },
    { transport: 'in-process', factory: (_api, endpoint) => createSoapClient(endpoint) },
  );
  expect(results.length).toBeGreaterThan(3);
  expect(results.filter((r) => r.outcome.status === 'failed').map((r) => r.def.id)).toEqual([]);
  const reasons = new Set(results.map((r) => r.outcome.notRunReason));
  expect(reasons.size).toBe(1);
  expect([...reasons][0]).toMatch(
    /speaks SOAP \(Content-Type application\/soap\+xml\).*a wire form this suite does not check/,
  );
});

// The converse of the per-client test: every kind of mock client check (test/support/check-kinds.ts)
// fails for at least one broken client, or is listed with its reason; a stale entry fails too.
test('every kind of client check is watched catching a broken client, or listed', () => {
  const missing = BROKEN_CLIENTS.filter((b) => !failedBy.has(b.name)).map((b) => b.name);
  expect(missing, 'the audit needs every broken client run (the whole file)').toEqual([]);
  expect(catalogue.size).toBeGreaterThan(100);
  const kinds = checkKinds(set);
  const all = new Set([...catalogue].map((id) => kinds.keyOf(id)));
  // only the failure a broken client is held to (its failsOn) counts, not one seen in passing
  const caught = new Set(
    BROKEN_CLIENTS.filter((b) => failedBy.get(b.name)?.includes(b.failsOn)).map((b) =>
      kinds.keyOf(b.failsOn),
    ),
  );
  expectAudited('client check kinds', new Map([...all].map((k) => [k, k])), caught, UNCAUGHT_CLIENT_KINDS);
});
