// The mock endpoint over real HTTP (the node:http server the client suite uses),
// validating requests through the codecs, recording them, answering per script.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLIENT_TEST_CREDENTIALS, runClientChecks } from '../../src/client-checks/lanes.ts';
import { createLegacyRestClient } from '../../src/clients/legacy-rest.ts';
import { createSdkV3Client } from '../../src/clients/sdk-v3.ts';
import { createMockHandlers } from '../../src/mock/handlers.ts';
import { Normaliser, normaliserRules } from '../../src/mock/normalise.ts';
import { type MockEndpoint, startWireServer } from '../../src/mock/server.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { codecFor } from '../../src/wire/index.ts';

const set = loadSpecs();
const mock = createMockHandlers(set, { credentials: [CLIENT_TEST_CREDENTIALS] });
let server: MockEndpoint;

beforeAll(async () => {
  server = await startWireServer(mock);
});
afterAll(async () => {
  await server.close();
});

async function send(req: {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
}) {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host'));
  const r = await fetch(`${server.url}${req.path}${req.query ? `?${req.query}` : ''}`, {
    method: req.method,
    headers,
    ...(req.method === 'GET' ? {} : { body: req.body }),
  });
  return { status: r.status, body: await r.text() };
}

const op2017 = [...set.apis['2017-01-17'].operations.keys()][0]!;

describe('mock over HTTP on 127.0.0.1', () => {
  test('serves on a loopback port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('records a signed request, decodes it and answers the scripted success', async () => {
    mock.reset();
    const host = new URL(server.url).host;
    const req = codecFor('2017-01-17').encodeRequest(set, op2017, {}, CLIENT_TEST_CREDENTIALS, {
      host,
      now: new Date(),
    });
    mock.setScript({ kind: 'success', output: {} });
    const r = await send(req);
    expect(mock.exchanges).toHaveLength(1);
    const ex = mock.exchanges[0]!;
    expect(ex.decoded?.ok).toBe(true);
    expect(ex.request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
    // the required members are missing: member validation refuses it with the spec's error
    if (ex.refused) expect(r.status).toBeGreaterThanOrEqual(400);
    else expect(r.status).toBe(set.apis['2017-01-17'].protocol.success.status);
  });

  test('refuses an unsigned request with the protocol error for missing authentication', async () => {
    mock.reset();
    const host = new URL(server.url).host;
    const req = codecFor('2017-01-17').encodeRequest(set, op2017, {}, undefined, { host, now: new Date() });
    const r = await send(req);
    const ex = mock.exchanges[0]!;
    expect(ex.refused?.error).toBe(set.apis['2017-01-17'].protocol.protocolErrors.missingAuthentication);
    expect(r.status).toBeGreaterThanOrEqual(400);
  });

  test('records a request no API claims, and answers 400', async () => {
    mock.reset();
    const r = await fetch(`${server.url}/`, { method: 'POST', body: 'hello' });
    expect(r.status).toBe(400);
    expect(mock.exchanges[0]?.unclaimed).toMatch(/no API version claims/);
  });

  test('fail-then-succeed answers the fault first, then the success', async () => {
    mock.reset();
    const fault = Object.entries(set.errors.errors).find(([, e]) => e.fault)![0];
    mock.setScript({ kind: 'fail-then-succeed', error: fault, values: {}, failures: 1, output: {} });
    const client = createSdkV3Client({ endpoint: server.url, credentials: CLIENT_TEST_CREDENTIALS });
    const op = set.apis['2017-01-17'].operations.get(op2017)!;
    const input = Object.fromEntries(
      Object.entries(op.input.members)
        .filter(([, m]) => m.required)
        .map(([k]) => [k, 'ABC123']),
    );
    const r = await client.call(op2017, input);
    await client.close();
    expect(r).toEqual({ output: {} });
    expect(mock.exchanges.map((x) => x.response.status)).toEqual([
      expect.any(Number),
      set.apis['2017-01-17'].protocol.success.status,
    ]);
    expect(mock.exchanges[0]!.response.status).toBeGreaterThanOrEqual(500);
  });

  test('tells how many retryable faults its script still answers (a driver case deadline allows their back-off)', async () => {
    const fault = Object.entries(set.errors.errors).find(([, e]) => e.fault)![0];
    const plain = Object.entries(set.errors.errors).find(([, e]) => !e.fault)![0];
    mock.reset();
    expect(mock.faultAnswersAhead()).toBe(0);
    mock.setScript({ kind: 'error', error: plain, values: {} });
    expect(mock.faultAnswersAhead()).toBe(0);
    mock.setScript({ kind: 'error', error: fault, values: {} });
    expect(mock.faultAnswersAhead()).toBe(Number.POSITIVE_INFINITY);
    mock.setScript({ kind: 'fail-then-succeed', error: fault, values: {}, failures: 2, output: {} });
    expect(mock.faultAnswersAhead()).toBe(2);
    const client = createSdkV3Client({
      endpoint: server.url,
      credentials: CLIENT_TEST_CREDENTIALS,
      maxAttempts: 2,
    });
    const op = set.apis['2017-01-17'].operations.get(op2017)!;
    const input = Object.fromEntries(
      Object.entries(op.input.members)
        .filter(([, m]) => m.required)
        .map(([k]) => [k, 'ABC123']),
    );
    await client.call(op2017, input);
    await client.close();
    expect(mock.faultAnswersAhead()).toBe(0);
  });
});

describe('legacy requests', () => {
  for (const scheme of set.apis['2014-08-15'].protocol.signing.schemes!.map((s) => s.name))
    for (const method of ['GET', 'POST'] as const)
      test(`both signature schemes are verified: ${scheme} over ${method}`, async () => {
        const results = await runClientChecks(
          set,
          {
            kind: 'client',
            client: 'legacy-rest',
            apis: ['2014-08-15'],
            runs: 3,
            seed: 4,
            timeoutMs: 5000,
            checks: ['client.wire-request'],
          },
          {
            factory: (_api, endpoint, ctx) =>
              createLegacyRestClient(ctx.set, { endpoint, credentials: ctx.credentials, scheme, method }),
          },
        );
        expect(results.length).toBeGreaterThan(0);
        expect(results.filter((r) => r.outcome.status !== 'passed').map((r) => r.outcome.detail)).toEqual([]);
      });
});

describe('Normaliser', () => {
  test('replaces ids by reference, clocks and signatures by placeholders', () => {
    const n = new Normaliser(normaliserRules(set));
    const a = n.value('', {
      AssignmentId: 'X1',
      HITId: 'Y',
      Other: { AssignmentId: 'X1' },
      Message: 'nope (1700000000000)',
    });
    expect(a).toEqual({
      AssignmentId: '<id:1>',
      HITId: '<id:2>',
      Other: { AssignmentId: '<id:1>' },
      Message: 'nope (<timestamp>)',
    });
    expect(n.pairs('Timestamp=2020-01-01T00%3A00%3A00Z&Signature=abc&AssignmentId=X1&Operation=Op')).toEqual([
      ['Timestamp', '<timestamp>'],
      ['Signature', '<signature>'],
      ['AssignmentId', '<id:1>'],
      ['Operation', 'Op'],
    ]);
    expect(n.headers({ 'X-Amz-Date': '20200101T000000Z', 'User-Agent': 'x/1', host: '127.0.0.1:5' })).toEqual(
      {
        host: '<host>',
        'x-amz-date': '<timestamp>',
      },
    );
  });
});
