// End to end over HTTP: the official @aws-sdk/client-mturk (2017-01-17) and the legacy codec's
// own requests (2014-08-15, GET and POST, both signature schemes) against the emulator.
import {
  GetAssignmentCommand,
  ListQualificationRequestsCommand,
  MTurkClient,
  RejectAssignmentCommand,
  RejectQualificationRequestCommand,
} from '@aws-sdk/client-mturk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { TEST_REQUESTER_1, TEST_REQUESTER_2 } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { codecFor } from '../../src/wire/index.ts';
import { JSON11_API } from '../../src/wire/json11.ts';
import { LEGACY_API } from '../../src/wire/legacy.ts';
import { providerState, sendWire } from './helpers.ts';

const set = loadSpecs();
const p17 = set.apis[JSON11_API].protocol;
const pLegacy = set.apis[LEGACY_API].protocol;
/** The error code a rule of an operation names (read from the spec, not typed here). */
const ruleCode = (api: typeof JSON11_API | typeof LEGACY_API, op: string, kind: string) => {
  const id = set.apis[api].operations.get(op)!.behaviour.rules.find((r) => r.kind === kind)!.error!;
  return set.errors.errors[id]!.code;
};

let emu: RunningEmulator;
let client: MTurkClient;
beforeAll(async () => {
  emu = await startEmulator();
  client = new MTurkClient({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: TEST_REQUESTER_1,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await emu.close();
});

describe('2017-01-17 through @aws-sdk/client-mturk', () => {
  it('RejectAssignment: succeeds once, GetAssignment shows Rejected, a second reject fails', async () => {
    const st = await providerState(emu.statesUrl, 'HITWithSubmittedAssignment', TEST_REQUESTER_1.accessKeyId);
    const first = await client.send(
      new RejectAssignmentCommand({ AssignmentId: st.AssignmentId!, RequesterFeedback: 'no' }),
    );
    expect(first.$metadata.httpStatusCode).toBe(p17.success.status);
    expect(first.$metadata.requestId).toBeTruthy();
    const got = await client.send(new GetAssignmentCommand({ AssignmentId: st.AssignmentId! }));
    expect(got.Assignment?.AssignmentStatus).toBe('Rejected');
    expect(got.Assignment?.RequesterFeedback).toBe('no');
    expect(got.Assignment?.RejectionTime).toBeInstanceOf(Date);
    expect(got.HIT?.HITId).toBe(st.HITId);
    const second = await client
      .send(new RejectAssignmentCommand({ AssignmentId: st.AssignmentId!, RequesterFeedback: 'again' }))
      .then(
        () => undefined,
        (e: unknown) => e as { name: string; TurkErrorCode?: string; message: string },
      );
    expect(second?.name).toBe(p17.errorEnvelope.request!.type);
    expect(second?.TurkErrorCode).toBe(ruleCode(JSON11_API, 'RejectAssignment', 'status'));
    expect(second?.TurkErrorCode).toBe('AWS.MechanicalTurk.InvalidAssignmentState');
    expect(second?.message).toMatch(/^This operation can be called with a status of: Submitted \(\d+\)$/);
  });

  it('a non-owner cannot reject; an unknown assignment does not exist', async () => {
    const st = await providerState(emu.statesUrl, 'HITWithSubmittedAssignment', TEST_REQUESTER_1.accessKeyId);
    const other = new MTurkClient({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: TEST_REQUESTER_2,
      maxAttempts: 1,
    });
    const e = await other
      .send(new RejectAssignmentCommand({ AssignmentId: st.AssignmentId!, RequesterFeedback: 'x' }))
      .catch((x: { TurkErrorCode?: string }) => x);
    expect((e as { TurkErrorCode?: string }).TurkErrorCode).toBe(
      ruleCode(JSON11_API, 'RejectAssignment', 'owner'),
    );
    other.destroy();
    const missing = await client
      .send(new GetAssignmentCommand({ AssignmentId: 'NOSUCHASSIGNMENT' }))
      .catch((x: { TurkErrorCode?: string; message: string }) => x);
    expect((missing as { TurkErrorCode?: string }).TurkErrorCode).toBe(
      ruleCode(JSON11_API, 'GetAssignment', 'exists'),
    );
    expect((missing as { message: string }).message).toMatch(
      /^Assignment NOSUCHASSIGNMENT does not exist\. \(\d+\)$/,
    );
  });

  it('RejectQualificationRequest: the request is listed, rejected, then no longer listed', async () => {
    const st = await providerState(
      emu.statesUrl,
      'QualificationTypeWithPendingRequest',
      TEST_REQUESTER_1.accessKeyId,
    );
    const before = await client.send(
      new ListQualificationRequestsCommand({ QualificationTypeId: st.QualificationTypeId }),
    );
    expect(before.QualificationRequests?.map((q) => q.QualificationRequestId)).toEqual([
      st.QualificationRequestId,
    ]);
    expect(before.QualificationRequests?.[0]?.WorkerId).toBe(st.WorkerId);
    await client.send(
      new RejectQualificationRequestCommand({
        QualificationRequestId: st.QualificationRequestId!,
        Reason: 'r',
      }),
    );
    const after = await client.send(
      new ListQualificationRequestsCommand({ QualificationTypeId: st.QualificationTypeId }),
    );
    expect(after.QualificationRequests ?? []).toEqual([]);
    expect(after.NumResults).toBe(0);
  });

  it('a bad signature is refused with the spec error', async () => {
    const bad = new MTurkClient({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: { ...TEST_REQUESTER_1, secretAccessKey: 'wrong' },
      maxAttempts: 1,
    });
    const e = await bad
      .send(new GetAssignmentCommand({ AssignmentId: 'X' }))
      .catch((x: { TurkErrorCode?: string }) => x);
    const id = p17.protocolErrors.signatureMismatch!;
    expect((e as { TurkErrorCode?: string }).TurkErrorCode).toBe(set.errors.errors[id]!.code);
    bad.destroy();
  });
});

describe('2014-08-15 through the legacy codec over HTTP', () => {
  const legacy = codecFor(LEGACY_API);
  const schemes = (pLegacy.signing.schemes ?? []).map((s) => s.name);
  const call = async (
    operation: string,
    input: Record<string, unknown>,
    method: 'GET' | 'POST',
    scheme: string,
    responseGroups: string[] = [],
  ) => {
    const req = legacy.encodeRequest(set, operation, input, TEST_REQUESTER_1, {
      host: new URL(emu.url).host,
      now: new Date(),
      method,
      scheme,
      responseGroups,
    });
    const res = await sendWire(emu.url, req);
    return { res, answer: legacy.decodeResponse(set, operation, res) };
  };

  for (const method of ['GET', 'POST'] as const)
    for (const scheme of schemes)
      it(`RejectAssignment story (${method}, ${scheme})`, async () => {
        const st = await providerState(
          emu.statesUrl,
          'HITWithSubmittedAssignment',
          TEST_REQUESTER_1.accessKeyId,
        );
        const first = await call(
          'RejectAssignment',
          { AssignmentId: st.AssignmentId, RequesterFeedback: 'no' },
          method,
          scheme,
          ['Request'],
        );
        expect(first.answer.problems).toEqual([]);
        expect(first.answer.kind).toBe('success');
        expect(first.res.body).toContain('<RejectAssignmentRequest>');
        const got = await call('GetAssignment', { AssignmentId: st.AssignmentId }, method, scheme);
        expect(got.answer.problems).toEqual([]);
        expect(
          got.answer.kind === 'success' &&
            (got.answer.output.Assignment as Record<string, unknown>).AssignmentStatus,
        ).toBe('Rejected');
        const second = await call('RejectAssignment', { AssignmentId: st.AssignmentId }, method, scheme);
        expect(second.answer.problems).toEqual([]);
        expect(second.answer.kind).toBe('error');
        if (second.answer.kind === 'error') {
          expect(second.answer.code).toBe(ruleCode(LEGACY_API, 'RejectAssignment', 'status'));
          expect(second.answer.data).toEqual({ CurrentState: 'Rejected' });
          expect(second.answer.message).toMatch(
            /^This operation can be called with a status of: Submitted \(\d+ s\)$/,
          );
        }
        expect(second.res.status).toBe(pLegacy.errorEnvelope.status);
      });

  for (const method of ['GET', 'POST'] as const)
    for (const scheme of schemes)
      it(`RejectQualificationRequest story (${method}, ${scheme})`, async () => {
        const st = await providerState(
          emu.statesUrl,
          'QualificationTypeWithPendingRequest',
          TEST_REQUESTER_1.accessKeyId,
        );
        const listed = await call(
          'GetQualificationRequests',
          { QualificationTypeId: st.QualificationTypeId },
          method,
          scheme,
        );
        expect(listed.answer.problems).toEqual([]);
        const items =
          listed.answer.kind === 'success'
            ? (listed.answer.output.QualificationRequest as { SubjectId: string }[])
            : [];
        expect(items.map((q) => q.SubjectId)).toEqual([st.WorkerId]);
        const rej = await call(
          'RejectQualificationRequest',
          { QualificationRequestId: st.QualificationRequestId, Reason: 'r' },
          method,
          scheme,
        );
        expect(rej.answer.kind).toBe('success');
        const after = await call(
          'GetQualificationRequests',
          { QualificationTypeId: st.QualificationTypeId },
          method,
          scheme,
        );
        expect(after.answer.kind === 'success' && after.answer.output.QualificationRequest).toBeFalsy();
        expect(after.answer.kind === 'success' && after.answer.output.NumResults).toBe(0);
      });

  it('ApproveRejectedAssignment turns a Rejected assignment Approved', async () => {
    const st = await providerState(emu.statesUrl, 'HITWithRejectedAssignment', TEST_REQUESTER_1.accessKeyId);
    const r = await call('ApproveRejectedAssignment', { AssignmentId: st.AssignmentId }, 'GET', schemes[0]!);
    expect(r.answer.kind).toBe('success');
    const got = await call('GetAssignment', { AssignmentId: st.AssignmentId }, 'GET', schemes[0]!);
    expect(
      got.answer.kind === 'success' &&
        (got.answer.output.Assignment as Record<string, unknown>).AssignmentStatus,
    ).toBe('Approved');
  });

  it('the same store serves both API versions', async () => {
    const st = await providerState(emu.statesUrl, 'HITWithSubmittedAssignment', TEST_REQUESTER_1.accessKeyId);
    await call('RejectAssignment', { AssignmentId: st.AssignmentId }, 'POST', schemes[0]!);
    const got = await client.send(new GetAssignmentCommand({ AssignmentId: st.AssignmentId! }));
    expect(got.Assignment?.AssignmentStatus).toBe('Rejected');
  });
});

describe('provider-states endpoint', () => {
  it('answers 404 for an unknown state and 400 for a bad body', async () => {
    const unknown = await fetch(emu.statesUrl, {
      method: 'POST',
      body: JSON.stringify({ state: 'Nope', requester: 'A' }),
    });
    expect(unknown.status).toBe(404);
    const bad = await fetch(emu.statesUrl, { method: 'POST', body: 'not json' });
    expect(bad.status).toBe(400);
    const noRequester = await fetch(emu.statesUrl, {
      method: 'POST',
      body: JSON.stringify({ state: 'HITWithSubmittedAssignment' }),
    });
    expect(noRequester.status).toBe(400);
    const get = await fetch(emu.statesUrl);
    expect(get.status).toBe(405);
  });
  it('creates every state in model.json and returns the ids it names', async () => {
    for (const [name, s] of Object.entries(set.model.states)) {
      const ids = await providerState(emu.statesUrl, name, TEST_REQUESTER_1.accessKeyId);
      expect(Object.keys(ids).sort()).toEqual(Object.keys(s.returns).sort());
      for (const v of Object.values(ids)) expect(typeof v).toBe('string');
    }
  });
});
