// A suite worker trusts the spec tree its runner's process validated (src/runner/run.ts provides
// the digest): those very bytes skip the meta-schema pass, any other tree is validated as always.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadedSpecsDigest,
  loadSpecs,
  loadSpecsUncached,
  specsDigest,
  trustValidatedSpecs,
} from '../../src/spec/load.ts';
import { copySpecs, editJson, problemsOf } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = copySpecs());
});
afterEach(() => cleanup());

describe('trusted spec trees', () => {
  it('a loaded tree has a digest to hand on; an unloaded one has none', () => {
    expect(loadedSpecsDigest(dir)).toBeUndefined();
    loadSpecs(dir);
    expect(loadedSpecsDigest(dir)).toBe(specsDigest(dir));
  });

  it('the trusted bytes skip the meta-schema pass; one edit more and the tree is validated again', () => {
    // a fault only the meta-schema catches: the digest of this very tree is trusted, so it loads
    editJson(dir, '2014-08-15/RejectAssignment.json', (d) => {
      d.input.members.AssignmentId.required = 'yes';
    });
    expect(problemsOf(() => loadSpecsUncached(dir)).map((p) => p.message)).toContain('must be boolean');
    trustValidatedSpecs(specsDigest(dir));
    expect(() => loadSpecsUncached(dir)).not.toThrow();
    editJson(dir, '2014-08-15/RejectAssignment.json', (d) => {
      d.input.members.AssignmentId.required = 'no';
    });
    expect(problemsOf(() => loadSpecsUncached(dir)).map((p) => p.message)).toContain('must be boolean');
  });

  it('anything but a digest is ignored', () => {
    trustValidatedSpecs(undefined);
    trustValidatedSpecs(42);
    editJson(dir, '2014-08-15/RejectAssignment.json', (d) => {
      d.input.members.AssignmentId.required = 'maybe';
    });
    expect(problemsOf(() => loadSpecsUncached(dir)).map((p) => p.message)).toContain('must be boolean');
  });
});
