// The `specs` and `verify-model` commands, run as a user runs them.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findBotocoreModel } from '../../src/cli/commands/verify-model.ts';
import { DEFAULT_SPECS_DIR, loadSpecsUncached } from '../../src/spec/load.ts';
import { AWS_SDK_MODEL, copySpecs, editJson } from './helpers.ts';

const BIN = join(DEFAULT_SPECS_DIR, '../bin/mturk-conformance.mjs');
const cli = (...args: string[]) => cliEnv({}, ...args);
const cliEnv = (env: Record<string, string>, ...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = copySpecs());
});
afterEach(() => cleanup());

describe('mturk-conformance specs', () => {
  it('lists the operations per API version, seeds first, and exits 0', () => {
    const r = cli('specs');
    expect(r.code, r.stderr).toBe(0);
    // the 2017 count grows as operations are specified: the listing must show them all
    const n17 = loadSpecsUncached(DEFAULT_SPECS_DIR).apis['2017-01-17'].operations.size;
    expect(r.stdout).toMatch(
      new RegExp(`2017-01-17 \\(awsJson1_1\\): ${n17} operations, 2 seed, ${n17 - 2} support`),
    );
    const n14 = loadSpecsUncached(DEFAULT_SPECS_DIR).apis['2014-08-15'].operations.size;
    expect(r.stdout).toMatch(
      new RegExp(`2014-08-15 \\(mturkRestXml\\): ${n14} operations, 2 seed, ${n14 - 2} support`),
    );
    expect(r.stdout).toMatch(/seed\s+RejectAssignment\s+2\s+0\s+4\s+4\s+0/);
  });

  it('--json gives the same listing as data', () => {
    const r = cli('specs', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.valid).toBe(true);
    expect(doc.apis['2014-08-15'].operations[0]).toMatchObject({
      operation: 'RejectAssignment',
      role: 'seed',
      input: 2,
      constraints: 1,
    });
  });

  it('an invalid spec: exit 1, each problem as <file>#<pointer>: <message>', () => {
    editJson(dir, '2017-01-17/RejectAssignment.json', (d) => {
      d.behaviour.rules[0].error = 'AssignmentGone';
      d.behaviour.rules[1].given = 'NoSuchState';
    });
    const r = cli('specs', '--dir', dir);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      '2017-01-17/RejectAssignment.json#/behaviour/rules/0/error: unknown error AssignmentGone (see errors.json)',
      '2017-01-17/RejectAssignment.json#/behaviour/rules/1/given: unknown provider state NoSuchState (see model.json)',
    ]);
    const json = cli('specs', '--dir', dir, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).problems).toHaveLength(2);
  });

  it('a file that is not JSON: exit 1 naming it', () => {
    writeFileSync(join(dir, '2014-08-15/RejectAssignment.json'), '{ nope');
    const r = cli('specs', '--dir', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^2014-08-15\/RejectAssignment\.json#: not valid JSON/);
  });

  it('a missing directory: exit 2', () => {
    const r = cli('specs', '--dir', join(dir, 'nowhere'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no specs directory/);
  });

  it('an unknown option: exit 2', () => {
    expect(cli('specs', '--frobnicate').code).toBe(2);
  });
});

describe('mturk-conformance verify-model', () => {
  it('--model aws-sdk min model: exit 0, nothing undeclared', () => {
    const r = cli('verify-model', '--model', AWS_SDK_MODEL);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/undeclared differences \(0\)/);
  });

  it('an undeclared difference: exit 1, printed', () => {
    editJson(dir, '2017-01-17/RejectAssignment.json', (d) => {
      delete d.input.members.RequesterFeedback.required;
    });
    const r = cli('verify-model', '--model', AWS_SDK_MODEL, '--dir', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /undeclared differences \(1\):\n {2}RejectAssignment RequesterFeedback required: spec false, model true/,
    );
  });

  it('no botocore: exit 2 with one line saying to install python3-botocore', () => {
    const r = cliEnv({ MTURK_CONFORMANCE_PYTHON: join(dir, 'no-python') }, 'verify-model');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot find botocore's MTurk model .*install python3-botocore/);
  });

  it('no model: exit 2 with one clear line', () => {
    const r = cli('verify-model', '--model', join(dir, 'no-model.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no model file at/);
  });

  it.skipIf(!findBotocoreModel())(
    'botocore (found through python3): exit 0, the declared differences and their reasons',
    () => {
      const r = cli('verify-model');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/declared differences \(\d+\)/);
      expect(r.stdout).toMatch(/declared: D17-RA documents a limit of 1024 characters/);
    },
  );

  it.skipIf(!findBotocoreModel())('botocore: a stale declaration fails (exit 1)', () => {
    editJson(dir, '2017-01-17/RejectAssignment.json', (d) => {
      d.officialModel.differences.push({
        member: 'AssignmentId',
        aspect: 'pattern',
        reason: 'a declaration with no difference',
      });
    });
    const r = cli('verify-model', '--dir', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/stale declarations \(1\):\n {2}RejectAssignment AssignmentId pattern/);
  });

  it.skipIf(!findBotocoreModel())(
    'botocore: a shared shape no specified operation uses is compared too (exit 1)',
    () => {
      editJson(dir, 'shapes/2017-01-17.json', (d) => {
        d.shapes.WorkerBlock.members.Reason.required = true;
        d.shapes.IdempotencyToken.constraints[0].max = 65;
      });
      const r = cli('verify-model', '--dir', dir);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /shapes\/2017-01-17\.json WorkerBlock\.Reason required: spec true, model false/,
      );
      expect(r.stdout).toMatch(
        /shapes\/2017-01-17\.json IdempotencyToken length: spec .*"max":65.*, model .*"max":64/,
      );
    },
  );

  it.skipIf(!findBotocoreModel())('botocore --all: every operation of the model needs a spec', () => {
    const r = cli('verify-model', '--all', '--json');
    const out = JSON.parse(r.stdout) as { unspecifiedOperations: string[] };
    expect(r.code).toBe(out.unspecifiedOperations.length === 0 ? 0 : 1);
    const plain = cli('verify-model');
    expect(plain.stdout).toMatch(/operation specs of the model's 39/);
    expect(plain.stdout).toMatch(
      new RegExp(`operations without a spec \\(${out.unspecifiedOperations.length}\\)`),
    );
  });
});
