// Breaking a spec is caught. Each test copies specs/ to a temporary directory
// and breaks one thing. A broken reference or a malformed value makes the
// loader throw SpecProblems naming the file and the JSON pointer; a change that
// still yields a valid spec (a lost required flag, 1024 → 1025) is not the
// loader's business, and is caught instead by the seed comparison, the
// reference-of-facts comparison or the official-model comparison.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serverChecks } from '../../src/checks/catalogue.ts';
import { compareFactsWithSpec, readFacts } from '../../src/fixtures/facts.ts';
import { compareSeedWithSpec, parseSeed, readSeed, seedFiles } from '../../src/fixtures/seeds.ts';
import { loadSpecsUncached } from '../../src/spec/load.ts';
import { compareWithOfficialModel, readServiceModel } from '../../src/spec/official-model.ts';
import type { SpecSet } from '../../src/spec/types.ts';
import { AWS_SDK_MODEL, copySpecs, editJson, problemsOf } from './helpers.ts';

const seeds = seedFiles().map(readSeed);
const facts = readFacts();
const seedDiffs = (set: SpecSet) => seeds.flatMap((s) => compareSeedWithSpec(set, s));
const factDiffs = (set: SpecSet) => facts.flatMap((f) => compareFactsWithSpec(set, f));
const modelDiffs = (set: SpecSet) =>
  compareWithOfficialModel(set, readServiceModel(AWS_SDK_MODEL), { constraints: false }).filter(
    (d) => d.declared === undefined,
  );

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = copySpecs());
});
afterEach(() => cleanup());

describe('an untouched copy', () => {
  it('loads, and every comparison is clean', () => {
    const set = loadSpecsUncached(dir);
    expect(seedDiffs(set)).toEqual([]);
    expect(factDiffs(set)).toEqual([]);
    expect(modelDiffs(set)).toEqual([]);
  });
});

describe('(a) deleting a required flag', () => {
  it('legacy RejectAssignment.AssignmentId: still a valid spec, but the seed comparison reports it', () => {
    editJson(dir, '2014-08-15/RejectAssignment.json', (d) => {
      delete d.input.members.AssignmentId.required;
    });
    const set = loadSpecsUncached(dir); // valid: required is optional in the format
    expect(seedDiffs(set)).toEqual([
      '2014-08-15/RejectAssignment.AssignmentId: the seed says Required Yes, the spec says required false',
    ]);
  });

  it('2017 RejectAssignment.RequesterFeedback: the official model and the reference both report it', () => {
    editJson(dir, '2017-01-17/RejectAssignment.json', (d) => {
      delete d.input.members.RequesterFeedback.required;
    });
    const set = loadSpecsUncached(dir);
    expect(modelDiffs(set)).toEqual([
      {
        operation: 'RejectAssignment',
        member: 'RequesterFeedback',
        aspect: 'required',
        spec: 'false',
        model: 'true',
      },
    ]);
    expect(factDiffs(set)).toEqual([
      '2017-01-17/RejectAssignment.RequesterFeedback: the reference says required true, the spec says false',
    ]);
  });

  it('a required flag given a non-boolean value is a format error with its pointer', () => {
    editJson(dir, '2014-08-15/RejectAssignment.json', (d) => {
      d.input.members.AssignmentId.required = 'yes';
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toContainEqual({
      file: '2014-08-15/RejectAssignment.json',
      pointer: '/input/members/AssignmentId/required',
      message: 'must be boolean',
    });
  });
});

describe('(b) changing 1024 to 1025', () => {
  it('legacy: still a valid spec, but the seed comparison reports it', () => {
    editJson(dir, '2014-08-15/RejectAssignment.json', (d) => {
      d.input.members.RequesterFeedback.constraints[0].max = 1025;
    });
    const set = loadSpecsUncached(dir);
    expect(seedDiffs(set)).toEqual([
      '2014-08-15/RejectAssignment.RequesterFeedback: the seed says up to 1024 characters, the spec says max 1025',
    ]);
  });

  it('2017: the reference comparison reports it (the model has no length to compare: a declared difference)', () => {
    editJson(dir, '2017-01-17/RejectAssignment.json', (d) => {
      d.input.members.RequesterFeedback.constraints[0].max = 1025;
    });
    const set = loadSpecsUncached(dir);
    expect(factDiffs(set)).toEqual([
      '2017-01-17/RejectAssignment.RequesterFeedback: the reference says up to 1024 characters, the spec says max 1025',
    ]);
  });

  it('counting bytes instead of code points is reported too', () => {
    editJson(dir, '2014-08-15/RejectAssignment.json', (d) => {
      d.input.members.RequesterFeedback.constraints[0].unit = 'byte';
    });
    expect(seedDiffs(loadSpecsUncached(dir))).toEqual([
      '2014-08-15/RejectAssignment.RequesterFeedback: the seed counts characters (multi-byte included), the spec counts bytes',
    ]);
  });

  it('a max below 1 is a format error with its pointer', () => {
    editJson(dir, '2014-08-15/RejectAssignment.json', (d) => {
      d.input.members.RequesterFeedback.constraints[0].max = 0;
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toContainEqual(
      expect.objectContaining({
        file: '2014-08-15/RejectAssignment.json',
        pointer: '/input/members/RequesterFeedback/constraints/0/max',
      }),
    );
  });
});

describe('(c) referencing an unknown error', () => {
  it('throws SpecProblems naming the file and the pointer', () => {
    editJson(dir, '2017-01-17/RejectAssignment.json', (d) => {
      d.behaviour.rules[0].error = 'AssignmentGone';
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toEqual([
      {
        file: '2017-01-17/RejectAssignment.json',
        pointer: '/behaviour/rules/0/error',
        message: 'unknown error AssignmentGone (see errors.json)',
      },
    ]);
  });

  it('in a constraint and in the protocol too', () => {
    editJson(dir, 'shapes/2017-01-17.json', (d) => {
      d.shapes.EntityId.constraints[1].error = 'NoSuchError';
    });
    editJson(dir, 'protocols/2014-08-15.json', (d) => {
      d.commonParameters.Version.refuse['2017-01-17'] = 'NoSuchVersionError';
    });
    const problems = problemsOf(() => loadSpecsUncached(dir));
    expect(problems).toContainEqual(
      expect.objectContaining({
        file: 'shapes/2017-01-17.json',
        pointer: '/shapes/EntityId/constraints/1/error',
      }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({
        file: 'protocols/2014-08-15.json',
        pointer: '/commonParameters/Version/refuse/2017-01-17',
      }),
    );
  });
});

describe('(d) referencing an unknown provider state', () => {
  it('throws SpecProblems naming the file and the pointer', () => {
    editJson(dir, '2014-08-15/RejectQualificationRequest.json', (d) => {
      d.behaviour.rules[1].given = 'QualificationTypeWithNoRequests';
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toEqual([
      {
        file: '2014-08-15/RejectQualificationRequest.json',
        pointer: '/behaviour/rules/1/given',
        message: 'unknown provider state QualificationTypeWithNoRequests (see model.json)',
      },
    ]);
  });

  it('in violatedBy as well', () => {
    editJson(dir, '2017-01-17/RejectAssignment.json', (d) => {
      d.behaviour.rules[2].violatedBy.push('HITWithReturnedAssignment');
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toContainEqual(
      expect.objectContaining({
        file: '2017-01-17/RejectAssignment.json',
        pointer: '/behaviour/rules/2/violatedBy/2',
      }),
    );
  });

  it('in a pagination given, which must make several listed entities under one parent', () => {
    editJson(dir, '2017-01-17/ListQualificationRequests.json', (d) => {
      d.behaviour.rules[0].pagination.given = 'QualificationTypeWithNoRequests';
    });
    editJson(dir, '2014-08-15/GetQualificationRequests.json', (d) => {
      d.behaviour.rules[0].pagination.given = 'QualificationTypeWithPendingRequest';
    });
    const problems = problemsOf(() => loadSpecsUncached(dir));
    expect(problems).toContainEqual({
      file: '2017-01-17/ListQualificationRequests.json',
      pointer: '/behaviour/rules/0/pagination/given',
      message: 'unknown provider state QualificationTypeWithNoRequests (see model.json)',
    });
    expect(problems).toContainEqual({
      file: '2014-08-15/GetQualificationRequests.json',
      pointer: '/behaviour/rules/0/pagination/given',
      message:
        'state QualificationTypeWithPendingRequest does not create several listed QualificationRequests under one parent',
    });
    // said once: the list kind owns the check (the loader said it too, so it was reported twice)
    expect(problems.filter((p) => p.message.includes('does not create several listed'))).toHaveLength(1);
  });
});

describe('(d2) list item keys, madeBy and upload rules that name what does not exist', () => {
  it('an itemKey member the items lack or the state does not fix; a madeBy operation without a spec', () => {
    editJson(dir, '2017-01-17/ListBonusPayments.json', (d) => {
      d.behaviour.rules[0].itemKey = ['AssignmentId', 'Amount', 'GrantTime'];
      d.behaviour.rules[0].madeBy.operation = 'PayBonus';
    });
    const problems = problemsOf(() => loadSpecsUncached(dir));
    const at = (pointer: string, message: string) =>
      expect(problems).toContainEqual({ file: '2017-01-17/ListBonusPayments.json', pointer, message });
    at('/behaviour/rules/0/itemKey/1', 'Amount is not a member of the items of BonusPayments');
    at(
      '/behaviour/rules/0/pagination/given',
      'state AssignmentWithThreeBonuses fixes no GrantTime of the BonusPayment it makes (itemKey): neither an id it returns nor a literal field',
    );
    at('/behaviour/rules/0/madeBy/operation', 'no spec for PayBonus');
  });

  it('an upload rule whose state returns no question with an uploaded file', () => {
    editJson(dir, 'model.json', (d) => {
      d.states.HITWithFileUploadAnswer.creates[1].fields.QuestionIdentifier = 'comment';
    });
    const problems = problemsOf(() => loadSpecsUncached(dir));
    expect(problems).toContainEqual({
      file: '2017-01-17/GetFileUploadURL.json',
      pointer: '/behaviour/rules/2/given',
      message:
        'state HITWithFileUploadAnswer must return QuestionIdentifier naming a question whose answer (Answer) holds an UploadedFileKey',
    });
  });
});

describe('(e) a malformed pattern', () => {
  it('throws SpecProblems naming the file and the pointer', () => {
    editJson(dir, 'shapes/2017-01-17.json', (d) => {
      d.shapes.EntityId.constraints[1].pattern = '^[A-Z0-9+$';
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toEqual([
      {
        file: 'shapes/2017-01-17.json',
        pointer: '/shapes/EntityId/constraints/1/pattern',
        message: 'must match format "regex"',
      },
    ]);
  });

  it('a pattern that is valid but different is caught by the reference comparison', () => {
    editJson(dir, 'shapes/2017-01-17.json', (d) => {
      d.shapes.EntityId.constraints[1].pattern = '^[A-Za-z0-9]+$';
    });
    expect(factDiffs(loadSpecsUncached(dir))).toEqual([
      '2017-01-17/RejectAssignment.AssignmentId: the reference says pattern ^[A-Z0-9]+$, the spec says ^[A-Za-z0-9]+$',
    ]);
  });
});

describe('the other way round: a changed seed text is caught against the unchanged specs', () => {
  const raw = readFileSync(seedFiles()[0]!, 'utf8');
  const file = seedFiles()[0]!.split('/').pop()!;

  it('a seed limit of 2048 characters', () => {
    const text = raw.replace('can be up to 1024 characters', 'can be up to 2048 characters');
    expect(text).not.toBe(raw);
    expect(compareSeedWithSpec(loadSpecsUncached(dir), parseSeed(text, file))).toEqual([
      '2014-08-15/RejectAssignment.RequesterFeedback: the seed says up to 2048 characters, the spec says max 1024',
    ]);
  });

  it('a seed that makes RequesterFeedback required', () => {
    const text = raw.replace(/(including multi-byte characters\.\s+)No/, '$1Yes');
    expect(text).not.toBe(raw);
    expect(compareSeedWithSpec(loadSpecsUncached(dir), parseSeed(text, file))).toEqual([
      '2014-08-15/RejectAssignment.RequesterFeedback: the seed says Required Yes, the spec says required false',
    ]);
  });

  it('a seed whose parameter table lost its Required column does not parse', () => {
    const text = raw.replace(/(The assignment ID[\s\S]*?Default: None\s+)Yes/, '$1');
    expect(() => parseSeed(text, file)).toThrow(/expected a parameter name|no Required column/);
  });
});

describe('two constraints of one kind', () => {
  it('one inferred and one not, without an id, are refused: their checks would share one name and one severity', () => {
    editJson(dir, 'shapes/2014-08-15.json', (doc) => {
      delete doc.shapes.Price.members.Amount.constraints[0].id;
    });
    const problems = problemsOf(() => loadSpecsUncached(dir));
    expect(problems.map((p) => `${p.file}#${p.pointer}`)).toContain(
      'shapes/2014-08-15.json#/shapes/Price/members/Amount/constraints/1',
    );
    expect(problems.map((p) => p.message).join('\n')).toMatch(/needs an id/);
  });

  it('with an id, each is its own check, at its own severity', () => {
    const set = loadSpecsUncached(dir);
    const ids = serverChecks(set, {
      kind: 'server',
      endpoint: 'http://127.0.0.1:9',
      apis: ['2014-08-15'],
      runs: 1,
      seed: 1,
      timeoutMs: 1000,
      credentials: [],
      operations: ['CreateHIT'],
    }).map((c) => [c.check, c.severity]);
    expect(ids).toContainEqual(['invalid.Reward.Amount.cents', 'should']);
    expect(ids).toContainEqual(['invalid.Reward.Amount.pattern', 'must']);
  });
});
