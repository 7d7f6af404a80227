// The listing and read-back checks of the list and read kinds are written once (src/rules/list.ts,
// read.ts): each server check rule.<id>.<suffix> has a client twin e2e.<id>.<suffix> of the same
// severity, and every broken emulator that fails the server check fails its twin through a client.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { e2eCheckCatalogue } from '../../src/client-checks/e2e-checks.ts';
import { runE2eChecks } from '../../src/client-checks/e2e-session.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { APIS, type Api } from '../../src/spec/types.ts';
import { brokenEmulators } from '../fixtures/broken-emulators/index.ts';
import { serverCatalogue } from '../support/catalogue.ts';

const set = loadSpecs();
const CLIENT: Record<Api, 'sdk-v3' | 'legacy-rest'> = { '2017-01-17': 'sdk-v3', '2014-08-15': 'legacy-rest' };
// a client signs as itself: it has no fresh requester whose listing could be counted exactly
const SERVER_ONLY = /\.unfiltered-exact$/;

/** The further checks of the read and list rules (rule.<id>.<suffix>), server id → severity. */
function furtherServerChecks(): Map<string, string> {
  const ids = new Map<string, string>();
  for (const c of serverCatalogue(set)) {
    const op = set.apis[c.api].operations.get(c.operation)!;
    const rule = op.behaviour.rules.find((r) => c.check.startsWith(`rule.${r.id}.`));
    if (rule && (rule.kind === 'list' || rule.kind === 'read')) ids.set(c.id, c.severity);
  }
  return ids;
}

const furtherIds = furtherServerChecks();
const twin = (id: string) => id.replace('/rule.', '/e2e.');

describe('list and read checks for both audiences', () => {
  test('each server check rule.<id>.<suffix> of a list or read rule has an e2e twin of the same severity', () => {
    const server = furtherIds;
    expect(server.size).toBeGreaterThan(50);
    const e2e = new Map(
      APIS.flatMap((api) => e2eCheckCatalogue(set, { apis: [api] })).map((d) => [d.id, d.severity]),
    );
    const missing: string[] = [];
    for (const [id, severity] of server) {
      if (SERVER_ONLY.test(id)) {
        expect(e2e.has(twin(id)), id).toBe(false);
        continue;
      }
      if (e2e.get(twin(id)) !== severity) missing.push(`${twin(id)} (${severity})`);
    }
    expect(missing).toEqual([]);
  });

  // every broken emulator that fails one of those server checks, and the check
  const caught = brokenEmulators.flatMap((b) =>
    b.expectFailing
      .filter((id) => /\/rule\.[a-z-]+\.[A-Za-z]/.test(id) && !SERVER_ONLY.test(id))
      .filter((id) => furtherIds.has(id))
      .map((id) => [b.name, id] as const),
  );

  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  test('every kind of those checks is caught through a client by some broken emulator', () => {
    const kind = (id: string) => id.split('/')[2]!.split('.')[2];
    const kinds = (ids: Iterable<string>) => [...new Set([...ids].map(kind))].sort();
    const moved = [...furtherIds.keys()].filter((id) => !SERVER_ONLY.test(id));
    expect(kinds(caught.map(([, id]) => id))).toEqual(kinds(moved));
  });

  test.each(caught)(
    '%s fails %s through a client too, and the reference emulator passes it',
    async (name, id) => {
      const api = id.split('/')[0] as Api;
      const target = (server: { url: string; statesUrl: string }) => ({
        kind: 'client' as const,
        client: CLIENT[api],
        apis: [api],
        runs: 3,
        seed: 11,
        timeoutMs: 5000,
        server: { endpoint: server.url, statesUrl: server.statesUrl },
        checks: [twin(id)],
      });
      const good = await runE2eChecks(set, target(emulator));
      expect(good.map((r) => `${r.def.id} ${r.outcome.status} ${r.outcome.detail}`)).toEqual([
        `${twin(id)} passed ${good[0]?.outcome.detail}`,
      ]);
      const running = await brokenEmulators.find((b) => b.name === name)!.start();
      try {
        const results = await runE2eChecks(set, target(running));
        expect(results.map((r) => `${r.def.id} ${r.outcome.status}`)).toEqual([`${twin(id)} failed`]);
      } finally {
        await running.close();
      }
    },
  );
});
