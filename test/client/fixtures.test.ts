// The bundled clients' recorded wire exchanges (fixtures/clients/<client>/<api>/<Operation>.json)
// are replayed on every run and must match after normalisation (ids by
// reference, clocks and signatures as placeholders). UPDATE_FIXTURES=1 re-records.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { boto3Available, exampleDriverCommand } from '../../src/cli/commands/client.ts';
import { CLIENT_TEST_CREDENTIALS } from '../../src/client-checks/lanes.ts';
import { createLegacyRestClient } from '../../src/clients/legacy-rest.ts';
import { createSdkV3Client } from '../../src/clients/sdk-v3.ts';
import { startDriver } from '../../src/driver/driver-client.ts';
import {
  type ClientFixture,
  fixtureCase,
  recordCase,
  reviveCase,
  toStored,
} from '../../src/mock/fixtures.ts';
import { createMockHandlers } from '../../src/mock/handlers.ts';
import { mswHandlers } from '../../src/mock/msw.ts';
import {
  IN_PROCESS_ORIGIN,
  type MockEndpoint,
  startInProcessMock,
  startWireServer,
} from '../../src/mock/server.ts';
import type { ClientUnderTest } from '../../src/mock/types.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import type { Api, SpecSet } from '../../src/spec/types.ts';

const ROOT = join(import.meta.dirname, '..', '..', 'fixtures', 'clients');
const UPDATE = process.env.UPDATE_FIXTURES === '1';
const set = loadSpecs();
const FIXED_NOW = new Date(Date.UTC(2020, 0, 2, 3, 4, 5));

type Transport = 'in-process' | 'wire';
const CLIENTS: {
  name: string;
  api: Api;
  /** in-process: msw's interception; wire: the node:http server the suite uses */
  transport: Transport;
  create: (set: SpecSet, endpoint: string) => ClientUnderTest;
  /** replays the recordings of the same client made over another transport (never records) */
  replayOnly?: boolean;
  /** request headers the recordings' transport never saw, left out of the comparison */
  transportHeaders?: string[];
}[] = [
  {
    name: 'sdk-v3',
    transport: 'in-process',
    api: '2017-01-17',
    create: (_set, endpoint) =>
      createSdkV3Client({ endpoint, credentials: CLIENT_TEST_CREDENTIALS, maxAttempts: 1 }),
  },
  {
    name: 'legacy-rest',
    api: '2014-08-15',
    transport: 'in-process',
    // recorded through fetch (msw's interception of fetch sees no content-length)
    create: (s, endpoint) =>
      createLegacyRestClient(s, {
        endpoint,
        credentials: CLIENT_TEST_CREDENTIALS,
        maxAttempts: 1,
        fetchImpl: fetch,
      }),
  },
  // the same recordings over the suite's node:http transport: what the client sends and hands back
  // does not depend on how the mock is served
  {
    name: 'sdk-v3',
    transport: 'wire',
    replayOnly: true,
    api: '2017-01-17',
    create: (_set, endpoint) =>
      createSdkV3Client({ endpoint, credentials: CLIENT_TEST_CREDENTIALS, maxAttempts: 1 }),
  },
  {
    name: 'legacy-rest',
    api: '2014-08-15',
    transport: 'wire',
    replayOnly: true,
    // its own node:http, which sends the body's length (it varies with the signature's escapes)
    transportHeaders: ['content-length'],
    create: (s, endpoint) =>
      createLegacyRestClient(s, { endpoint, credentials: CLIENT_TEST_CREDENTIALS, maxAttempts: 1 }),
  },
  {
    // boto3 as a subprocess (Debian python3-boto3); fails, not skips, without it
    name: 'boto3-driver',
    api: '2017-01-17',
    transport: 'wire',
    create: (_set, endpoint) => {
      if (!boto3Available())
        throw new Error('boto3 cannot be imported by /usr/bin/python3: install python3-boto3');
      return startDriver({
        command: exampleDriverCommand('boto3'),
        api: '2017-01-17',
        endpoint,
        credentials: CLIENT_TEST_CREDENTIALS,
        timeoutMs: 30_000,
        // one attempt, like the in-process clients, so a recording holds one exchange per call
        extraEnv: { AWS_MAX_ATTEMPTS: '1' },
      });
    },
  },
];

let seq = 0;
const mockOptions = {
  credentials: [CLIENT_TEST_CREDENTIALS],
  now: () => FIXED_NOW,
  requestId: () => `request-${++seq}`,
};
const mocks = {
  'in-process': createMockHandlers(set, { ...mockOptions, origin: IN_PROCESS_ORIGIN }),
  wire: createMockHandlers(set, mockOptions),
};
const endpoints: Partial<Record<Transport, MockEndpoint>> = {};

beforeAll(async () => {
  endpoints['in-process'] = await startInProcessMock(mswHandlers(mocks['in-process']), IN_PROCESS_ORIGIN);
  endpoints.wire = await startWireServer(mocks.wire);
});
afterAll(async () => {
  await endpoints['in-process']?.close();
  await endpoints.wire?.close();
});

for (const c of CLIENTS) {
  describe(`${c.name} (${c.api})${c.replayOnly ? ` over ${c.transport}` : ''}`, () => {
    for (const op of [...set.apis[c.api].operations.values()]) {
      const file = join(ROOT, c.name, c.api, `${op.operation}.json`);
      test(op.operation, async () => {
        const mock = mocks[c.transport];
        const client = c.create(set, endpoints[c.transport]!.url);
        try {
          const stored: ClientFixture | undefined =
            (!UPDATE || c.replayOnly) && existsSync(file)
              ? (JSON.parse(readFileSync(file, 'utf8')) as ClientFixture)
              : undefined;
          const theCase = stored ? reviveCase(set, op, stored.case) : fixtureCase(set, op);
          const { exchanges, results } = await recordCase(set, client, mock, op, theCase);
          const dropped = new Set(c.transportHeaders ?? []);
          const now: ClientFixture = {
            client: c.name,
            api: c.api,
            operation: op.operation,
            case: toStored(theCase),
            results,
            exchanges: exchanges.map((x) =>
              dropped.size
                ? {
                    ...x,
                    request: {
                      ...x.request,
                      headers: Object.fromEntries(
                        Object.entries(x.request.headers).filter(([k]) => !dropped.has(k)),
                      ),
                    },
                  }
                : x,
            ),
          };
          if (!stored && c.replayOnly) throw new Error(`${file} does not exist: it is recorded in process`);
          if (!stored) {
            mkdirSync(dirname(file), { recursive: true });
            writeFileSync(file, `${JSON.stringify(now, null, 2)}\n`);
            // keep recorded files in the repository's JSON style (biome), so `npm run lint` stays clean
            execFileSync(
              join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'biome'),
              ['format', '--write', file],
              {
                stdio: 'ignore',
              },
            );
            if (!UPDATE) throw new Error(`${file} did not exist: recorded it now; commit it`);
            return;
          }
          // A changed wire format shows up here as a diff of the normalised exchanges.
          expect(
            now.exchanges,
            `wire exchanges of ${c.name} ${c.api}/${op.operation} changed (UPDATE_FIXTURES=1 re-records)`,
          ).toEqual(stored.exchanges);
          expect(now.results).toEqual(stored.results);
        } finally {
          await client.close();
        }
      });
    }
  });
}
