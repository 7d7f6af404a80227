// Rule-level checks written once (src/checks/target.ts) run against a server and through a
// client: every e2e check has a server twin of the same name and severity, and each check the
// entity kinds (create, cascade, status, owner, upload) now state for both audiences passes through a
// client against the reference emulator and fails, at its rule's severity, against an emulator
// that breaks its rule.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { e2eCheckCatalogue } from '../../src/client-checks/e2e-checks.ts';
import { runE2eChecks } from '../../src/client-checks/e2e-session.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import type { ClientTargetConfig } from '../../src/mock/types.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { APIS, type Api } from '../../src/spec/types.ts';
import { brokenEmulators } from '../fixtures/broken-emulators/index.ts';
import { serverCatalogue } from '../support/catalogue.ts';

const set = loadSpecs();
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
  test.each([
    // status: the documented message of each violating state, a repeat, an allowedWhen input
    ['reject-rejected-wrong-message', 'sdk-v3', ['2017-01-17/RejectAssignment/e2e.only-submitted.message']],
    [
      'json-messages-reworded',
      'sdk-v3',
      ['2017-01-17/DeleteHIT/e2e.only-reviewable.message', '2017-01-17/GetHIT/e2e.owner-only.message'],
    ],
    [
      'legacy-messages-reworded',
      'legacy-soap',
      ['2014-08-15/RejectAssignment/e2e.only-submitted.message', '2014-08-15/GetHIT/e2e.owner-only.message'],
    ],
    // exists: the documented message of the error for an id that names nothing
    ['json-messages-reworded', 'sdk-v3', ['2017-01-17/RejectAssignment/e2e.unknown-id.message']],
    ['legacy-messages-reworded', 'legacy-rest', ['2014-08-15/RejectAssignment/e2e.unknown-id.message']],
    [
      'reject-leaves-request-listed',
      'sdk-v3',
      ['2017-01-17/RejectQualificationRequest/e2e.only-pending.repeat'],
    ],
    ['legacy-set-reviewing-toggles', 'legacy-soap', ['2014-08-15/SetHITAsReviewing/e2e.one-way.repeat']],
    [
      'json-override-rejection-ignored',
      'sdk-v3',
      ['2017-01-17/ApproveAssignment/e2e.only-submitted.allowed-when.0'],
    ],
    // upload: both refusals and their `.code` twins
    [
      'json-upload-url-any-question',
      'sdk-v3',
      [
        '2017-01-17/GetFileUploadURL/e2e.file-url.not-upload',
        '2017-01-17/GetFileUploadURL/e2e.file-url.not-upload.code',
        '2017-01-17/GetFileUploadURL/e2e.file-url.unknown-question',
        '2017-01-17/GetFileUploadURL/e2e.file-url.unknown-question.code',
      ],
    ],
    // create: unique fields, identity, a grant beside the request, a second bonus
    ['qualification-name-reused', 'sdk-v3', ['2017-01-17/CreateQualificationType/e2e.creates-type.unique']],
    ['hit-type-per-call', 'sdk-v3', ['2017-01-17/CreateHITType/e2e.creates-type.identity']],
    [
      'legacy-register-hit-type-per-call',
      'legacy-rest',
      ['2014-08-15/RegisterHITType/e2e.creates-type.identity'],
    ],
    ['grant-makes-no-qualification', 'sdk-v3', ['2017-01-17/AcceptQualificationRequest/e2e.makes-grant']],
    ['grant-makes-no-qualification', 'legacy-rest', ['2014-08-15/GrantQualification/e2e.makes-grant']],
    ['json-second-bonus-refused', 'sdk-v3', ['2017-01-17/SendBonus/e2e.creates-payment']],
    // cascade: the caller's balance pays every submitted assignment
    ['legacy-disable-hit-pays-nothing', 'legacy-rest', ['2014-08-15/DisableHIT/e2e.approves-submitted']],
  ] as const)('%s fails, through %s, %j (and the reference passes)', async (name, client, ids) => {
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
  });
});
