// Each error in errors.json declares the placeholders of its message template. The loader
// checks the declaration against the template; the message filler, the message pattern the
// checks match with and the mock's error values read the declaration.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorValuesArb } from '../../src/client-checks/mock-checks.ts';
import { loadSpecs, loadSpecsUncached } from '../../src/spec/load.ts';
import { errorMessagePattern, fillErrorMessage, templatePlaceholders } from '../../src/spec/resolve.ts';
import { copySpecs, editJson, problemsOf } from './helpers.ts';

const SUFFIX = loadSpecs().apis['2014-08-15'].protocol.errorEnvelope.messageSuffixPattern;
const ID = 'AssignmentDoesNotExist';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = copySpecs());
});
afterEach(() => cleanup());

describe('the bundled catalogue', () => {
  it('declares, for every error, exactly the placeholders its template uses', () => {
    for (const e of Object.values(loadSpecs().errors.errors))
      expect([...e.placeholders].sort()).toEqual(templatePlaceholders(e.message).sort());
  });
});

describe('a declaration that disagrees with its template fails loading', () => {
  it('a placeholder the template uses but the declaration lacks', () => {
    editJson(dir, 'errors.json', (d) => {
      d.errors[ID].placeholders = [];
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toEqual([
      {
        file: 'errors.json',
        pointer: `/errors/${ID}/placeholders`,
        message: 'the message uses {AssignmentId}, which placeholders does not declare',
      },
    ]);
  });

  it('a declared placeholder the template does not use', () => {
    editJson(dir, 'errors.json', (d) => {
      d.errors[ID].placeholders.push('HITId');
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toEqual([
      {
        file: 'errors.json',
        pointer: `/errors/${ID}/placeholders`,
        message: 'placeholders declares HITId, which the message does not use',
      },
    ]);
  });

  it('no declaration, or a repeated name', () => {
    editJson(dir, 'errors.json', (d) => {
      delete d.errors[ID].placeholders;
      d.errors.InvalidParameterValue.placeholders = ['member', 'member', 'reason'];
    });
    const problems = problemsOf(() => loadSpecsUncached(dir));
    expect(problems).toContainEqual({
      file: 'errors.json',
      pointer: `/errors/${ID}`,
      message: "must have required property 'placeholders'",
    });
    expect(problems).toContainEqual(
      expect.objectContaining({ pointer: '/errors/InvalidParameterValue/placeholders' }),
    );
  });
});

describe('code reads the declaration', () => {
  it('a changed template and declaration change the mock error values and the message pattern', () => {
    editJson(dir, 'errors.json', (d) => {
      d.errors[ID].message = 'Assignment {AssignmentId} of HIT {HITId} does not exist.';
      d.errors[ID].placeholders = ['AssignmentId', 'HITId'];
    });
    const changed = loadSpecsUncached(dir);
    const keys = (set: typeof changed) =>
      fc.sample(errorValuesArb(set, ID, { AssignmentId: 'A1' }), 1).map((v) => Object.keys(v).sort())[0];
    expect(keys(loadSpecs())).toEqual(['AssignmentId']);
    expect(keys(changed)).toEqual(['AssignmentId', 'HITId']);

    const e = changed.errors.errors[ID]!;
    const filled = fillErrorMessage(e, { AssignmentId: 'A1', HITId: 'H1' }, ', ');
    expect(filled).toBe('Assignment A1 of HIT H1 does not exist.');
    expect(errorMessagePattern(e, SUFFIX).test(`${filled} (1700000000000 s)`)).toBe(true);
    const old = fillErrorMessage(loadSpecs().errors.errors[ID]!, { AssignmentId: 'A1' }, ', ');
    expect(errorMessagePattern(e, SUFFIX).test(old)).toBe(false);
  });

  it('an undeclared {name} is literal text to the filler and the pattern (the loader keeps them in step)', () => {
    const e = { ...loadSpecs().errors.errors[ID]!, placeholders: [] };
    expect(fillErrorMessage(e, { AssignmentId: 'A1' }, ', ')).toBe(
      'Assignment {AssignmentId} does not exist.',
    );
    expect(errorMessagePattern(e, SUFFIX).test('Assignment A1 does not exist.')).toBe(false);
    expect(errorMessagePattern(e, SUFFIX).test('Assignment {AssignmentId} does not exist.')).toBe(true);
  });

  it("a value naming several is joined with the catalogue's listSeparator, as the service's DeleteHIT answer lists them", () => {
    const set = loadSpecs();
    const e = set.errors.errors.InvalidHITState!;
    expect(set.errors.listSeparator).toBe(', ');
    expect(
      fillErrorMessage(
        e,
        { CurrentState: 'Reviewable', allowed: ['Reviewing', 'Reviewable'] },
        set.errors.listSeparator,
      ),
    ).toBe(
      "This HIT is currently in the state 'Reviewable'.  This operation can be called with a status of: Reviewing, Reviewable",
    );
  });
});
