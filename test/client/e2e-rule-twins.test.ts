// Rule-level checks written once (src/checks/target.ts) run against a server and through a
// client: every e2e check has a server twin of the same name and severity, and each check the
// entity kinds (create, cascade, status, owner, upload) now state for both audiences passes through a
// client against the reference emulator and fails, at its rule's severity, against an emulator
// that breaks its rule. At the end, the kind audit of the e2e family over the tables of
// test/fixtures/e2e-caught.ts (this file's, e2e.test.ts's and e2e-lists.test.ts's).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { e2eCheckCatalogue } from '../../src/client-checks/e2e-checks.ts';
import { runE2eChecks } from '../../src/client-checks/e2e-session.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import type { ClientTargetConfig } from '../../src/mock/types.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { APIS, type Api } from '../../src/spec/types.ts';
import { brokenEmulators } from '../fixtures/broken-emulators/index.ts';
import {
  UNCAUGHT_E2E_KINDS,
  UNCAUGHT_E2E_KINDS_PER_API,
} from '../fixtures/broken-emulators/uncaught-kinds.ts';
import { E2E_CAUGHT_RUN_BY, e2eCaughtTables, failingIds } from '../fixtures/e2e-caught.ts';
import { serverCatalogue } from '../support/catalogue.ts';
import { checkKinds, expectAudited } from '../support/check-kinds.ts';

const set = loadSpecs();
const E2E_CAUGHT = e2eCaughtTables(set);
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await emulator?.close();
});

/** Server check id → severity, for the whole catalogue. */
const serverSeverity = new Map(
  serverCatalogue(set, { legacyWires: ['rest'] }).map((c) => [c.id, c.severity]),
);

const twinOf = (e2eId: string) => e2eId.replace(/\/e2e\.([^/]+)$/, '/rule.$1');

function target(
  client: ClientTargetConfig['client'],
  ids: string[],
  server: { url: string; statesUrl: string },
): ClientTargetConfig {
  return {
    kind: 'client',
    client,
    apis: [ids[0]!.split('/')[0] as Api],
    operations: [...new Set(ids.map((id) => id.split('/')[1]!))],
    checks: ids,
    runs: 3,
    seed: 11,
    timeoutMs: 5000,
    server: { endpoint: server.url, statesUrl: server.statesUrl },
  };
}

describe('one check, two audiences', () => {
  test('every e2e check has a server twin rule.<same name> of the same severity', () => {
    for (const api of APIS) {
      const defs = e2eCheckCatalogue(set, { apis: [api] });
      expect(defs.length).toBeGreaterThan(0);
      const orphans = defs.filter((d) => serverSeverity.get(twinOf(d.id)) !== d.severity);
      expect(orphans.map((d) => `${d.id} (${d.severity}): ${serverSeverity.get(twinOf(d.id))}`)).toEqual([]);
    }
  });
});

describe('caught through a client', () => {
  test.each(E2E_CAUGHT.twins)(
    '$name, through $client, fails $failing.0 and the rest of its list (the reference passes them)',
    async ({ name, client, failing: ids }) => {
      const good = await runE2eChecks(set, target(client, [...ids], emulator));
      expect(good.map((r) => r.def.id).sort()).toEqual([...ids].sort());
      expect(good.filter((r) => r.outcome.status !== 'passed').map((r) => r.outcome.detail)).toEqual([]);
      const running = await brokenEmulators.find((b) => b.name === name)!.start();
      try {
        const results = await runE2eChecks(set, target(client, [...ids], running));
        for (const id of ids) {
          const r = results.find((x) => x.def.id === id);
          expect(r?.outcome.status, id).toBe('failed');
          // at its rule's severity: the server twin's
          expect(r?.def.severity, id).toBe(serverSeverity.get(twinOf(id)));
        }
      } finally {
        await running.close();
      }
    },
  );
});

// The converse of the tables above and in e2e.test.ts and e2e-lists.test.ts: every kind of e2e
// check (keyed as its server twin, test/support/check-kinds.ts) is named failing by some entry of
// the tables in test/fixtures/e2e-caught.ts, or listed with its reason; a stale entry fails too.
// The tables' tests prove each entry fails; this proves the tables cover every kind, without
// running them again.
/** The kind audit over one key function: every key of the e2e catalogue caught by a table entry, or listed. */
function auditE2eKinds(keyOf: (id: string) => string, listedUncaught: Record<string, string>, what: string) {
  // an entry counts only if its table is run: `test.each(E2E_CAUGHT.<table>)` in the file that
  // E2E_CAUGHT_RUN_BY names, and nothing in that file skipped or singled out
  for (const [table, file] of Object.entries(E2E_CAUGHT_RUN_BY)) {
    const source = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    expect(source, `${file} runs E2E_CAUGHT.${table}`).toMatch(
      new RegExp(`\\btest\\.each\\(E2E_CAUGHT\\.${table}\\)`),
    );
    expect(source.match(/\b(?:test|it|describe)\.(?:skip|only|todo|skipIf|runIf|fails)\b/g), file).toBeNull();
  }
  const catalogue = new Set(APIS.flatMap((api) => e2eCheckCatalogue(set, { apis: [api] })).map((d) => d.id));
  const all = new Set([...catalogue].map(keyOf));
  const caught = new Set<string>();
  for (const entries of Object.values(E2E_CAUGHT))
    for (const entry of entries)
      for (const id of failingIds(set, entry)) {
        expect(catalogue.has(id), `${entry.name}: ${id} is an e2e check`).toBe(true);
        caught.add(keyOf(id));
      }
  expectAudited(what, new Map([...all].map((k) => [k, k])), caught, listedUncaught);
}

describe('every kind of e2e check is watched failing through a client', () => {
  const kinds = checkKinds(set);
  const keyOf = (id: string) => kinds.keyOf(twinOf(id));
  test('each kind of the e2e catalogue is failed by an entry of a table a test runs, or is listed', () => {
    auditE2eKinds(keyOf, UNCAUGHT_E2E_KINDS, 'e2e check kinds');
  });

  // each API version has its own client and its own server code
  test('each kind is failed so on every API version that has it, or is listed', () => {
    auditE2eKinds(
      (id) => `${id.split('/')[0]} ${keyOf(id)}`,
      UNCAUGHT_E2E_KINDS_PER_API,
      'e2e check kinds per API version',
    );
  });
});
