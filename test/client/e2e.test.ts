// The end-to-end client family (src/client-checks/e2e-checks.ts): the bundled clients against the
// reference emulator pass every e2e must check, a broken emulator fails the right one, and a
// run with the emulator columns shows them in report.html.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundledTargets, runClient } from '../../src/cli/commands/client.ts';
import { e2eCheckCatalogue } from '../../src/client-checks/e2e-checks.ts';
import { E2E_OTHER_REQUESTER, runE2eChecks } from '../../src/client-checks/e2e-session.ts';
import { BOTO3_UNAVAILABLE, EMULATOR_COLUMN, emulatorTargets } from '../../src/client-checks/e2e-targets.ts';
import {
  CLIENT_TEST_CREDENTIALS,
  type ClientFactory,
  defaultFactory,
} from '../../src/client-checks/lanes.ts';
import { clientReproduce } from '../../src/client-checks/reproduce.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { TEST_CREDENTIALS } from '../../src/emulator/test-credentials.ts';
import type { ClientTargetConfig } from '../../src/mock/types.ts';
import { htmlData, renderHtml } from '../../src/report/html.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { severityOf } from '../../src/spec/resolve.ts';
import type { Api } from '../../src/spec/types.ts';
import { brokenEmulators } from '../fixtures/broken-emulators/index.ts';
import { API_OF, e2eCaughtTables, ownerChecks as ownerChecksOf } from '../fixtures/e2e-caught.ts';

const set = loadSpecs();
const E2E_CAUGHT = e2eCaughtTables(set);
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await emulator?.close();
});

function target(
  client: ClientTargetConfig['client'],
  api: Api,
  server: { url: string; statesUrl: string },
): ClientTargetConfig {
  return {
    kind: 'client',
    client,
    apis: [api],
    runs: 3,
    seed: 11,
    timeoutMs: 5000,
    server: { endpoint: server.url, statesUrl: server.statesUrl },
  };
}

describe('the e2e catalogue', () => {
  test('one check per effect, status (with violating states), exists, owner, read, list, create (with output), delete, token, lookup, children, threshold, update and upload rule, ids e2e.<rule id>', () => {
    for (const api of Object.keys(set.apis) as Api[]) {
      const defs = e2eCheckCatalogue(set, { apis: [api] });
      const want = [...set.apis[api].operations.values()].flatMap((op) =>
        op.behaviour.rules
          .filter(
            (r) =>
              (r.kind === 'effect' && r.given) ||
              (r.kind === 'status' && r.error && (r.violatedBy ?? []).length > 0) ||
              (r.kind === 'exists' && r.error) ||
              (r.kind === 'owner' && r.error && r.given) ||
              (r.kind === 'read' && r.given && r.output) ||
              (r.kind === 'list' && r.given && r.items) ||
              (r.kind === 'create' &&
                (Object.keys(r.output ?? {}).length > 0 || r.parent === '$parent' || !r.identity?.length)) ||
              (r.kind === 'delete' && r.given) ||
              (r.kind === 'token' && r.member && r.error) ||
              (r.kind === 'lookup' && r.member && r.entity && r.error && r.given) ||
              ((r.kind === 'children' || r.kind === 'threshold') &&
                r.error &&
                (r.violatedBy ?? []).length > 0) ||
              (r.kind === 'update' && r.given && r.statusError) ||
              (r.kind === 'upload' && r.given && r.show) ||
              (r.kind === 'charge' && r.given) ||
              (r.kind === 'cascade' && r.given && r.amount) ||
              (r.kind === 'statistic' && r.series && r.given) ||
              (r.kind === 'notify' && r.member && r.show && r.given) ||
              (r.kind === 'help' && r.help) ||
              r.kind === 'outbox',
          )
          .map((r) => `${api}/${op.operation}/e2e.${r.id}`),
      );
      // a `.code` twin beside a documented rule whose error code is only inferred (withCodeTwins);
      // a check with another suffix (.message, .repeat, …) is its server twin's (e2e-rule-twins.test.ts)
      const plain = defs.filter((d) => want.includes(d.id.replace(/\.code$/, '')));
      const twins = plain.filter((d) => d.id.endsWith('.code'));
      expect(
        plain
          .filter((d) => !d.id.endsWith('.code'))
          .map((d) => d.id)
          .sort(),
      ).toEqual(want.sort());
      for (const d of plain) {
        const [, operation, check] = d.id.split('/');
        const rule = set.apis[api].operations
          .get(operation!)!
          .behaviour.rules.find((r) => `e2e.${r.id}` === check!.replace(/\.code$/, ''))!;
        // never stricter than the rule's own evidence, and a documented rule's refusal is a must
        // whatever its error's evidence
        // (a create that shows nothing: that a second one succeeds too is inferred, a should)
        const inferred =
          rule.kind === 'create' && !rule.output && !rule.identity && rule.parent !== '$parent';
        if (!d.id.endsWith('.code')) expect(d.severity).toBe(inferred ? 'should' : severityOf(rule.basis));
      }
      for (const t of twins) {
        expect(defs.find((d) => d.id === t.id.replace(/\.code$/, ''))?.severity).toBe('must');
        expect(t.severity).toBe('should');
      }
    }
  });
});

describe('bundled clients against the reference emulator', () => {
  for (const [client, api] of [
    ['sdk-v3', '2017-01-17'],
    ['legacy-rest', '2014-08-15'],
    ['legacy-soap', '2014-08-15'],
  ] as const) {
    test(`${client}: every e2e check passes`, async () => {
      const results = await runE2eChecks(set, target(client, api, emulator));
      expect(results.length).toBeGreaterThan(5);
      const bad = results.filter((r) => r.outcome.status !== 'passed');
      expect(
        bad.map((r) => `${r.def.id}: ${r.outcome.detail}${r.outcome.notRunReason ?? ''}`),
        'e2e checks not passing',
      ).toEqual([]);
    });
  }
});

describe('a fresh client per operation', () => {
  test("each operation's e2e checks run on a client of their own (a server's faults would spend a shared client's retry quota)", async () => {
    const clients: string[][] = [];
    const factory: ClientFactory = async (...args) => {
      const client = await defaultFactory(...args);
      const calls: string[] = [];
      clients.push(calls);
      if (client) {
        const inner = client.call.bind(client);
        client.call = (operation, input, options) => {
          calls.push(operation);
          return inner(operation, input, options);
        };
      }
      return client;
    };
    const operations = ['GetHIT', 'RejectAssignment'];
    const results = await runE2eChecks(
      set,
      { ...target('sdk-v3', '2017-01-17', emulator), operations },
      { factory },
    );
    expect(new Set(results.map((r) => r.def.operation))).toEqual(new Set(operations));
    expect(results.filter((r) => r.outcome.status !== 'passed')).toEqual([]);
    // one client per operation; each one's first call is its operation's
    expect(clients.map((calls) => calls.find((c) => operations.includes(c)))).toEqual(operations);
  });
});

describe('a broken emulator', () => {
  test('reject-approved-allowed fails e2e.only-submitted of 2017 RejectAssignment through sdk-v3', async () => {
    const variant = brokenEmulators.find((b) => b.name === 'reject-approved-allowed')!;
    const running = await variant.start();
    try {
      const results = await runE2eChecks(set, target('sdk-v3', '2017-01-17', running));
      const failed = results.filter((r) => r.outcome.status === 'failed').map((r) => r.def.id);
      // (its message check too: an approved assignment's rejection succeeds, with no message)
      expect(failed).toEqual([
        '2017-01-17/RejectAssignment/e2e.only-submitted',
        '2017-01-17/RejectAssignment/e2e.only-submitted.message',
      ]);
      const detail = results.find((r) => r.outcome.status === 'failed')!.outcome.detail;
      expect(detail).toMatch(/HITWithApprovedAssignment/);
      expect(detail).toMatch(/returned success/);
    } finally {
      await running.close();
    }
  });

  // Behavioural deviations reach the user end to end; wire-only ones a client may tolerate.
  test.each(E2E_CAUGHT.behaviour)("$name fails $client's $failing.0", async ({ name, client, failing }) => {
    const variant = brokenEmulators.find((b) => b.name === name)!;
    const running = await variant.start();
    try {
      const results = await runE2eChecks(set, {
        ...target(client, API_OF[client], running),
        operations: [...new Set(failing.map((id) => id.split('/')[1]!))],
      });
      // every id the entry names (the kind audit counts each one)
      for (const id of failing)
        expect(results.find((r) => r.def.id === id)?.outcome.status, id).toBe('failed');
    } finally {
      await running.close();
    }
  });

  // The owner rule end to end: the state is owned by the emulator's other test requester, the
  // client signs as its own; every owner check of the API passes on the reference emulator and
  // fails on an emulator that serves non-owners (the call succeeds) or that changes the entity
  // although it refuses the call (the owner's observation differs).
  describe('the owner rule (e2e.<owner rule>)', () => {
    const ownerChecks = (api: Api) => ownerChecksOf(set, api);

    test('the owner of the states is the test requester the client does not hold', () => {
      expect(E2E_OTHER_REQUESTER).toBeDefined();
      expect(TEST_CREDENTIALS.map((c) => c.accessKeyId)).toContain(E2E_OTHER_REQUESTER!.accessKeyId);
      expect(E2E_OTHER_REQUESTER!.accessKeyId).not.toBe(CLIENT_TEST_CREDENTIALS.accessKeyId);
      for (const api of Object.keys(set.apis) as Api[]) expect(ownerChecks(api).length).toBeGreaterThan(0);
    });

    test.each(E2E_CAUGHT.owner)(
      '$client: passes on the reference emulator, $name fails $failing',
      async ({ name, client, failing }) => {
        const api = API_OF[client];
        const ids = ownerChecks(api);
        const good = await runE2eChecks(set, { ...target(client, api, emulator), checks: ids });
        expect(good.map((r) => r.def.id).sort()).toEqual([...ids].sort());
        expect(
          good.filter((r) => r.outcome.status !== 'passed').map((r) => `${r.def.id}: ${r.outcome.detail}`),
        ).toEqual([]);
        const variant = brokenEmulators.find((b) => b.name === name)!;
        const running = await variant.start();
        try {
          const results = await runE2eChecks(set, { ...target(client, api, running), checks: ids });
          const failed = results.filter((r) => r.outcome.status === 'failed');
          expect(failed.map((r) => r.def.id).sort()).toEqual(
            failing === 'all' ? [...ids].sort() : [...failing].sort(),
          );
          expect(results.filter((r) => r.outcome.status === 'not-run')).toEqual([]);
          for (const r of failed) {
            // the state was created for the other requester, and the steps show it
            expect(r.outcome.detail).toContain(`owned by ${E2E_OTHER_REQUESTER!.accessKeyId}`);
            expect(r.outcome.detail).toMatch(
              name === 'failed-call-changes-state' ? /the owner must still observe/ : /returned success/,
            );
          }
        } finally {
          await running.close();
        }
      },
    );

    test('without a second requester the owner checks are not-run, never passed', async () => {
      const defs = e2eCheckCatalogue(set, { apis: ['2017-01-17'], checks: ['e2e.owner-only'] });
      expect(defs.length).toBeGreaterThan(0);
      const fake = {
        api: '2017-01-17' as const,
        name: 'unused',
        call: async () => ({ output: {} }),
        close: async () => undefined,
      };
      for (const def of defs) {
        const outcome = await def.run({
          set,
          client: fake,
          server: { endpoint: emulator.url, statesUrl: emulator.statesUrl },
          requester: CLIENT_TEST_CREDENTIALS.accessKeyId,
          runs: 1,
          seed: 1,
          timeoutMs: 2000,
        });
        expect(outcome.status).toBe('not-run');
        expect(outcome.notRunReason).toMatch(/second requester/);
      }
    });
  });

  // the money kinds' checks (charge, statistic, notify, help, outbox), written once: each fails
  // through a client at the severity of its server twin (the reference passes them: above)
  test.each(E2E_CAUGHT.money)(
    '$name fails through $client: $failing',
    async ({ name, client, failing: want }) => {
      const api = API_OF[client];
      const ids = Object.keys(want).map((k) => `${api}/${k}`);
      const running = await brokenEmulators.find((b) => b.name === name)!.start();
      try {
        const results = await runE2eChecks(set, {
          ...target(client, api, running),
          operations: ids.map((id) => id.split('/')[1]!),
          checks: ids,
        });
        expect(
          Object.fromEntries(
            results.map((r) => [r.def.id.slice(api.length + 1), [r.outcome.status, r.def.severity]]),
          ),
        ).toEqual(Object.fromEntries(Object.entries(want).map(([k, sev]) => [k, ['failed', sev]])));
      } finally {
        await running.close();
      }
    },
  );

  test('a client whose balance is spent gets the charge checks not-run with the reason, never failed', async () => {
    // the client signs as itself (no fresh requester): a balance earlier runs spent cannot pay
    const poor = await startEmulator({ port: 0, host: '127.0.0.1' });
    try {
      const account = set.model.account!;
      const store = poor.emulator.store;
      const payer = store.accountOf(account.entity, CLIENT_TEST_CREDENTIALS.accessKeyId);
      store.update(payer, { [account.field]: '0.01' });
      const ids = ['2017-01-17/ApproveAssignment/e2e.pays-reward', '2017-01-17/SendBonus/e2e.pays'];
      const results = await runE2eChecks(set, {
        ...target('sdk-v3', '2017-01-17', poor),
        operations: ['ApproveAssignment', 'SendBonus'],
        checks: ids,
      });
      expect(results.map((r) => [r.def.id, r.outcome.status]).sort()).toEqual(
        ids.map((id) => [id, 'not-run']),
      );
      for (const r of results)
        expect(r.outcome.notRunReason).toMatch(/the balance \(0\.01\) cannot pay 500\.00/);
    } finally {
      await poor.close();
    }
  });

  test('a server that does not answer leaves every check not-run', async () => {
    const results = await runE2eChecks(
      set,
      target('sdk-v3', '2017-01-17', { url: 'http://127.0.0.1:9', statesUrl: 'http://127.0.0.1:9/_states' }),
    );
    expect(new Set(results.map((r) => r.outcome.status))).toEqual(new Set(['not-run']));
  });
});

describe('client × emulator columns', () => {
  test('--all-bundled targets: one "× emulator" column per bundled client, boto3 kept when missing', () => {
    const targets = bundledTargets({
      seed: 1,
      runs: 1,
      allBundled: true,
      emulatorUrl: 'http://127.0.0.1:1',
      emulatorStatesUrl: 'http://127.0.0.1:1/_states',
    });
    const mock = targets.filter((t) => !t.target.server).map((t) => t.name);
    const e2e = targets.filter((t) => t.target.server).map((t) => t.name);
    expect(mock).toEqual([
      'sdk-v3',
      'legacy-rest',
      'legacy-soap',
      'sdk-v3-driver',
      'legacy-soap-driver',
      'boto3-driver',
    ]);
    expect(e2e).toEqual(mock.map((n) => `${n}${EMULATOR_COLUMN}`));
    const boto3 = targets.filter((t) => t.name.startsWith('boto3'));
    for (const t of boto3) if (t.target.unavailable) expect(t.target.unavailable).toMatch(/boto3/);
    // the run's emulator has a random port: the re-run line starts one on a fixed port
    const sdk = targets.find((t) => t.name === `sdk-v3${EMULATOR_COLUMN}`)!.target;
    expect(
      clientReproduce(sdk, {
        id: '2017-01-17/RejectAssignment/e2e.rejects',
        api: '2017-01-17',
        operation: 'RejectAssignment',
      }),
    ).toMatch(
      /^npx mturk-conformance emulator --port 8080 & npx mturk-conformance client --client sdk-v3 --server http:\/\/127\.0\.0\.1:8080 /,
    );
    // without an emulator, no emulator columns
    expect(bundledTargets({ seed: 1, runs: 1, allBundled: true }).some((t) => t.target.server)).toBe(false);
  });

  test('an unavailable client (boto3 missing) is reported not-run with the reason, in both families', async () => {
    for (const server of [undefined, { endpoint: emulator.url, statesUrl: emulator.statesUrl }]) {
      const t: ClientTargetConfig = {
        kind: 'client',
        client: 'driver',
        driver: '/nonexistent/python3 driver.py',
        apis: ['2017-01-17'],
        operations: ['RejectAssignment'],
        runs: 1,
        seed: 1,
        timeoutMs: 2000,
        unavailable: BOTO3_UNAVAILABLE,
        ...(server ? { server } : {}),
      };
      const { report } = await runClient({
        target: t,
        name: 'boto3-driver',
        progress: false,
        log: () => undefined,
      });
      expect(report.results.length).toBeGreaterThan(0);
      for (const r of report.results) {
        expect(r.status).toBe('not-run');
        expect(r.detail).toContain(BOTO3_UNAVAILABLE);
      }
    }
  }, 180_000);

  test('report.html has a column per client against the mock and against the emulator', async () => {
    const base = bundledTargets({ seed: 4, runs: 1 });
    const mock = base.map(({ target: t, name }) => ({
      name,
      target: { ...t, operations: ['GetAssignment'] },
    }));
    const e2e = emulatorTargets(base, { endpoint: emulator.url, statesUrl: emulator.statesUrl });
    const reports = [];
    for (const { target: t, name } of [...mock, ...e2e]) {
      const outcome = await runClient({ target: t, name, progress: false, log: () => undefined });
      reports.push(outcome.report);
    }
    const data = htmlData(reports);
    expect(data.columns.map((c) => c.label)).toEqual([
      'sdk-v3',
      'legacy-rest',
      'legacy-soap',
      `sdk-v3${EMULATOR_COLUMN}`,
      `legacy-rest${EMULATOR_COLUMN}`,
      `legacy-soap${EMULATOR_COLUMN}`,
    ]);
    for (const r of reports.slice(base.length)) {
      expect(r.results.length).toBeGreaterThan(5);
      expect(r.results.every((x) => /\/e2e\./.test(x.id))).toBe(true);
      expect(r.results.filter((x) => x.status !== 'passed')).toEqual([]);
      expect(r.results.every((x) => /--server http:\/\/127\.0\.0\.1:\d+/.test(x.reproduce ?? ''))).toBe(true);
    }
    const html = renderHtml(reports);
    expect(html).toContain(`sdk-v3${EMULATOR_COLUMN}`);
    expect(html).toContain('2017-01-17/RejectAssignment/e2e.rejects');
  }, 180_000);
});
