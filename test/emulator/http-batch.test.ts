// The emulator's HTTP layer answers the requests read in one turn of the event loop together
// (src/emulator/server.ts, startEmulator): every request of a burst over several keep-alive
// connections is answered, each with its own call's answer, the provider-states endpoint and
// the API calls in one burst alike, and what the burst made is there afterwards.
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import type { WireRequest, WireResponse } from '../../src/wire/http-types.ts';
import { codecFor } from '../../src/wire/index.ts';
import { JSON11_API } from '../../src/wire/json11.ts';

const set = loadSpecs();
const codec = codecFor(JSON11_API);
let emu: RunningEmulator;
let agent: Agent;

beforeAll(async () => {
  emu = await startEmulator();
  agent = new Agent({ keepAlive: true, maxSockets: 8 });
});
afterAll(async () => {
  agent.destroy();
  await emu.close();
});

function send(req: WireRequest): Promise<WireResponse> {
  const url = new URL(emu.url);
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path + (req.query ? `?${req.query}` : ''),
        headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: {}, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

const call = (operation: string, input: Record<string, unknown>) =>
  codec.encodeRequest(set, operation, input, TEST_REQUESTER_1, {
    host: new URL(emu.url).host,
    now: new Date(),
  });

describe('a burst of requests over several connections', () => {
  it('answers each request with its own call, states and API calls alike, and keeps what it made', async () => {
    const titles = Array.from({ length: 24 }, (_, i) => `Burst HIT ${i}`);
    const creates = titles.map((Title) =>
      send(
        call('CreateHIT', {
          Title,
          Description: 'made in a burst',
          Reward: '0.05',
          AssignmentDurationInSeconds: 600,
          LifetimeInSeconds: 3600,
          Question: '<QuestionForm/>',
        }),
      ),
    );
    const state = fetch(emu.statesUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'AssignableHIT', requester: TEST_REQUESTER_1.accessKeyId }),
    });
    const unknown = send(call('GetHIT', { HITId: 'NOSUCHHIT0000000000000000000000' }));
    const answers = await Promise.all(creates);
    // each answer is its own request's HIT: the titles come back in the order they were sent
    expect(answers.map((a) => a.status)).toEqual(titles.map(() => 200));
    const hits = answers.map((a) => (JSON.parse(a.body) as { HIT: { HITId: string; Title: string } }).HIT);
    expect(hits.map((h) => h.Title)).toEqual(titles);
    expect(new Set(hits.map((h) => h.HITId)).size).toBe(titles.length);
    const made = (await (await state).json()) as { HITId: string };
    expect(made.HITId).toMatch(/^[A-Z0-9]{30}$/);
    expect((await unknown).status).toBe(400);
    // what the burst made is there: each HIT reads back, the state's HIT too
    for (const id of [...hits.map((h) => h.HITId), made.HITId]) {
      const back = await send(call('GetHIT', { HITId: id }));
      expect(back.status, back.body).toBe(200);
    }
  });
});
