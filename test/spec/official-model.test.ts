// The 2017-01-17 specs agree with the official machine models: aws-sdk v2's
// (always installed: a dev dependency) inside npm test, botocore's (with
// constraints) when python3-botocore is on this machine. A missing aws-sdk
// model fails; it never passes silently.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findBotocoreModel } from '../../src/cli/commands/verify-model.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import {
  compareSharedShapes,
  compareWithOfficialModel,
  hasConstraints,
  hasNamedShapes,
  reachableSharedShapes,
  readServiceModel,
  type ServiceModel,
  unspecifiedOperations,
  unusedDeclarations,
} from '../../src/spec/official-model.ts';
import type { SpecSet } from '../../src/spec/types.ts';
import { AWS_SDK_MODEL } from './helpers.ts';

const set = loadSpecs();
const botocore = findBotocoreModel();

describe('aws-sdk v2 model (node_modules/aws-sdk/apis/mturk-requester-2017-01-17.min.json)', () => {
  it('is installed', () => {
    expect(
      existsSync(AWS_SDK_MODEL),
      `the official model is missing at ${AWS_SDK_MODEL}: run npm ci (aws-sdk is a dev dependency); the specs cannot be checked against it`,
    ).toBe(true);
  });

  it('every 2017-01-17 spec agrees: operation, members, required flags, types; differences only where declared', () => {
    expect(existsSync(AWS_SDK_MODEL), `missing ${AWS_SDK_MODEL}: run npm ci`).toBe(true);
    const model = readServiceModel(AWS_SDK_MODEL);
    expect(hasNamedShapes(model)).toBe(false); // shapes are anonymised (S1p, Sz...): shape names are not compared
    const diffs = compareWithOfficialModel(set, model, { constraints: false });
    expect(diffs.filter((d) => d.declared === undefined)).toEqual([]);
    expect(unusedDeclarations(set, diffs, { constraints: false })).toEqual([]);
  });

  it('knows every operation the specs name', () => {
    const model = readServiceModel(AWS_SDK_MODEL);
    for (const op of set.apis['2017-01-17'].operations.keys())
      expect(Object.keys(model.operations)).toContain(op);
  });
});

describe.skipIf(!botocore)(
  botocore
    ? `botocore model (${botocore.path})`
    : 'botocore model (skipped: python3-botocore is not installed)',
  () => {
    it('has named shapes and constraints', () => {
      const model = readServiceModel(botocore!.path);
      expect(hasNamedShapes(model)).toBe(true);
      expect(hasConstraints(model)).toBe(true);
    });

    it('every difference, constraints included, is declared with a reason, and no declaration is stale', () => {
      const model = readServiceModel(botocore!.path);
      const diffs = compareWithOfficialModel(set, model, { constraints: true });
      expect(diffs.filter((d) => d.declared === undefined)).toEqual([]);
      expect(unusedDeclarations(set, diffs, { constraints: true })).toEqual([]);
      // the seeded operation's two, among those the growing 2017 set declares (each with its reason)
      expect(diffs.map((d) => `${d.operation} ${d.member} ${d.aspect}`)).toEqual(
        expect.arrayContaining([
          'RejectAssignment RequesterFeedback length',
          'RejectAssignment RequesterFeedback forbiddenCodePoints',
        ]),
      );
      for (const d of diffs) expect(d.declared, `${d.operation} ${d.member} ${d.aspect}`).toBeTruthy();
    });

    it('the shared shapes file has every shape of every operation (all 39), each as the model writes it', () => {
      const model = readServiceModel(botocore!.path);
      expect(Object.keys(model.operations)).toHaveLength(39);
      expect(compareSharedShapes(set, model, { constraints: true })).toEqual([]);
      const reached = reachableSharedShapes(model);
      for (const name of ['WorkerBlock', 'BonusPayment', 'QualificationType', 'ReviewReport', 'HITList'])
        expect(reached.has(name), name).toBe(true);
      for (const name of reached) expect(set.apis['2017-01-17'].shapes.shapes, name).toHaveProperty(name);
    });
  },
);

// The comparison itself, on small hand-made models.
describe('compareWithOfficialModel', () => {
  const named = (over: (m: ServiceModel) => void = () => {}): ServiceModel => {
    const model = readServiceModel(botocore?.path ?? AWS_SDK_MODEL);
    const copy = structuredClone(model);
    over(copy);
    return copy;
  };
  const undeclared = (s: SpecSet, m: ServiceModel, constraints = hasConstraints(m)) =>
    compareWithOfficialModel(s, m, { constraints }).filter((d) => d.declared === undefined);

  it('reports an operation the model lacks', () => {
    const m = named((x) => {
      delete x.operations.RejectAssignment;
    });
    expect(undeclared(set, m)).toContainEqual(
      expect.objectContaining({
        operation: 'RejectAssignment',
        member: '',
        aspect: 'operation',
        model: 'absent',
      }),
    );
  });

  it('reports a member the spec lacks, and a required flag that differs', () => {
    const m = named((x) => {
      const op = x.operations.RejectQualificationRequest!;
      const input = op.input!.shape ? x.shapes![op.input!.shape]! : op.input!;
      input.members!.Extra = { shape: 'String' };
      input.required = ['QualificationRequestId', 'Reason'];
    });
    const diffs = undeclared(set, m);
    expect(diffs).toContainEqual(
      expect.objectContaining({ member: 'Extra', aspect: 'member', spec: 'absent', model: 'present' }),
    );
    expect(diffs).toContainEqual(
      expect.objectContaining({ member: 'Reason', aspect: 'required', spec: 'false', model: 'true' }),
    );
  });

  it('reports a nested output member that differs (Assignment.WorkerId)', () => {
    const m = named((x) => {
      if (x.shapes?.Assignment) delete x.shapes.Assignment.members!.WorkerId;
      else {
        const out = x.operations.GetAssignment!.output!;
        const ref = out.members!.Assignment!;
        const shape = ref.shape ? x.shapes![ref.shape]! : ref;
        delete shape.members!.WorkerId;
      }
    });
    expect(undeclared(set, m)).toContainEqual(
      expect.objectContaining({
        operation: 'GetAssignment',
        member: 'output:Assignment.WorkerId',
        aspect: 'member',
      }),
    );
  });

  it.skipIf(!botocore)('reports a shared shape that no specified operation uses (BonusPayment)', () => {
    const m = named((x) => {
      x.shapes!.WorkerBlock!.required = ['WorkerId'];
      x.shapes!.WorkerBlock!.members!.Extra = { shape: 'String' };
      x.shapes!.IdempotencyToken!.max = 65;
      x.shapes!.BonusPayment!.members!.GrantTime = { shape: 'String' };
      x.shapes!.Orphan = { type: 'structure', members: {} };
      x.shapes!.GetHITResponse!.members!.Orphan = { shape: 'Orphan' };
    });
    // ListBonusPayments is the only operation that shows a BonusPayment: a set without its spec
    const operations = new Map(set.apis['2017-01-17'].operations);
    operations.delete('ListBonusPayments');
    const without = {
      ...set,
      apis: { ...set.apis, '2017-01-17': { ...set.apis['2017-01-17'], operations } },
    };
    const diffs = compareSharedShapes(without, m, { constraints: true });
    const at = (member: string, aspect: string) =>
      expect(diffs).toContainEqual(
        expect.objectContaining({ operation: 'shapes/2017-01-17.json', member, aspect }),
      );
    at('WorkerBlock.WorkerId', 'required');
    at('WorkerBlock.Extra', 'member');
    at('IdempotencyToken', 'length');
    at('BonusPayment.GrantTime', 'shape');
    at('Orphan', 'shape');
    expect(diffs).toHaveLength(5);
  });

  it.skipIf(!botocore)('lists the operations without a spec', () => {
    const model = readServiceModel(botocore!.path);
    const missing = unspecifiedOperations(set, model);
    expect(missing.length + set.apis['2017-01-17'].operations.size).toBe(39);
    for (const op of set.apis['2017-01-17'].operations.keys()) expect(missing).not.toContain(op);
  });

  it.skipIf(!botocore)('reports a constraint that differs on a shared shape (EntityId max)', () => {
    const m = named((x) => {
      x.shapes!.EntityId!.max = 65;
    });
    expect(undeclared(set, m)).toContainEqual(
      expect.objectContaining({ operation: 'RejectAssignment', member: 'AssignmentId', aspect: 'length' }),
    );
  });
});
