// The listing and read-back checks of the list and read kinds are written once (src/rules/list.ts,
// read.ts): each server check rule.<id>.<suffix> has a client twin e2e.<id>.<suffix> of the same
// severity, and every broken emulator that fails the server check fails its twin through a client.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { e2eCheckCatalogue } from '../../src/client-checks/e2e-checks.ts';
import { runE2eChecks } from '../../src/client-checks/e2e-session.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { APIS } from '../../src/spec/types.ts';
import { brokenEmulators } from '../fixtures/broken-emulators/index.ts';
import {
  API_OF,
  e2eCaughtTables,
  e2eTwin,
  furtherServerChecks,
  SERVER_ONLY,
} from '../fixtures/e2e-caught.ts';

const set = loadSpecs();
const E2E_CAUGHT = e2eCaughtTables(set);
const furtherIds = furtherServerChecks(set);

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
        expect(e2e.has(e2eTwin(id)), id).toBe(false);
        continue;
      }
      if (e2e.get(e2eTwin(id)) !== severity) missing.push(`${e2eTwin(id)} (${severity})`);
    }
    expect(missing).toEqual([]);
  });

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
    expect(kinds(E2E_CAUGHT.lists.flatMap((e) => e.failing))).toEqual(kinds(moved.map(e2eTwin)));
  });

  // every broken emulator that fails one of those server checks, and the check's twin
  test.each(E2E_CAUGHT.lists)(
    '$name fails $failing.0 through a client too, and the reference emulator passes it',
    async ({ name, client, failing }) => {
      const [id] = failing;
      expect(failing).toHaveLength(1);
      const target = (server: { url: string; statesUrl: string }) => ({
        kind: 'client' as const,
        client,
        apis: [API_OF[client]],
        runs: 3,
        seed: 11,
        timeoutMs: 5000,
        server: { endpoint: server.url, statesUrl: server.statesUrl },
        checks: [id!],
      });
      const good = await runE2eChecks(set, target(emulator));
      expect(good.map((r) => `${r.def.id} ${r.outcome.status} ${r.outcome.detail}`)).toEqual([
        `${id} passed ${good[0]?.outcome.detail}`,
      ]);
      const running = await brokenEmulators.find((b) => b.name === name)!.start();
      try {
        const results = await runE2eChecks(set, target(running));
        expect(results.map((r) => `${r.def.id} ${r.outcome.status}`)).toEqual([`${id} failed`]);
      } finally {
        await running.close();
      }
    },
  );
});
