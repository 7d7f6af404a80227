// The loader's cross-checks of model.json's Worker actions, timers and settle rules: each broken
// reference is reported with the file and the JSON pointer of the offending value.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSpecsUncached } from '../../src/spec/load.ts';
import { copySpecs, editJson, problemsOf } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = copySpecs());
});
afterEach(() => cleanup());

// biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary JSON
const broken = (edit: (model: any) => void) => {
  editJson(dir, 'model.json', edit);
  return problemsOf(() => loadSpecsUncached(dir)).map((p) => `${p.file}#${p.pointer}: ${p.message}`);
};

describe('model.json actions, timers and settle rules', () => {
  it.each([
    [
      'an unknown alias in a refusal',
      // biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary JSON
      (m: any) => {
        m.actions.WorkerAcceptsAssignment.refuse[0].unless[0].ref = 'hti';
      },
      'model.json#/actions/WorkerAcceptsAssignment/refuse/0/unless/0/ref: unknown alias hti',
    ],
    [
      'a status the entity does not have',
      // biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary JSON
      (m: any) => {
        m.actions.WorkerReturnsAssignment.updates[0].status = 'Gone';
      },
      'model.json#/actions/WorkerReturnsAssignment/updates/0/status: Gone is not a status of Assignment',
    ],
    [
      'a reason placeholder that is neither a param nor alias.Field',
      // biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary JSON
      (m: any) => {
        m.actions.WorkerAcceptsAssignment.refuse[0].reason = 'no {HitId}';
      },
      'model.json#/actions/WorkerAcceptsAssignment/refuse/0/reason: {HitId} is neither a param nor alias.Field',
    ],
    [
      'an unknown param in a value',
      // biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary JSON
      (m: any) => {
        m.actions.WorkerSubmitsAssignment.creates[0].fields.Answer = '$param.Answers';
      },
      'model.json#/actions/WorkerSubmitsAssignment/creates/0/fields/Answer: unknown param Answers',
    ],
    [
      'an action named like a state',
      // biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary JSON
      (m: any) => {
        m.actions.AssignableHIT = m.actions.WorkerReturnsAssignment;
      },
      'model.json#/actions/AssignableHIT: AssignableHIT is both a state and an action',
    ],
    [
      'a timer on an unknown status',
      // biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary JSON
      (m: any) => {
        m.timers['auto-approval'].status = ['Waiting'];
      },
      'model.json#/timers/auto-approval/status/0: Waiting is not a status of Assignment',
    ],
    [
      'a timer charge naming a rule that is not a charge',
      // biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary JSON
      (m: any) => {
        m.timers['auto-approval'].charge.rule = 'approves';
      },
      'model.json#/timers/auto-approval/charge/rule: ApproveAssignment has no charge rule approves',
    ],
    [
      'a timer charge naming an unknown operation',
      // biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary JSON
      (m: any) => {
        m.timers['auto-approval'].charge.operation = 'ApproveEverything';
      },
      'model.json#/timers/auto-approval/charge/operation: 2017-01-17 has no operation ApproveEverything',
    ],
    [
      'a timer charge of an operation on another entity',
      // biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary JSON
      (m: any) => {
        m.timers['hit-expiry'].charge = {
          api: '2017-01-17',
          operation: 'ApproveAssignment',
          rule: 'pays-reward',
        };
      },
      'model.json#/timers/hit-expiry/charge: ApproveAssignment acts on Assignment, the timer on HIT',
    ],
    [
      'a settle count of an entity that is not a child',
      // biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary JSON
      (m: any) => {
        m.entities.HIT.settle.counts.pending.children = 'QualificationRequest';
      },
      'model.json#/entities/HIT/settle/counts/pending/children: QualificationRequest is not a child entity of HIT',
    ],
    [
      'an invisible status the entity does not have',
      // biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary JSON
      (m: any) => {
        m.entities.Assignment.status.invisible = ['Hidden'];
      },
      'model.json#/entities/Assignment/status/invisible/0: Hidden is not a status of Assignment',
    ],
  ])('%s', (_label, edit, problem) => {
    expect(broken(edit)).toContain(problem);
  });

  it('a refusal with both if and unless is refused by the meta-schema or the loader', () => {
    const problems = broken((m) => {
      m.actions.WorkerAcceptsAssignment.refuse[0].if = m.actions.WorkerAcceptsAssignment.refuse[0].unless;
    });
    expect(problems.join('\n')).toContain('/actions/WorkerAcceptsAssignment/refuse/0');
  });
});
