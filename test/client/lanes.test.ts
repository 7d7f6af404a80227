// Lanes: the client suite runs checks side by side, each lane with its own mock and client.
// What must hold: the results do not depend on the number of lanes, every call of one operation
// goes to one lane's endpoint, and a lane's mock records only its own checks' traffic.
import { describe, expect, test } from 'vitest';
import {
  CLIENT_TEST_CREDENTIALS,
  type ClientFactory,
  defaultFactory,
  laneOrigin,
  runClientChecks,
} from '../../src/client-checks/lanes.ts';
import { createSdkV3Client } from '../../src/clients/sdk-v3.ts';
import { createMockHandlers } from '../../src/mock/handlers.ts';
import { mswHandlers } from '../../src/mock/msw.ts';
import { startInProcessMock } from '../../src/mock/server.ts';
import type { ClientTargetConfig } from '../../src/mock/types.ts';
import { loadSpecs } from '../../src/spec/load.ts';

const set = loadSpecs();
// A sample of operations, not the catalogue: what is checked here is how checks are spread over
// lanes, and six operations (a list, a write with money, a timestamp input, ...) on four lanes
// put two operations on some lanes and one on others. The whole catalogue runs against the
// bundled clients elsewhere (test/client/cli.test.ts, test/cli/run.test.ts); here, three times
// over, it took more than the test timeout on a loaded machine.
const OPERATIONS = [
  'CreateHIT',
  'GetAssignment',
  'ListHITs',
  'RejectAssignment',
  'SendBonus',
  'UpdateExpirationForHIT',
];
const config: ClientTargetConfig = {
  kind: 'client',
  client: 'sdk-v3',
  apis: ['2017-01-17'],
  operations: OPERATIONS,
  runs: 5,
  seed: 11,
  timeoutMs: 10_000,
};

/** The bundled client, recording which endpoint each operation was called on. */
function recordingFactory(calls: Map<string, Set<string>>): ClientFactory {
  return async (api, endpoint, ctx) => {
    const client = await defaultFactory(api, endpoint, ctx);
    if (!client) return client;
    const inner = client.call.bind(client);
    client.call = (operation, input) => {
      const seen = calls.get(operation) ?? new Set<string>();
      seen.add(endpoint);
      calls.set(operation, seen);
      return inner(operation, input);
    };
    return client;
  };
}

describe('client suite lanes', () => {
  test('one lane and four lanes give the same results', async () => {
    const one = await runClientChecks(set, config, { lanes: 1 });
    const four = await runClientChecks(set, config, { lanes: 4 });
    const view = (rs: typeof one) => rs.map((r) => [r.def.id, r.outcome.status, r.outcome.cases]);
    expect(new Set(one.map((r) => r.def.operation))).toEqual(new Set(OPERATIONS));
    expect(view(four)).toEqual(view(one));
    expect(one.every((r) => r.outcome.status === 'passed')).toBe(true);
  });

  test('each operation stays on one lane, and the operations spread over the lanes', async () => {
    const calls = new Map<string, Set<string>>();
    await runClientChecks(set, config, { lanes: 3, factory: recordingFactory(calls) });
    expect([...calls.keys()].sort()).toEqual(OPERATIONS);
    for (const [operation, endpoints] of calls) expect([operation, endpoints.size]).toEqual([operation, 1]);
    // each lane has its own endpoint (a port of its own on 127.0.0.1)
    const used = new Set([...calls.values()].flatMap((s) => [...s]));
    expect(used.size).toBe(3);
  });

  test("a lane's mock records only the requests sent to its own origin", async () => {
    // the mechanism the lanes rely on: one interceptor, one mock per origin
    const mocks = [0, 1].map((i) =>
      createMockHandlers(set, { credentials: [CLIENT_TEST_CREDENTIALS], origin: laneOrigin(i) }),
    );
    const endpoint = await startInProcessMock(mocks.flatMap((m) => mswHandlers(m)));
    const client = createSdkV3Client({ endpoint: laneOrigin(1), credentials: CLIENT_TEST_CREDENTIALS });
    try {
      const operation = [...set.apis['2017-01-17'].operations.keys()][0]!;
      await client.call(operation, {});
      expect(mocks[0]!.exchanges).toHaveLength(0);
      expect(mocks[1]!.exchanges).toHaveLength(1);
    } finally {
      await client.close();
      await endpoint.close();
    }
  });
});
