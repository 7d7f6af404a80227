// The rule kinds that make, remove and guard entities, on the engine (no wire): a HIT's
// lifecycle with its counters and the account balance, HIT type identity, tokens, worker blocks,
// and what the emulator records instead of sending (its outbox).
import { beforeEach, describe, expect, it } from 'vitest';
import { executeCall } from '../../src/emulator/engine.ts';
import { applyState } from '../../src/emulator/states.ts';
import { Store } from '../../src/emulator/store.ts';
import { TEST_REQUESTER_1, TEST_REQUESTER_2 } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import type { Outcome } from '../../src/wire/codec.ts';

const set = loadSpecs();
const OWNER = TEST_REQUESTER_1.accessKeyId;
const OTHER = TEST_REQUESTER_2.accessKeyId;
const now = new Date(Date.UTC(2025, 5, 1));
let store: Store;
beforeEach(() => {
  store = new Store(set, () => now);
});

const state = (name: string, requester = OWNER) => {
  const r = applyState(set, store, { state: name, requester });
  if (!r.ok) throw new Error(r.message);
  return r.ids as Record<string, string>;
};
const run = (operation: string, input: Record<string, unknown>, caller = OWNER): Outcome =>
  executeCall(
    set,
    store,
    { api: '2017-01-17', operation, input, accessKeyId: caller, responseGroups: [] },
    now,
  );
const ok = (o: Outcome) => {
  if (o.kind !== 'success') throw new Error(`expected success, got ${JSON.stringify(o)}`);
  return o.output;
};
const code = (o: Outcome) => (o.kind === 'error' ? o.error : 'success');
const hitInput = {
  Title: 'Label images',
  Description: 'Say what is in the picture',
  Reward: '0.10',
  AssignmentDurationInSeconds: 600,
  LifetimeInSeconds: 3600,
  MaxAssignments: 3,
  Question: '<QuestionForm/>',
};
const hit = (id: string | undefined) => ok(run('GetHIT', { HITId: id })).HIT as Record<string, unknown>;

describe('CreateHIT', () => {
  it('makes an Assignable HIT with every assignment available and Expiration = now + lifetime', () => {
    const h = ok(run('CreateHIT', hitInput)).HIT as Record<string, unknown>;
    expect(h).toMatchObject({
      HITStatus: 'Assignable',
      MaxAssignments: 3,
      NumberOfAssignmentsAvailable: 3,
      NumberOfAssignmentsPending: 0,
      NumberOfAssignmentsCompleted: 0,
      Title: 'Label images',
      AutoApprovalDelayInSeconds: 2592000,
    });
    expect((h.Expiration as Date).getTime() - now.getTime()).toBe(3600_000);
    expect(hit(String(h.HITId)).HITTypeId).toBe(h.HITTypeId);
  });

  it('gives the same HITTypeId for the same type properties, per requester, and another for another Title', () => {
    const a = ok(run('CreateHIT', hitInput)).HIT as Record<string, unknown>;
    const b = ok(run('CreateHIT', { ...hitInput, LifetimeInSeconds: 7200 })).HIT as Record<string, unknown>;
    const c = ok(run('CreateHIT', { ...hitInput, Title: 'Other' })).HIT as Record<string, unknown>;
    const d = ok(run('CreateHIT', hitInput, OTHER)).HIT as Record<string, unknown>;
    expect(b.HITTypeId).toBe(a.HITTypeId);
    expect(c.HITTypeId).not.toBe(a.HITTypeId);
    expect(d.HITTypeId).not.toBe(a.HITTypeId);
    expect(ok(run('CreateHITType', hitInput)).HITTypeId).toBe(a.HITTypeId);
  });

  it('refuses a repeated UniqueRequestToken and changes nothing', () => {
    const first = ok(run('CreateHIT', { ...hitInput, UniqueRequestToken: 'tok-1' })).HIT as Record<
      string,
      unknown
    >;
    const before = store.digest();
    const again = run('CreateHIT', { ...hitInput, UniqueRequestToken: 'tok-1' });
    expect(code(again)).toBe('HitAlreadyExists');
    expect(again.kind === 'error' && again.values.HITId).toBe(first.HITId);
    expect(store.digest()).toBe(before);
    expect(code(run('CreateHIT', { ...hitInput, UniqueRequestToken: 'tok-1' }, OTHER))).toBe('success');
  });

  it('CreateHITWithHITType takes the type properties; an unknown or foreign type is refused', () => {
    const { HITTypeId } = state('HITType');
    const h = ok(
      run('CreateHITWithHITType', { HITTypeId, LifetimeInSeconds: 60, Question: '<QuestionForm/>' }),
    ).HIT as Record<string, unknown>;
    expect(h).toMatchObject({ HITTypeId, Title: 'Conformance HIT', Reward: '0.05', HITStatus: 'Assignable' });
    expect(
      code(
        run('CreateHITWithHITType', { HITTypeId, LifetimeInSeconds: 60, Question: '<QuestionForm/>' }, OTHER),
      ),
    ).toBe('HITTypeDoesNotExist');
  });
});

describe('the HIT lifecycle', () => {
  it('counts reviewed assignments; DeleteHIT needs every submission reviewed, then the HIT is gone', () => {
    const { HITId, AssignmentId } = state('HITWithSubmittedAssignment');
    expect(hit(HITId)).toMatchObject({ NumberOfAssignmentsCompleted: 0, NumberOfAssignmentsAvailable: 0 });
    expect(code(run('DeleteHIT', { HITId }))).toBe('InvalidHITState');
    ok(run('ApproveAssignment', { AssignmentId }));
    expect(hit(HITId).NumberOfAssignmentsCompleted).toBe(1);
    ok(run('DeleteHIT', { HITId }));
    expect(code(run('GetHIT', { HITId }))).toBe('HITDoesNotExist');
    expect(code(run('GetAssignment', { AssignmentId }))).toBe('AssignmentDoesNotExist');
    expect(code(run('DeleteHIT', { HITId }))).toBe('HITDoesNotExist');
  });

  it('an Assignable HIT cannot be deleted; extending a Reviewable one makes it Assignable again', () => {
    const refused = run('DeleteHIT', { HITId: state('AssignableHIT').HITId });
    expect(code(refused)).toBe('InvalidHITState');
    // the statuses go to the message as a list, in the spec's (observed) order; the wire joins them
    expect(refused.kind === 'error' && refused.values).toMatchObject({
      CurrentState: 'Assignable',
      allowed: ['Reviewing', 'Reviewable'],
    });
    const { HITId } = state('ExpiredHITOfTen');
    ok(run('CreateAdditionalAssignmentsForHIT', { HITId, NumberOfAdditionalAssignments: 2 }));
    expect(hit(HITId)).toMatchObject({
      HITStatus: 'Assignable',
      MaxAssignments: 12,
      NumberOfAssignmentsAvailable: 12,
    });
  });

  it('a HIT of fewer than 10 assignments cannot be extended to 10 or more', () => {
    const { HITId } = state('HITWithApprovedAssignment');
    expect(code(run('CreateAdditionalAssignmentsForHIT', { HITId, NumberOfAdditionalAssignments: 9 }))).toBe(
      'InvalidMaximumAssignmentsIncrease',
    );
    ok(run('CreateAdditionalAssignmentsForHIT', { HITId, NumberOfAdditionalAssignments: 8 }));
  });

  it('approvals and bonuses draw on the balance; without the funds the bonus is refused', () => {
    const balance = () => ok(run('GetAccountBalance', {})).AvailableBalance;
    expect(balance()).toBe('10000.00');
    const { AssignmentId, WorkerId } = state('HITWithSubmittedAssignment');
    ok(run('ApproveAssignment', { AssignmentId }));
    expect(balance()).toBe('9999.95');
    const bonus = { AssignmentId, WorkerId, Reason: 'thanks' };
    ok(run('SendBonus', { ...bonus, BonusAmount: '9000' }));
    expect(balance()).toBe('999.95');
    expect(code(run('SendBonus', { ...bonus, BonusAmount: '1000' }))).toBe('InsufficientFunds');
    expect(balance()).toBe('999.95');
    expect(store.list('BonusPayment').map((b) => b.fields.BonusAmount)).toEqual(['9000']);
  });
});

describe('worker blocks', () => {
  it('blocking twice keeps one block with the latest Reason; unblocking twice succeeds', () => {
    const WorkerId = 'A1B2C3D4E5F6G7';
    ok(run('CreateWorkerBlock', { WorkerId, Reason: 'spam' }));
    ok(run('CreateWorkerBlock', { WorkerId, Reason: 'spam again' }));
    expect(store.list('WorkerBlock').map((b) => b.fields.Reason)).toEqual(['spam again']);
    ok(run('DeleteWorkerBlock', { WorkerId }, OTHER));
    expect(store.list('WorkerBlock')).toHaveLength(1);
    ok(run('DeleteWorkerBlock', { WorkerId }));
    ok(run('DeleteWorkerBlock', { WorkerId }));
    expect(store.list('WorkerBlock')).toHaveLength(0);
  });
});

describe('qualification types', () => {
  it('names are unique per requester; grants are replaced, revoked once; a deleted type is gone', () => {
    const type = { Name: 'Skilled', Description: 'd', QualificationTypeStatus: 'Active' };
    const made = ok(run('CreateQualificationType', type)).QualificationType as Record<string, unknown>;
    expect(made).toMatchObject({ Name: 'Skilled', QualificationTypeStatus: 'Active', AutoGrantedValue: 1 });
    expect(code(run('CreateQualificationType', type))).toBe('QualificationTypeAlreadyExists');
    expect(code(run('CreateQualificationType', type, OTHER))).toBe('success');
    const QualificationTypeId = String(made.QualificationTypeId);
    const WorkerId = 'A1B2C3D4E5F6G7';
    ok(run('AssociateQualificationWithWorker', { QualificationTypeId, WorkerId }));
    ok(run('AssociateQualificationWithWorker', { QualificationTypeId, WorkerId, IntegerValue: 7 }));
    expect(store.list('Qualification').map((q) => [q.fields.IntegerValue, q.fields.Status])).toEqual([
      [7, 'Granted'],
    ]);
    ok(run('DisassociateQualificationFromWorker', { QualificationTypeId, WorkerId }));
    expect(code(run('DisassociateQualificationFromWorker', { QualificationTypeId, WorkerId }))).toBe(
      'InvalidQualificationState',
    );
    expect(
      code(run('DisassociateQualificationFromWorker', { QualificationTypeId, WorkerId: 'A0NOBODY000000' })),
    ).toBe('QualificationDoesNotExist');
    const updated = ok(
      run('UpdateQualificationType', {
        QualificationTypeId,
        Description: 'new',
        QualificationTypeStatus: 'Inactive',
      }),
    );
    expect(updated.QualificationType).toMatchObject({
      Name: 'Skilled',
      Description: 'new',
      QualificationTypeStatus: 'Inactive',
    });
    expect(code(run('AssociateQualificationWithWorker', { QualificationTypeId, WorkerId }))).toBe(
      'InvalidQualificationTypeState',
    );
    ok(run('DeleteQualificationType', { QualificationTypeId }));
    expect(code(run('GetQualificationType', { QualificationTypeId }))).toBe('QualificationTypeDoesNotExist');
    expect(store.list('Qualification')).toHaveLength(0);
  });
});

describe('the outbox', () => {
  it('NotifyWorkers messages Workers with reviewed work and reports the others; test events are recorded', () => {
    const { WorkerId } = state('HITWithApprovedAssignment');
    const out = ok(
      run('NotifyWorkers', { Subject: 's', MessageText: 'm', WorkerIds: [WorkerId, 'A0STRANGER0000'] }),
    );
    expect(out.NotifyWorkersFailureStatuses).toEqual([
      expect.objectContaining({ NotifyWorkersFailureCode: 'HardFailure', WorkerId: 'A0STRANGER0000' }),
    ]);
    const Notification = {
      Destination: 'https://sqs.us-east-1.amazonaws.com/1/q',
      Transport: 'SQS',
      Version: '2006-05-05',
      EventTypes: ['AssignmentSubmitted'],
    };
    ok(run('SendTestEventNotification', { Notification, TestEventType: 'Ping' }));
    expect(store.outbox().map((m) => [m.operation, m.to])).toEqual([
      ['NotifyWorkers', WorkerId],
      ['SendTestEventNotification', Notification.Destination],
    ]);
  });
});
