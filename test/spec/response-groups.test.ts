// output.responseGroups (legacy ResponseGroups): the loader's cross-checks and the one reading of
// which members an answer for some groups holds.
import { describe, expect, it } from 'vitest';
import { loadSpecs, loadSpecsUncached } from '../../src/spec/load.ts';
import {
  acceptedGroups,
  effectiveGroups,
  leftOutPaths,
  projectGroups,
  unknownGroups,
  valuesAt,
} from '../../src/spec/response-groups.ts';
import { copySpecs, editJson, problemsOf } from './helpers.ts';

const set = loadSpecs();
const legacy = (name: string) => set.apis['2014-08-15'].operations.get(name)!;

describe('output.responseGroups in the loader', () => {
  it('refuses a path outside the output, a default that is no group, a missing Minimal/Request, echo members and 2017 specs', () => {
    const { dir, cleanup } = copySpecs();
    try {
      const basis = { tag: 'DOC', sources: ['DL-CP'] };
      editJson(dir, '2014-08-15/GetHIT.json', (d) => {
        d.output.responseGroups.groups.HITDetail.adds.push(
          'HIT.Nope',
          'HIT[].Title',
          'Assignment.AssignmentId',
        );
        d.output.responseGroups.default.push('HITEverything');
        delete d.output.responseGroups.groups.Request;
      });
      editJson(dir, '2014-08-15/SearchHITs.json', (d) => {
        d.output.responseGroups.groups.Request.adds = ['HIT[].Title'];
        d.output.responseGroups.groups.HITQuestion.adds = ['HIT.Question'];
      });
      editJson(dir, '2017-01-17/GetHIT.json', (d) => {
        d.output.responseGroups = {
          groups: { Minimal: { basis } },
          default: ['Minimal'],
          basis,
          defaultBasis: basis,
        };
      });
      expect(
        problemsOf(() => loadSpecsUncached(dir)).map((p) => `${p.file}#${p.pointer}: ${p.message}`),
      ).toEqual([
        '2017-01-17/GetHIT.json#/output/responseGroups: output.responseGroups is for an API with a ResponseGroup parameter (2014-08-15); 2017-01-17 has none',
        "2014-08-15/GetHIT.json#/output/responseGroups/default/3: HITEverything is not one of the operation's groups",
        '2014-08-15/GetHIT.json#/output/responseGroups/groups: every operation accepts Request (protocol commonParameters.ResponseGroup.values); list it',
        '2014-08-15/GetHIT.json#/output/responseGroups/groups/HITDetail/adds/15: HIT.Nope: Nope is not a member of HIT',
        '2014-08-15/GetHIT.json#/output/responseGroups/groups/HITDetail/adds/16: HIT[].Title: HIT is not a list (shape HIT)',
        '2014-08-15/GetHIT.json#/output/responseGroups/groups/HITDetail/adds/17: Assignment.AssignmentId: Assignment is not a member of the output',
        "2014-08-15/SearchHITs.json#/output/responseGroups/groups/Request/adds: Request is the protocol's echo of the request; it adds no members",
        '2014-08-15/SearchHITs.json#/output/responseGroups/groups/HITQuestion/adds/0: HIT.Question: Question is not a member of HIT',
      ]);
    } finally {
      cleanup();
    }
  });

  it('refuses an unknown error for an unlisted value', () => {
    const { dir, cleanup } = copySpecs();
    try {
      editJson(dir, 'protocols/2014-08-15.json', (d) => {
        d.commonParameters.ResponseGroup.unlisted.error = 'NoSuchError';
      });
      expect(
        problemsOf(() => loadSpecsUncached(dir)).map((p) => `${p.file}#${p.pointer}: ${p.message}`),
      ).toEqual([
        'protocols/2014-08-15.json#/commonParameters/ResponseGroup/unlisted/error: unknown error NoSuchError (see errors.json)',
      ]);
    } finally {
      cleanup();
    }
  });
});

describe('what an answer for some groups holds', () => {
  it("accepts the operation's groups, else the protocol's", () => {
    expect(acceptedGroups(set, legacy('GetHIT')).sort()).toEqual(
      ['HITAssignmentSummary', 'HITDetail', 'HITQuestion', 'Minimal', 'Request'].sort(),
    );
    expect(acceptedGroups(set, legacy('RejectAssignment'))).toEqual(['Minimal', 'Request']);
    expect(unknownGroups(set, legacy('GetReviewableHITs'), ['Minimal', 'HITDetail', 'Request'])).toEqual([
      'HITDetail',
    ]);
    expect(unknownGroups(set, set.apis['2017-01-17'].operations.get('GetHIT')!, ['Anything'])).toEqual([]);
  });

  it('uses the default when none is asked for, and leaves out what no asked group adds', () => {
    const op = legacy('GetHIT');
    expect(effectiveGroups(op, [])).toEqual(['Minimal', 'HITDetail', 'HITQuestion']);
    expect(leftOutPaths(op, ['Minimal', 'HITDetail', 'HITQuestion'])).toEqual([
      'HIT.NumberOfAssignmentsAvailable',
      'HIT.NumberOfAssignmentsCompleted',
      'HIT.NumberOfAssignmentsPending',
    ]);
    const full = {
      HIT: { HITId: 'H', HITTypeId: 'T', Title: 't', Question: 'q', NumberOfAssignmentsPending: 0 },
    };
    expect(projectGroups(op, full, [])).toEqual({
      HIT: { HITId: 'H', HITTypeId: 'T', Title: 't', Question: 'q' },
    });
    expect(projectGroups(op, full, ['Minimal'])).toEqual({ HIT: { HITId: 'H', HITTypeId: 'T' } });
    expect(projectGroups(op, full, ['Minimal', 'HITAssignmentSummary', 'HITQuestion'])).toEqual({
      HIT: { HITId: 'H', HITTypeId: 'T', Question: 'q', NumberOfAssignmentsPending: 0 },
    });
    // the value given is not changed
    expect(full.HIT.Title).toBe('t');
  });

  it('projects every item of a list', () => {
    const op = legacy('SearchHITs');
    const out = { NumResults: 2, HIT: [{ HITId: 'A', Question: 'q', Title: 't' }, { HITId: 'B' }] };
    expect(projectGroups(op, out, [])).toEqual({
      NumResults: 2,
      HIT: [{ HITId: 'A', Title: 't' }, { HITId: 'B' }],
    });
    expect(valuesAt(out, 'HIT[].Title')).toEqual(['t', undefined]);
    expect(projectGroups(legacy('RejectAssignment'), { a: 1 }, ['Minimal'])).toEqual({ a: 1 });
  });
});
