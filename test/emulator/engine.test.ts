// Unit tests of the engine's rule interpretation, straight on DecodedCalls (no wire).
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { validInput } from '../../src/arbitraries/input.ts';
import { executeCall } from '../../src/emulator/engine.ts';
import { applyState } from '../../src/emulator/states.ts';
import { Store, sampleFromPattern } from '../../src/emulator/store.ts';
import { TEST_REQUESTER_1, TEST_REQUESTER_2 } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import type { Api } from '../../src/spec/types.ts';
import type { Outcome } from '../../src/wire/codec.ts';

const set = loadSpecs();
const OWNER = TEST_REQUESTER_1.accessKeyId;
const OTHER = TEST_REQUESTER_2.accessKeyId;
const J: Api = '2017-01-17';
const L: Api = '2014-08-15';
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
const run = (api: Api, operation: string, input: Record<string, unknown>, caller = OWNER): Outcome =>
  executeCall(set, store, { api, operation, input, accessKeyId: caller, responseGroups: [] }, now);
const ruleError = (api: Api, op: string, kind: string) =>
  set.apis[api].operations.get(op)!.behaviour.rules.find((r) => r.kind === kind)!.error;
const errorId = (o: Outcome) => (o.kind === 'error' ? o.error : undefined);
const assignmentStatus = (api: Api, id: string) => {
  const o = run(api, 'GetAssignment', { AssignmentId: id });
  return o.kind === 'success' ? (o.output.Assignment as Record<string, unknown>).AssignmentStatus : o;
};

describe('store', () => {
  it('makes ids from the idFormat pattern and workers from the shape pattern', () => {
    const ids = state('HITWithSubmittedAssignment');
    for (const [k, v] of Object.entries(ids)) {
      const entity = Object.values(set.model.entities).find((e) => e.id === k);
      if (entity?.idFormat) expect(v).toMatch(new RegExp(entity.idFormat.pattern));
    }
    expect(ids.WorkerId).toMatch(/^A[A-Z0-9]+$/);
    expect(sampleFromPattern('^[A-Z0-9]{30}$')).toMatch(/^[A-Z0-9]{30}$/);
  });
  it('resolves $now±N, $ref and parent links; children inherit the owner', () => {
    const ids = state('QualificationTypeWithPendingRequest');
    const req = store.get('QualificationRequest', ids.QualificationRequestId)!;
    // legacy shows the Worker as SubjectId (model.json names), 2017 as WorkerId only
    expect(store.view(req, '2014-08-15').SubjectId).toBe(req.fields.WorkerId);
    expect(store.view(req, '2017-01-17').SubjectId).toBeUndefined();
    expect((req.fields.SubmitTime as Date).getTime()).toBe(now.getTime() - 60_000);
    expect(req.fields.QualificationTypeId).toBe(ids.QualificationTypeId);
    expect(store.ownerOf(req)).toBe(OWNER);
    expect(store.parentOf(req)?.id).toBe(ids.QualificationTypeId);
  });
  it('snapshot/restore round-trips', () => {
    state('HITWithSubmittedAssignment');
    const before = store.digest();
    const snap = store.snapshot();
    state('HITWithApprovedAssignment');
    expect(store.digest()).not.toBe(before);
    store.restore(snap);
    expect(store.digest()).toBe(before);
  });
});

describe('engine: validation', () => {
  it('missing required → validation.missing; wrong type and constraint violations → validation.invalid', () => {
    const p = set.apis[J].protocol;
    const ids = state('HITWithSubmittedAssignment');
    const before = store.digest();
    const missing = run(J, 'RejectAssignment', { AssignmentId: ids.AssignmentId });
    expect(errorId(missing)).toBe(p.validation.missing);
    expect(missing.kind === 'error' && missing.values.Parameter).toBe('RequesterFeedback');
    expect(errorId(run(J, 'RejectAssignment', { AssignmentId: 5, RequesterFeedback: 'x' }))).toBe(
      p.validation.invalid,
    );
    expect(
      errorId(
        run(J, 'RejectAssignment', { AssignmentId: ids.AssignmentId, RequesterFeedback: 'x'.repeat(1025) }),
      ),
    ).toBe(p.validation.invalid);
    const banned = run(J, 'RejectAssignment', {
      AssignmentId: ids.AssignmentId,
      RequesterFeedback: 'a\u0001b',
    });
    expect(errorId(banned)).toBe(p.validation.invalid);
    expect(banned.kind === 'error' && String(banned.values.reason)).toMatch(/U\+0001/);
    expect(errorId(run(J, 'ListQualificationRequests', { MaxResults: 0 }))).toBe(p.validation.invalid);
    expect(
      errorId(run(J, 'ApproveAssignment', { AssignmentId: ids.AssignmentId, OverrideRejection: 'yes' })),
    ).toBe(p.validation.invalid);
    expect(store.digest()).toBe(before);
  });
  it('a 1024-code-point feedback with multi-byte characters is accepted', () => {
    const ids = state('HITWithSubmittedAssignment');
    expect(
      run(J, 'RejectAssignment', { AssignmentId: ids.AssignmentId, RequesterFeedback: '€'.repeat(1024) })
        .kind,
    ).toBe('success');
  });
});

describe('engine: rules', () => {
  it('exists: an unknown id gives the rule error with the id in the values', () => {
    const o = run(J, 'RejectAssignment', { AssignmentId: 'NOSUCH', RequesterFeedback: 'x' });
    expect(errorId(o)).toBe(ruleError(J, 'RejectAssignment', 'exists'));
    expect(o.kind === 'error' && o.values.AssignmentId).toBe('NOSUCH');
  });
  it('owner: a non-owner gets the rule error and changes nothing, for every operation with an owner rule', () => {
    for (const api of [J, L])
      for (const op of set.apis[api].operations.values()) {
        const owner = op.behaviour.rules.find((r) => r.kind === 'owner');
        if (!owner || !op.behaviour.select) continue;
        const ids = state(owner.given!);
        const before = store.digest();
        // required members valid by their constraints, ids from the state
        const input = fc.sample(validInput(set, op, { ids, requiredOnly: true }), {
          seed: 1,
          numRuns: 1,
        })[0]!;
        const o = run(api, op.operation, input, OTHER);
        expect(errorId(o), `${api} ${op.operation}`).toBe(owner.error);
        expect(store.digest()).toBe(before);
      }
  });
  it('status: a second reject fails with allowed and CurrentState, and changes nothing', () => {
    const ids = state('HITWithSubmittedAssignment');
    expect(run(J, 'RejectAssignment', { AssignmentId: ids.AssignmentId, RequesterFeedback: 'a' }).kind).toBe(
      'success',
    );
    expect(assignmentStatus(J, ids.AssignmentId!)).toBe('Rejected');
    const before = store.digest();
    const o = run(J, 'RejectAssignment', { AssignmentId: ids.AssignmentId, RequesterFeedback: 'b' });
    expect(errorId(o)).toBe(ruleError(J, 'RejectAssignment', 'status'));
    expect(o.kind === 'error' && o.values).toMatchObject({
      allowed: ['Submitted'],
      CurrentState: 'Rejected',
    });
    expect(store.digest()).toBe(before);
  });
  it('OverrideRejection: approving a Rejected assignment needs the flag', () => {
    const ids = state('HITWithRejectedAssignment');
    const refused = run(J, 'ApproveAssignment', { AssignmentId: ids.AssignmentId });
    expect(errorId(refused)).toBe(ruleError(J, 'ApproveAssignment', 'status'));
    expect(
      run(J, 'ApproveAssignment', { AssignmentId: ids.AssignmentId, OverrideRejection: false }).kind,
    ).toBe('error');
    const ok = run(J, 'ApproveAssignment', {
      AssignmentId: ids.AssignmentId,
      OverrideRejection: true,
      RequesterFeedback: 'ok',
    });
    expect(ok.kind).toBe('success');
    const a = run(J, 'GetAssignment', { AssignmentId: ids.AssignmentId });
    const asg = a.kind === 'success' ? (a.output.Assignment as Record<string, unknown>) : {};
    expect(asg.AssignmentStatus).toBe('Approved');
    expect(asg.ApprovalTime).toEqual(now);
    expect(asg.RequesterFeedback).toBe('ok');
    // An Approved assignment cannot be approved again, even with the flag.
    expect(
      run(J, 'ApproveAssignment', { AssignmentId: ids.AssignmentId, OverrideRejection: true }).kind,
    ).toBe('error');
  });
  it('legacy ApproveRejectedAssignment: Rejected → Approved; other states refused', () => {
    const rejected = state('HITWithRejectedAssignment');
    expect(run(L, 'ApproveRejectedAssignment', { AssignmentId: rejected.AssignmentId }).kind).toBe('success');
    expect(assignmentStatus(L, rejected.AssignmentId!)).toBe('Approved');
    const submitted = state('HITWithSubmittedAssignment');
    const o = run(L, 'ApproveRejectedAssignment', { AssignmentId: submitted.AssignmentId });
    expect(errorId(o)).toBe(ruleError(L, 'ApproveRejectedAssignment', 'status'));
    expect(o.kind === 'error' && o.values).toMatchObject({
      allowed: ['Rejected'],
      CurrentState: 'Submitted',
    });
  });
  it('an effect with an absent $input member leaves the field alone', () => {
    const ids = state('HITWithRejectedAssignment');
    run(L, 'ApproveRejectedAssignment', { AssignmentId: ids.AssignmentId });
    const asg = store.get('Assignment', ids.AssignmentId)!;
    expect(asg.fields.RequesterFeedback).toBe(
      set.model.states.HITWithRejectedAssignment!.creates[1]!.fields!.RequesterFeedback,
    );
  });
  it('read: projects onto the output shapes of the API only', () => {
    const ids = state('QualificationTypeWithPendingRequest');
    const o = run(J, 'ListQualificationRequests', { QualificationTypeId: ids.QualificationTypeId });
    const item =
      o.kind === 'success' ? (o.output.QualificationRequests as Record<string, unknown>[])[0]! : {};
    expect(
      Object.keys(item).every((k) => k in set.apis[J].shapes.shapes.QualificationRequest!.members!),
    ).toBe(true);
    expect(item).not.toHaveProperty('$status');
    expect(item).not.toHaveProperty('SubjectId');
    const legacy = run(L, 'GetQualificationRequests', { QualificationTypeId: ids.QualificationTypeId });
    const litem =
      legacy.kind === 'success' ? (legacy.output.QualificationRequest as Record<string, unknown>[])[0]! : {};
    expect(litem.SubjectId).toBe(ids.WorkerId);
    expect(litem).not.toHaveProperty('WorkerId');
  });
  it('list: only the caller’s pending requests, filtered, paginated by token and by page', () => {
    const a = state('QualificationTypeWithPendingRequest');
    state('QualificationTypeWithPendingRequest');
    state('QualificationTypeWithPendingRequest');
    state('QualificationTypeWithPendingRequest', OTHER);
    const all = run(J, 'ListQualificationRequests', {});
    expect(all.kind === 'success' && all.output.NumResults).toBe(3);
    const filtered = run(J, 'ListQualificationRequests', { QualificationTypeId: a.QualificationTypeId });
    expect(filtered.kind === 'success' && filtered.output.NumResults).toBe(1);
    const p1 = run(J, 'ListQualificationRequests', { MaxResults: 2 });
    expect(p1.kind === 'success' && p1.output.NumResults).toBe(2);
    const token = p1.kind === 'success' ? (p1.output.NextToken as string) : '';
    expect(typeof token).toBe('string');
    const p2 = run(J, 'ListQualificationRequests', { MaxResults: 2, NextToken: token });
    expect(p2.kind === 'success' && p2.output.NumResults).toBe(1);
    expect(p2.kind === 'success' && p2.output.NextToken).toBeUndefined();
    expect(errorId(run(J, 'ListQualificationRequests', { NextToken: 'garbage!' }))).toBe(
      set.apis[J].protocol.validation.invalid,
    );
    const lp = run(L, 'GetQualificationRequests', { PageSize: 2, PageNumber: 2 });
    expect(lp.kind === 'success' && lp.output).toMatchObject({
      NumResults: 1,
      TotalNumResults: 3,
      PageNumber: 2,
    });
    // Rejected and granted requests are no longer listed.
    expect(
      run(J, 'RejectQualificationRequest', { QualificationRequestId: a.QualificationRequestId }).kind,
    ).toBe('success');
    const after = run(J, 'ListQualificationRequests', {});
    expect(after.kind === 'success' && after.output.NumResults).toBe(2);
    const again = run(J, 'RejectQualificationRequest', { QualificationRequestId: a.QualificationRequestId });
    const rule = set.apis[J].operations
      .get('RejectQualificationRequest')!
      .behaviour.rules.find((r) => r.kind === 'status')!;
    expect([rule.error, ...(rule.acceptErrors ?? [])]).toContain(errorId(again));
  });
  it('an unknown operation is an error, not a crash', () => {
    expect(errorId(run(J, 'Nope', {}))).toBe(set.apis[J].protocol.protocolErrors.unknownOperation);
  });
});

describe('requirements across API versions (model.json names members)', () => {
  const hitInput = (api: Api) => ({
    LifetimeInSeconds: 3600,
    AssignmentDurationInSeconds: 600,
    Reward: api === L ? { Amount: '0.10', CurrencyCode: 'USD' } : '0.10',
    Title: 'cross-version requirements',
    Description: 'one stored HIT',
    Question: '<HTMLQuestion/>',
  });
  const legacyReq = [
    { QualificationTypeId: 'T1', Comparator: 'In', IntegerValue: [1, 2] },
    {
      QualificationTypeId: 'T2',
      Comparator: 'EqualTo',
      LocaleValue: [{ Country: 'US' }],
      RequiredToPreview: true,
    },
  ];
  const jsonReq = [
    { QualificationTypeId: 'T1', Comparator: 'In', IntegerValues: [1, 2] },
    {
      QualificationTypeId: 'T2',
      Comparator: 'EqualTo',
      LocaleValues: [{ Country: 'US' }],
      RequiredToPreview: true,
    },
  ];
  const hitOf = (o: Outcome) => (o.kind === 'success' ? (o.output.HIT as Record<string, unknown>) : o);

  it('a legacy-made HIT shows its requirements through 2017, and is found by type through both', () => {
    const made = hitOf(run(L, 'CreateHIT', { ...hitInput(L), QualificationRequirement: legacyReq }));
    const id = (made as Record<string, unknown>).HITId as string;
    expect(
      (hitOf(run(J, 'GetHIT', { HITId: id })) as Record<string, unknown>).QualificationRequirements,
    ).toEqual(jsonReq);
    const legacy = executeCall(
      set,
      store,
      {
        api: L,
        operation: 'GetHIT',
        input: { HITId: id },
        accessKeyId: OWNER,
        responseGroups: ['HITDetail'],
      },
      now,
    );
    expect((hitOf(legacy) as Record<string, unknown>).QualificationRequirement).toEqual(legacyReq);
    const found = run(L, 'GetHITsForQualificationType', { QualificationTypeId: 'T2' });
    expect(JSON.stringify(found)).toContain(id);
  });

  it('a 2017-made HIT shows them through legacy without ActionsGuarded, and the same type is one HIT type', () => {
    const guarded = [{ ...jsonReq[0], ActionsGuarded: 'PreviewAndAccept' }, jsonReq[1]];
    const made = hitOf(run(J, 'CreateHIT', { ...hitInput(J), QualificationRequirements: guarded }));
    const legacy = executeCall(
      set,
      store,
      {
        api: L,
        operation: 'GetHIT',
        input: { HITId: (made as Record<string, unknown>).HITId },
        accessKeyId: OWNER,
        responseGroups: ['HITDetail'],
      },
      now,
    );
    expect((hitOf(legacy) as Record<string, unknown>).QualificationRequirement).toEqual(legacyReq);
    // RegisterHITType with the same properties (requirements in another member order) ≡ CreateHITType
    const type = (o: Outcome) => (o.kind === 'success' ? o.output.HITTypeId : o);
    const props = { AssignmentDurationInSeconds: 600, Title: 't', Description: 'd' };
    const j = type(run(J, 'CreateHITType', { ...props, Reward: '0.10', QualificationRequirements: jsonReq }));
    const reordered = legacyReq.map((r) => Object.fromEntries(Object.entries(r).reverse()));
    const l = type(
      run(L, 'RegisterHITType', {
        ...props,
        Reward: { Amount: '0.10', CurrencyCode: 'USD' },
        QualificationRequirement: reordered,
      }),
    );
    expect(typeof j).toBe('string');
    expect(l).toBe(j);
  });
});
