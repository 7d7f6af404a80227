// The 2014-08-15 specs agree with the published WSDL (shipped by the dev dependency mturk-api,
// never copied here): operations, members, order, occurrence, types, shape names, enums, the
// result element. A missing WSDL fails; it never passes silently. Each kind of disagreement is
// shown caught on a deliberately broken copy of the specs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findPackagedWsdl } from '../../src/cli/commands/verify-wsdl.ts';
import { DEFAULT_SPECS_DIR, loadSpecs, loadSpecsUncached } from '../../src/spec/load.ts';
import {
  compareWithWsdl,
  operationsWithoutSpec,
  parseWsdl,
  readWsdl,
  showWsdlDifference,
  staleWsdlDeclarations,
  WSDL_IN_PACKAGE,
  type WsdlModel,
} from '../../src/spec/wsdl.ts';
import { copySpecs, editJson, problemsOf } from './helpers.ts';

const path = findPackagedWsdl();
const wsdl = (): WsdlModel => {
  if (!path) throw new Error(`${WSDL_IN_PACKAGE} is missing: run npm ci (mturk-api is a dev dependency)`);
  return readWsdl(path);
};

describe('the WSDL (mturk-api/schemas/AWSMechanicalTurkRequester-2014-08-15.wsdl)', () => {
  it('is installed and read: 44 operations, each with its batched request type and response', () => {
    const w = wsdl();
    expect(w.operations.size).toBe(44);
    expect(w.targetNamespace).toBe('http://requester.mturk.amazonaws.com/doc/2014-08-15');
    expect(w.operations.get('GetAssignment')?.requestType).toBe('GetAssignmentRequest');
    expect(w.complexTypes.get('GetAssignmentRequest')?.map((e) => [e.name, e.min, e.max])).toEqual([
      ['AssignmentId', 1, 1],
      ['ResponseGroup', 0, Number.POSITIVE_INFINITY],
    ]);
    expect(w.operations.get('GetHIT')?.response.map((e) => e.name)).toEqual(['OperationRequest', 'HIT']);
    expect(w.simpleTypes.get('AssignmentStatus')?.values).toEqual(['Submitted', 'Approved', 'Rejected']);
  });

  it('every 2014-08-15 spec agrees, differences only where declared, no stale declaration', () => {
    const set = loadSpecs();
    const diffs = compareWithWsdl(set, wsdl());
    expect(diffs.filter((d) => d.declared === undefined).map(showWsdlDifference)).toEqual([]);
    expect(staleWsdlDeclarations(set, diffs)).toEqual([]);
  });

  it('lists the WSDL operations without a spec (information for the spec writers)', () => {
    const set = loadSpecs();
    const missing = operationsWithoutSpec(set, wsdl());
    expect(missing.length + set.apis['2014-08-15'].operations.size).toBe(44);
    for (const op of set.apis['2014-08-15'].operations.keys()) expect(missing).not.toContain(op);
  });

  it('is parsed hardened: a document type declaration (entities) is refused', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><definitions xmlns="http://schemas.xmlsoap.org/wsdl/">&a;</definitions>';
    expect(() => parseWsdl(bomb)).toThrow(/DTD|DOCTYPE|document type/i);
    expect(() => parseWsdl('<html><body>not a wsdl</body></html>')).toThrow(/not a WSDL document/);
  });
});

describe('broken specs are caught, each by its aspect', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = copySpecs());
  });
  afterEach(() => cleanup());

  const undeclared = () =>
    compareWithWsdl(loadSpecsUncached(dir), wsdl())
      .filter((d) => d.declared === undefined)
      .map(showWsdlDifference);

  it('members out of WSDL order', () => {
    editJson(dir, '2014-08-15/GetQualificationRequests.json', (d) => {
      const { PageNumber, PageSize, ...rest } = d.input.members;
      d.input.members = { ...rest, PageSize, PageNumber };
    });
    expect(undeclared()).toEqual([
      'GetQualificationRequests order: spec QualificationTypeId, SortDirection, SortProperty, PageSize, PageNumber, WSDL QualificationTypeId, SortDirection, SortProperty, PageNumber, PageSize',
    ]);
  });

  it('a member the WSDL lacks, a member the spec lacks, a wrong required flag', () => {
    editJson(dir, '2014-08-15/RejectAssignment.json', (d) => {
      d.input.members.AssignmentId.required = false;
      d.input.members.Force = { shape: 'Boolean' };
      delete d.input.members.RequesterFeedback;
    });
    expect(undeclared()).toEqual([
      'RejectAssignment AssignmentId required: spec false, WSDL true (minOccurs 1, maxOccurs 1)',
      'RejectAssignment Force member: spec present, WSDL absent',
      'RejectAssignment RequesterFeedback member: spec absent, WSDL present',
    ]);
  });

  it('a list where the WSDL has one element, a wrong type, a wrong enum, a wrong shape name', () => {
    editJson(dir, '2014-08-15/GetQualificationRequests.json', (d) => {
      d.input.members.QualificationTypeId.shape = 'QualificationRequestList';
      d.input.members.PageNumber.shape = 'String';
      d.input.members.PageNumber.constraints = [];
      d.input.members.SortDirection.shape = 'AssignmentStatus';
    });
    editJson(dir, '2014-08-15/GetAssignment.json', (d) => {
      d.output.members.HIT.shape = 'Assignment';
      // its response groups name HIT members an Assignment lacks
      delete d.output.responseGroups;
    });
    expect(undeclared()).toEqual([
      'GetAssignment output:HIT shape: spec Assignment, WSDL HIT',
      'GetQualificationRequests QualificationTypeId list: spec true, WSDL false (minOccurs 0, maxOccurs 1)',
      'GetQualificationRequests SortDirection enum: spec ["Approved","Rejected","Submitted"], WSDL ["Ascending","Descending"]',
      'GetQualificationRequests PageNumber type: spec string, WSDL integer',
    ]);
  });

  it('a shape whose members differ from its complexType is reported on the shape', () => {
    editJson(dir, 'shapes/2014-08-15.json', (d) => {
      d.shapes.Assignment.members.Bonus = { shape: 'String' };
    });
    expect(undeclared()).toEqual(['shape Assignment Bonus member: spec present, WSDL absent']);
  });

  it('an operation the WSDL does not have; a result element the WSDL names otherwise', () => {
    editJson(dir, 'protocols/2014-08-15.json', (d) => {
      d.success.result = '{operation}Answer';
    });
    const set = loadSpecsUncached(dir);
    // an operation spec under a name the WSDL does not have (renamed after loading: the loader
    // would first refuse the dangling cross-references)
    const ops = set.apis['2014-08-15'].operations;
    const spec = ops.get('GetAssignment')!;
    ops.delete('GetAssignment');
    ops.set('GetAssignments', { ...spec, operation: 'GetAssignments' });
    const found = compareWithWsdl(set, wsdl()).map(showWsdlDifference);
    expect(found).toContain('GetAssignments operation: spec present, WSDL absent');
    expect(found).toContain(
      'RejectAssignment output: result: spec RejectAssignmentAnswer, WSDL RejectAssignmentResult',
    );
  });

  it('a result placement the WSDL does not have, and one missing where the WSDL has no wrapper', () => {
    editJson(dir, '2014-08-15/GetAssignment.json', (d) => {
      d.output.result = { member: 'Assignment', basis: { tag: 'WSDL', sources: ['WSDL'] } };
    });
    editJson(dir, '2014-08-15/GetHIT.json', (d) => {
      delete d.output.result;
    });
    expect(undeclared()).toEqual([
      'GetAssignment output: result: spec Assignment, WSDL GetAssignmentResult',
      'GetAssignment output:Assignment member: spec present, WSDL absent',
      'GetAssignment output:HIT member: spec present, WSDL absent',
      'GetAssignment output:GetAssignmentResult member: spec absent, WSDL present',
      'GetHIT output: result: spec GetHITResult, WSDL HIT',
    ]);
  });

  it('a declared difference carries its reason; a declaration the WSDL no longer needs is stale', () => {
    editJson(dir, '2014-08-15/RejectAssignment.json', (d) => {
      d.input.members.AssignmentId.required = false;
      d.wsdl = {
        differences: [
          { member: 'AssignmentId', aspect: 'required', reason: 'a reason for the test, long enough' },
          { member: 'RequesterFeedback', aspect: 'type', reason: 'no such difference exists here' },
        ],
      };
    });
    const set = loadSpecsUncached(dir);
    const diffs = compareWithWsdl(set, wsdl());
    expect(diffs.find((d) => d.name === 'RejectAssignment')?.declared).toBe(
      'a reason for the test, long enough',
    );
    expect(staleWsdlDeclarations(set, diffs).map((s) => `${s.name} ${s.member} ${s.aspect}`)).toEqual([
      'RejectAssignment RequesterFeedback type',
    ]);
  });
});

describe('the loader', () => {
  it('refuses a result placement on a 2017-01-17 spec, or naming no structure output member', () => {
    const { dir, cleanup } = copySpecs();
    try {
      const basis = { tag: 'WSDL', sources: ['WSDL'] };
      editJson(dir, '2017-01-17/GetHIT.json', (d) => {
        d.output.result = { member: 'HIT', basis };
      });
      editJson(dir, '2014-08-15/GetHIT.json', (d) => {
        d.output.result = { member: 'Assignment', basis };
      });
      editJson(dir, '2014-08-15/GetAssignmentsForHIT.json', (d) => {
        d.output.result = { member: 'Assignment', basis };
      });
      expect(
        problemsOf(() => loadSpecsUncached(dir)).map((p) => `${p.file}#${p.pointer}: ${p.message}`),
      ).toEqual([
        '2017-01-17/GetHIT.json#/output/result: output.result is for 2014-08-15 answers (their result element); this API has none',
        '2014-08-15/GetAssignmentsForHIT.json#/output/result/member: Assignment must be a structure to be the result element (shape AssignmentList is a list)',
        '2014-08-15/GetHIT.json#/output/result/member: Assignment is not an output member',
      ]);
    } finally {
      cleanup();
    }
  });

  it('refuses WSDL declarations on a 2017-01-17 spec or shape', () => {
    const { dir, cleanup } = copySpecs();
    try {
      const decl = {
        differences: [{ member: 'AssignmentId', aspect: 'required', reason: 'not the legacy API at all' }],
      };
      editJson(dir, '2017-01-17/RejectAssignment.json', (d) => {
        d.wsdl = decl;
      });
      editJson(dir, 'shapes/2017-01-17.json', (d) => {
        d.shapes.String.wsdl = decl;
      });
      expect(
        problemsOf(() => loadSpecsUncached(dir)).map((p) => `${p.file}#${p.pointer}: ${p.message}`),
      ).toEqual([
        '2017-01-17/RejectAssignment.json#/wsdl: wsdl.differences is for 2014-08-15 specs only',
        'shapes/2017-01-17.json#/shapes/String/wsdl: wsdl.differences is for 2014-08-15 shapes only',
      ]);
    } finally {
      cleanup();
    }
  });
});

describe('npm run verify:wsdl (mturk-conformance verify-wsdl)', () => {
  const BIN = join(DEFAULT_SPECS_DIR, '../bin/mturk-conformance.mjs');
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, 'verify-wsdl', ...args], {
      encoding: 'utf8',
      timeout: 180_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('exit 0: per spec what disagrees, the declared reasons, the operations without a spec', () => {
    const r = cli();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok {3}RejectAssignment$/m);
    expect(r.stdout).toMatch(/reason: The WSDL types Amount as xs:decimal/);
    expect(r.stdout).toMatch(/WSDL operations without a spec yet \(\d+, not a failure\): \w+/);
  });

  it('exit 1 on a spec that disagrees, naming it and what', () => {
    const { dir, cleanup } = copySpecs();
    try {
      editJson(dir, '2014-08-15/RejectAssignment.json', (d) => {
        d.input.members.AssignmentId.required = false;
      });
      const r = cli('--dir', dir);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /^FAIL RejectAssignment \(1 difference\(s\), 0 declared\)\n {7}undeclared: RejectAssignment AssignmentId required/m,
      );
    } finally {
      cleanup();
    }
  });

  it('exit 2 with one line when the WSDL is missing', () => {
    const r = cli('--wsdl', join(DEFAULT_SPECS_DIR, 'no-such.wsdl'));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no WSDL file at/);
  });
});
