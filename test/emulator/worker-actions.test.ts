// The Worker actions of the provider-states contract (model.json `actions`, docs/provider-states.md)
// and the emulator's clock (model.json `timers`): each action on the entities its params name, the
// HIT lifecycle they drive (DG-RHS), the 409 refusals with their reasons, and what time does.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { executeCall } from '../../src/emulator/engine.ts';
import { createEmulator, type Emulator } from '../../src/emulator/server.ts';
import { TEST_REQUESTER_1, TEST_REQUESTER_2 } from '../../src/emulator/test-credentials.ts';
import type { Api } from '../../src/spec/types.ts';
import type { Outcome } from '../../src/wire/codec.ts';

const OWNER = TEST_REQUESTER_1.accessKeyId;
const OTHER = TEST_REQUESTER_2.accessKeyId;
const J: Api = '2017-01-17';
const T0 = new Date(Date.UTC(2025, 5, 1));
let emu: Emulator;
beforeEach(() => {
  emu = createEmulator({ now: () => T0 });
});

const post = (state: string, params: Record<string, unknown> = {}, requester = OWNER) => {
  const r = emu.handleStates(JSON.stringify({ state, requester, params }));
  return { status: r.status, body: JSON.parse(r.body) as Record<string, string> };
};
const ok = (state: string, params: Record<string, unknown> = {}, requester = OWNER) => {
  const r = post(state, params, requester);
  if (r.status !== 200) throw new Error(`${state}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};
const call = (operation: string, input: Record<string, unknown>, caller = OWNER): Outcome =>
  executeCall(
    emu.specs,
    emu.store,
    { api: J, operation, input, accessKeyId: caller, responseGroups: [] },
    emu.clock.now(),
  );
const hitStatus = (id: string) => emu.store.statusOf(emu.store.getAny('HIT', id)!);
const assignment = (id: string) => emu.store.getAny('Assignment', id)!;
/** An Assignable HIT of the owner with `slots` assignments. */
const hit = (slots = 1) => {
  const { HITId } = ok('AssignableHIT');
  emu.store.update(emu.store.getAny('HIT', HITId)!, { MaxAssignments: slots });
  return HITId!;
};

describe('an action over a large store', () => {
  it('costs what it touches: no copy of the store, no scan of a whole kind', () => {
    for (let i = 0; i < 20; i++) ok('WorkerBlocked');
    const HITId = hit(2);
    const snapshot = vi.spyOn(emu.store, 'snapshot');
    const listAll = vi.spyOn(emu.store, 'listAll');
    ok('WorkerSubmitsAssignment', { HITId });
    expect(post('WorkerSubmitsAssignment', { HITId, WorkerId: 'A1BLOCKED' }).status).toBe(200);
    expect(snapshot).not.toHaveBeenCalled();
    expect(listAll).not.toHaveBeenCalled();
  });

  it('an exception half-way undoes what it made and wrote: 500, the store as it was', () => {
    const HITId = hit(1);
    ok('ActiveQualificationType');
    const before = emu.store.digest();
    const update = emu.store.update.bind(emu.store);
    // the HIT's settle (its last step) writes its status, then fails
    vi.spyOn(emu.store, 'update').mockImplementation((rec, fields) => {
      update(rec, fields);
      if (rec.entity === 'HIT') throw new Error('disk on fire');
    });
    const r = post('WorkerSubmitsAssignment', { HITId });
    expect(r.status).toBe(500);
    expect(r.body.error).toBe('disk on fire');
    vi.restoreAllMocks();
    expect(emu.store.digest()).toBe(before);
    expect(hitStatus(HITId)).toBe('Assignable');
    expect(emu.store.childrenOf(emu.store.getAny('HIT', HITId)!, 'Assignment')).toEqual([]);
    // and the store still works: the same action now applies
    expect(post('WorkerSubmitsAssignment', { HITId }).status).toBe(200);
    expect(hitStatus(HITId)).not.toBe('Assignable');
  });
});

describe('WorkerAcceptsAssignment', () => {
  it('takes a slot: the assignment exists, accepted, invisible to the requester API', () => {
    const HITId = hit(2);
    const ids = ok('WorkerAcceptsAssignment', { HITId });
    expect(Object.keys(ids).sort()).toEqual(['AssignmentId', 'WorkerId']);
    const a = assignment(ids.AssignmentId!);
    expect(emu.store.statusOf(a)).toBe('Accepted');
    expect(a.fields.WorkerId).toBe(ids.WorkerId);
    expect(a.fields.AcceptTime).toEqual(T0);
    expect((a.fields.Deadline as Date).getTime()).toBe(T0.getTime() + 3600_000);
    expect(a.fields.SubmitTime).toBeUndefined();
    expect(a.fields.AutoApprovalTime).toBeUndefined();
    const got = call('GetAssignment', { AssignmentId: ids.AssignmentId });
    expect(got.kind === 'error' && got.error).toBe('AssignmentDoesNotExist');
    expect(hitStatus(HITId)).toBe('Assignable');
  });

  it('GetHIT counts accepted work as pending, not available; a return frees the slot', () => {
    const HITId = hit(2);
    const counts = () => {
      const got = call('GetHIT', { HITId });
      if (got.kind !== 'success') throw new Error(JSON.stringify(got));
      const h = got.output.HIT as Record<string, unknown>;
      return [h.NumberOfAssignmentsAvailable, h.NumberOfAssignmentsPending];
    };
    expect(counts()).toEqual([2, 0]);
    const { AssignmentId } = ok('WorkerAcceptsAssignment', { HITId });
    expect(counts()).toEqual([1, 1]);
    ok('WorkerReturnsAssignment', { AssignmentId });
    expect(counts()).toEqual([2, 0]);
  });

  it('the last slot makes the HIT Unassignable; another accept is refused with 409', () => {
    const HITId = hit(1);
    ok('WorkerAcceptsAssignment', { HITId });
    expect(hitStatus(HITId)).toBe('Unassignable');
    const before = emu.store.digest();
    const r = post('WorkerAcceptsAssignment', { HITId });
    expect(r.status).toBe(409);
    expect(r.body.error).toBe(`HIT ${HITId} is not Assignable (it is Unassignable)`);
    expect(emu.store.digest()).toBe(before);
  });

  it('keeps the WorkerId it is given, and refuses the same Worker twice on one HIT', () => {
    const HITId = hit(3);
    expect(ok('WorkerAcceptsAssignment', { HITId, WorkerId: 'A1WORKER' }).WorkerId).toBe('A1WORKER');
    const r = post('WorkerSubmitsAssignment', { HITId, WorkerId: 'A1WORKER' });
    expect(r.status).toBe(409);
    expect(r.body.error).toContain('already holds an assignment');
  });

  it('refuses a Worker the HIT owner blocked, not one another requester blocked', () => {
    const HITId = hit(2);
    const { WorkerId } = ok('WorkerBlocked');
    const r = post('WorkerAcceptsAssignment', { HITId, WorkerId });
    expect(r.status).toBe(409);
    expect(r.body.error).toBe(`Worker ${WorkerId} is blocked by the requester of HIT ${HITId}`);
    const other = ok('WorkerBlocked', {}, OTHER).WorkerId;
    expect(post('WorkerAcceptsAssignment', { HITId, WorkerId: other }).status).toBe(200);
  });

  it('409 for an unknown id or another requester’s HIT; 400 for params of the wrong form', () => {
    const HITId = hit();
    expect(post('WorkerAcceptsAssignment', { HITId: 'NOPE' })).toEqual({
      status: 409,
      body: { error: 'HIT NOPE does not exist' },
    });
    expect(post('WorkerAcceptsAssignment', { HITId }, OTHER).status).toBe(409);
    expect(post('WorkerAcceptsAssignment', {}).status).toBe(400);
    expect(post('WorkerAcceptsAssignment', { HITId: 7 }).status).toBe(400);
    expect(post('WorkerAcceptsAssignment', { HITId, Force: true }).status).toBe(400);
    expect(hitStatus(HITId)).toBe('Assignable');
  });
});

describe('WorkerSubmitsAssignment and WorkerSubmitsAcceptedAssignment', () => {
  it('a submission is visible with its answer; all slots submitted makes the HIT Reviewable', () => {
    const HITId = hit(2);
    const first = ok('WorkerSubmitsAssignment', { HITId, Answer: '<answer>1</answer>' });
    expect(hitStatus(HITId)).toBe('Assignable');
    const got = call('GetAssignment', { AssignmentId: first.AssignmentId });
    expect(got.kind).toBe('success');
    const a = (got as unknown as { output: { Assignment: Record<string, unknown> } }).output.Assignment;
    expect(a).toMatchObject({ AssignmentStatus: 'Submitted', Answer: '<answer>1</answer>', SubmitTime: T0 });
    expect((a.AutoApprovalTime as Date).getTime()).toBe(T0.getTime() + 2592000_000);
    const accepted = ok('WorkerAcceptsAssignment', { HITId });
    expect(hitStatus(HITId)).toBe('Unassignable');
    ok('WorkerSubmitsAcceptedAssignment', { AssignmentId: accepted.AssignmentId });
    expect(hitStatus(HITId)).toBe('Reviewable');
    expect(call('ApproveAssignment', { AssignmentId: accepted.AssignmentId }).kind).toBe('success');
    const again = post('WorkerSubmitsAcceptedAssignment', { AssignmentId: accepted.AssignmentId });
    expect(again.status).toBe(409);
    expect(again.body.error).toContain('it is Approved');
  });

  it('an Answer with an uploaded file (QuestionFormAnswers, D17-QFA): GetFileUploadURL hands back a URL for that question only', () => {
    const HITId = hit(1);
    const Answer =
      '<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">' +
      '<Answer><QuestionIdentifier>photo</QuestionIdentifier><UploadedFileSizeInBytes>512</UploadedFileSizeInBytes>' +
      '<UploadedFileKey>key-of-the-photo</UploadedFileKey></Answer>' +
      '<Answer><QuestionIdentifier>note</QuestionIdentifier><FreeText>hello</FreeText></Answer></QuestionFormAnswers>';
    const { AssignmentId } = ok('WorkerSubmitsAssignment', { HITId, Answer });
    const got = call('GetFileUploadURL', { AssignmentId, QuestionIdentifier: 'photo' });
    if (got.kind !== 'success') throw new Error(JSON.stringify(got));
    const url = new URL(String(got.output.FileUploadURL));
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.pathname).toContain('key-of-the-photo');
    for (const QuestionIdentifier of ['note', 'nothing'])
      expect(call('GetFileUploadURL', { AssignmentId, QuestionIdentifier })).toMatchObject({
        kind: 'error',
        error: 'InvalidParameterValue',
      });
    expect(call('GetFileUploadURL', { AssignmentId, QuestionIdentifier: 'photo' }, OTHER).kind).toBe('error');
  });

  it('a HIT that is not Assignable refuses a submission', () => {
    const { HITId } = ok('HITWithSubmittedAssignment');
    const r = post('WorkerSubmitsAssignment', { HITId });
    expect(r).toEqual({ status: 409, body: { error: `HIT ${HITId} is not Assignable (it is Reviewable)` } });
  });
});

describe('WorkerReturnsAssignment', () => {
  it('frees the slot (the HIT is Assignable again); only accepted work can be returned', () => {
    const HITId = hit(1);
    const { AssignmentId } = ok('WorkerAcceptsAssignment', { HITId });
    expect(ok('WorkerReturnsAssignment', { AssignmentId })).toEqual({});
    expect(emu.store.statusOf(assignment(AssignmentId!))).toBe('Returned');
    expect(hitStatus(HITId)).toBe('Assignable');
    expect(post('WorkerReturnsAssignment', { AssignmentId }).status).toBe(409);
    const submitted = ok('WorkerSubmitsAssignment', { HITId });
    const r = post('WorkerReturnsAssignment', { AssignmentId: submitted.AssignmentId });
    expect(r.status).toBe(409);
    expect(r.body.error).toContain('only accepted work can be returned');
  });
});

describe('WorkerRequestsQualification', () => {
  it('makes a pending request the owner sees; refuses an Inactive type, a second request, a retake', () => {
    const { QualificationTypeId } = ok('ActiveQualificationType');
    const ids = ok('WorkerRequestsQualification', { QualificationTypeId, WorkerId: 'A2WORKER' });
    expect(ids.WorkerId).toBe('A2WORKER');
    const listed = call('ListQualificationRequests', { QualificationTypeId });
    expect(JSON.stringify(listed)).toContain(ids.QualificationRequestId);
    const pending = post('WorkerRequestsQualification', { QualificationTypeId, WorkerId: 'A2WORKER' });
    expect(pending.status).toBe(409);
    expect(pending.body.error).toContain('already has a pending request');
    expect(
      call('RejectQualificationRequest', { QualificationRequestId: ids.QualificationRequestId }).kind,
    ).toBe('success');
    const retake = post('WorkerRequestsQualification', { QualificationTypeId, WorkerId: 'A2WORKER' });
    expect(retake.status).toBe(409);
    expect(retake.body.error).toContain('does not allow');
    const type = emu.store.getAny('QualificationType', QualificationTypeId)!;
    emu.store.update(type, { QualificationTypeStatus: 'Inactive' });
    const inactive = post('WorkerRequestsQualification', { QualificationTypeId });
    expect(inactive).toEqual({
      status: 409,
      body: { error: `qualification type ${QualificationTypeId} is not Active (it is Inactive)` },
    });
  });

  it('a retry delay passes with the clock', () => {
    const { QualificationTypeId } = ok('ActiveQualificationType');
    emu.store.update(emu.store.getAny('QualificationType', QualificationTypeId)!, {
      RetryDelayInSeconds: 600,
    });
    const first = ok('WorkerRequestsQualification', { QualificationTypeId, WorkerId: 'A3WORKER' });
    call('RejectQualificationRequest', { QualificationRequestId: first.QualificationRequestId });
    const early = post('WorkerRequestsQualification', { QualificationTypeId, WorkerId: 'A3WORKER' });
    expect(early.status).toBe(409);
    expect(early.body.error).toContain('must wait RetryDelayInSeconds');
    emu.clock.advance(601);
    expect(post('WorkerRequestsQualification', { QualificationTypeId, WorkerId: 'A3WORKER' }).status).toBe(
      200,
    );
  });
});

describe('the clock', () => {
  it('approves a submitted assignment at its AutoApprovalTime, not before', () => {
    const HITId = hit(1);
    const { AssignmentId } = ok('WorkerSubmitsAssignment', { HITId });
    expect(emu.clock.advance(2592000 - 1)).toBe(0);
    expect(emu.store.statusOf(assignment(AssignmentId!))).toBe('Submitted');
    expect(emu.clock.advance(1)).toBeGreaterThan(0);
    const a = assignment(AssignmentId!);
    expect(emu.store.statusOf(a)).toBe('Approved');
    expect(a.fields.ApprovalTime).toEqual(new Date(T0.getTime() + 2592000_000));
    expect(emu.clock.now().getTime()).toBe(T0.getTime() + 2592000_000);
    expect(emu.clock.offsetSeconds).toBe(2592000);
  });

  it('auto-approval pays the reward from the owner’s balance, as ApproveAssignment’s charge rule does', () => {
    const balance = (who = OWNER) => {
      const out = call('GetAccountBalance', {}, who);
      if (out.kind !== 'success') throw new Error(JSON.stringify(out));
      return out.output.AvailableBalance;
    };
    const HITId = hit(2);
    emu.store.update(emu.store.getAny('HIT', HITId)!, { Reward: '1.25' });
    const a = ok('WorkerSubmitsAssignment', { HITId }).AssignmentId!;
    const b = ok('WorkerSubmitsAssignment', { HITId }).AssignmentId!;
    // an explicit approval and an automatic one draw the same amount
    expect(call('ApproveAssignment', { AssignmentId: a }).kind).toBe('success');
    expect(balance()).toBe('9998.75');
    expect(balance(OTHER)).toBe('10000.00');
    emu.clock.advance(2592000);
    expect(emu.store.statusOf(assignment(b))).toBe('Approved');
    expect(balance()).toBe('9997.50');
    expect(balance(OTHER)).toBe('10000.00');
    // the approval is paid once: later ticks draw nothing more
    emu.clock.advance(2592000);
    expect(balance()).toBe('9997.50');
  });

  it('auto-approval the balance cannot pay is not processed (the assignment stays Submitted)', () => {
    const HITId = hit(1);
    const AssignmentId = ok('WorkerSubmitsAssignment', { HITId }).AssignmentId!;
    emu.store.update(emu.store.getAny('HIT', HITId)!, { Reward: '20000.00' });
    expect(emu.clock.advance(2592000)).toBe(0);
    expect(emu.store.statusOf(assignment(AssignmentId))).toBe('Submitted');
    const out = call('GetAccountBalance', {});
    expect(out.kind === 'success' && out.output.AvailableBalance).toBe('10000.00');
  });

  it('abandons accepted work at its Deadline (the slot is free again)', () => {
    const HITId = hit(1);
    const { AssignmentId } = ok('WorkerAcceptsAssignment', { HITId });
    emu.clock.advance(3600);
    expect(emu.store.statusOf(assignment(AssignmentId!))).toBe('Abandoned');
    expect(hitStatus(HITId)).toBe('Assignable');
  });

  it('expires a HIT: Reviewable once no accepted work is outstanding', () => {
    const a = hit(2);
    const b = hit(2);
    ok('WorkerAcceptsAssignment', { HITId: b });
    emu.store.update(
      emu.store.getAny('Assignment', ok('WorkerAcceptsAssignment', { HITId: b }).AssignmentId)!,
      {
        Deadline: new Date(T0.getTime() + 200_000_000),
      },
    );
    emu.clock.advance(86400);
    expect(hitStatus(a)).toBe('Reviewable');
    expect(hitStatus(b)).toBe('Unassignable');
    expect(post('WorkerAcceptsAssignment', { HITId: a }).status).toBe(409);
  });

  it('refuses to go back', () => {
    expect(() => emu.clock.advance(-1)).toThrow(RangeError);
  });
});

describe('grants made through AssociateQualificationWithWorker', () => {
  it('GetQualificationScore and ListWorkersWithQualificationType find them; one Worker holds grants of two types', () => {
    const a = ok('ActiveQualificationType').QualificationTypeId!;
    const b = ok('ActiveQualificationType').QualificationTypeId!;
    const WorkerId = 'AWORKER0000001';
    for (const [QualificationTypeId, IntegerValue] of [
      [a, 7],
      [b, 9],
    ] as const)
      expect(
        call('AssociateQualificationWithWorker', { QualificationTypeId, WorkerId, IntegerValue }).kind,
      ).toBe('success');
    for (const [QualificationTypeId, value] of [
      [a, 7],
      [b, 9],
    ] as const) {
      const got = call('GetQualificationScore', { QualificationTypeId, WorkerId });
      if (got.kind !== 'success') throw new Error(JSON.stringify(got));
      const q = got.output.Qualification as Record<string, unknown>;
      expect([q.QualificationTypeId, q.WorkerId, q.IntegerValue]).toEqual([
        QualificationTypeId,
        WorkerId,
        value,
      ]);
      const listed = call('ListWorkersWithQualificationType', { QualificationTypeId });
      if (listed.kind !== 'success') throw new Error(JSON.stringify(listed));
      expect((listed.output.Qualifications as Record<string, unknown>[]).map((x) => x.WorkerId)).toEqual([
        WorkerId,
      ]);
    }
  });
});
