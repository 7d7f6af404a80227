// The emulator as a local MTurk for application tests (src/emulator/local.ts, docs/emulator.md):
// the library's startEmulator() through the AWS SDK v3 with any key (moto-like) or verified keys,
// the Worker actions as functions, the clock, the control endpoint and the msw handlers.
import {
  ApproveAssignmentCommand,
  GetAssignmentCommand,
  MTurkClient,
  type MTurkServiceException,
} from '@aws-sdk/client-mturk';
import { setupServer } from 'msw/node';
import { afterEach, describe, expect, it } from 'vitest';
import {
  controlRoutes,
  type LocalEmulator,
  mturkHandlers,
  startEmulator,
  WorkerActionError,
} from '../../src/emulator/local.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';

const open: LocalEmulator[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
});
const start = async (o: Parameters<typeof startEmulator>[0] = {}) => {
  const e = await startEmulator(o);
  open.push(e);
  return e;
};
const client = (endpoint: string, accessKeyId: string, secretAccessKey = 'anything') =>
  new MTurkClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
const state = async (e: LocalEmulator, name: string, requester: string) => {
  const r = await fetch(e.statesUrl, { method: 'POST', body: JSON.stringify({ state: name, requester }) });
  return (await r.json()) as Record<string, string>;
};
const errorName = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: MTurkServiceException) => e.name,
  );

describe('startEmulator (library)', () => {
  // how soon it answers is measured by `npm run bench` (startEmulator row), not bounded here: a
  // time bound in a test failed on a loaded machine
  it('serves on loopback with any access key and signature', async () => {
    const e = await start();
    const { HITId } = await state(e, 'AssignableHIT', 'AKIDMYAPP');
    const { AssignmentId } = e.workers.submit(HITId!, { Answer: '<a/>' });
    const out = await client(e.url, 'AKIDMYAPP').send(new GetAssignmentCommand({ AssignmentId }));
    expect(e.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out.Assignment?.AssignmentStatus).toBe('Submitted');
    expect(out.Assignment?.Answer).toBe('<a/>');
    // owners are still told apart by access key id
    expect(
      await errorName(client(e.url, 'AKIDOTHER').send(new GetAssignmentCommand({ AssignmentId }))),
    ).not.toBe('no error');
  });

  it('verifies signatures when asked to', async () => {
    const e = await start({ verifySignatures: true });
    const { AssignmentId } = await state(e, 'HITWithSubmittedAssignment', TEST_REQUESTER_1.accessKeyId);
    const good = client(e.url, TEST_REQUESTER_1.accessKeyId, TEST_REQUESTER_1.secretAccessKey);
    await expect(good.send(new GetAssignmentCommand({ AssignmentId }))).resolves.toBeDefined();
    const bad = client(e.url, TEST_REQUESTER_1.accessKeyId, 'wrong-secret');
    expect(await errorName(bad.send(new GetAssignmentCommand({ AssignmentId })))).not.toBe('no error');
    const keyed = await start({ credentials: [{ accessKeyId: 'AKIDMINE', secretAccessKey: 's3cret' }] });
    expect(keyed.emulator.credentials.some((c) => c.accessKeyId === 'AKIDMINE')).toBe(true);
    expect(
      await errorName(
        client(keyed.url, 'AKIDMINE', 'nope').send(new GetAssignmentCommand({ AssignmentId: 'X' })),
      ),
    ).not.toBe('no error');
  });

  it('refuses a non-loopback host', async () => {
    await expect(startEmulator({ host: '0.0.0.0' })).rejects.toThrow(/loopback only/);
  });

  it('workers and clock: accept, return, submit, auto-approval, with errors as WorkerActionError', async () => {
    const e = await start();
    const { HITId } = await state(e, 'AssignableHIT', 'AKIDMYAPP');
    const accepted = e.workers.accept(HITId!, { WorkerId: 'A1EXAMPLE' });
    expect(accepted.WorkerId).toBe('A1EXAMPLE');
    expect(() => e.workers.accept(HITId!)).toThrow(WorkerActionError);
    e.workers.return(accepted.AssignmentId);
    const { AssignmentId } = e.workers.submit(HITId!);
    const sdk = client(e.url, 'AKIDMYAPP');
    expect(e.clock.advance(30 * 86400)).toBeGreaterThan(0);
    const out = await sdk.send(new GetAssignmentCommand({ AssignmentId }));
    expect(out.Assignment?.AssignmentStatus).toBe('Approved');
    expect(out.Assignment?.ApprovalTime?.getTime()).toBe(out.Assignment?.AutoApprovalTime?.getTime());
    expect(await errorName(sdk.send(new ApproveAssignmentCommand({ AssignmentId })))).not.toBe('no error');
    try {
      e.workers.act('WorkerAcceptsAssignment', { HITId: 'NOPE' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(WorkerActionError);
      expect((err as WorkerActionError).status).toBe(409);
      expect((err as Error).message).toBe('HIT NOPE does not exist');
    }
  });

  it('control endpoint: clock, workers, save; loopback callers only', async () => {
    const e = await start({ now: () => new Date(Date.UTC(2025, 0, 1)) });
    const post = (path: string, body: unknown) =>
      fetch(`${e.controlUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    const clock = await (await fetch(`${e.controlUrl}/clock`)).json();
    expect(clock).toEqual({ now: '2025-01-01T00:00:00.000Z', offsetSeconds: 0 });
    const moved = await (await post('/clock', { advanceSeconds: 3600 })).json();
    expect(moved).toMatchObject({ now: '2025-01-01T01:00:00.000Z', offsetSeconds: 3600, fired: 0 });
    expect((await post('/clock', { advanceSeconds: -5 })).status).toBe(400);
    const { HITId } = await state(e, 'AssignableHIT', 'AKIDMYAPP');
    const submitted = await post('/workers', { action: 'WorkerSubmitsAssignment', params: { HITId } });
    expect(submitted.status).toBe(200);
    expect(Object.keys(await submitted.json()).sort()).toEqual(['AssignmentId', 'WorkerId']);
    const refused = await post('/workers', { action: 'WorkerSubmitsAssignment', params: { HITId } });
    expect(refused.status).toBe(409);
    expect((await refused.json()).error).toContain('is not Assignable');
    expect((await post('/workers', { action: 'Nope' })).status).toBe(404);
    expect((await post('/save', {})).status).toBe(409);
    expect((await fetch(`${e.controlUrl}/save`)).status).toBe(405);
    const remote = controlRoutes(e.emulator, '/_control', undefined)['/_control/clock']!;
    expect(remote({ method: 'GET', body: '', loopback: false }).status).toBe(403);
  });
});

describe('mturkHandlers', () => {
  it('serves the same store through msw, in process', async () => {
    const e = await start();
    const { HITId } = await state(e, 'AssignableHIT', 'AKIDMYAPP');
    const { AssignmentId } = e.workers.submit(HITId!);
    const server = setupServer(...mturkHandlers(e, { origins: ['http://mturk.invalid'] }));
    server.listen({ onUnhandledRequest: 'error' });
    try {
      const out = await client('http://mturk.invalid', 'AKIDMYAPP').send(
        new GetAssignmentCommand({ AssignmentId }),
      );
      expect(out.Assignment?.HITId).toBe(HITId);
    } finally {
      server.close();
    }
  });

  it('by default answers the emulator URL and MTurk’s own hosts (so a default client never leaves the process)', async () => {
    const e = await start();
    const paths = mturkHandlers(e).map((h) => String((h.info as unknown as { path: unknown }).path));
    expect(paths.some((p) => p.includes('mturk-requester\\.us-east-1\\.amazonaws\\.com'))).toBe(true);
    expect(paths.some((p) => p.includes('mturk-requester-sandbox'))).toBe(true);
    expect(paths.some((p) => p.includes(`127\\.0\\.0\\.1:${new URL(e.url).port}`))).toBe(true);
  });
});
