// The seeded specs are exactly what the seed documents say. The expected
// values are read from the seed text (and, for 2017-01-17, from the project's
// reference of facts and the official model), never re-typed here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareFactsWithSpec, FACTS_COPY, readFacts } from '../../src/fixtures/facts.ts';
import {
  compareSeedWithSpec,
  constraintsOfSentence,
  readSeed,
  type SeedDocument,
  SHARED_FACTS,
  SHARED_SEED_DIR,
  seedFiles,
} from '../../src/fixtures/seeds.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { resolveMember } from '../../src/spec/resolve.ts';
import type { Constraint } from '../../src/spec/types.ts';

const set = loadSpecs();
const seeds = seedFiles().map(readSeed);
const seed = (op: string): SeedDocument => seeds.find((s) => s.operation === op)!;
const param = (s: SeedDocument, name: string) => {
  const p = s.parameters.find((x) => x.name === name);
  if (!p) throw new Error(`${s.file} does not list ${name}`);
  return p;
};
const member = (api: '2014-08-15' | '2017-01-17', op: string, name: string) =>
  resolveMember(set, api, name, set.apis[api].operations.get(op)!.input.members[name]!);
const lengthOf = (cs: Constraint[]) =>
  cs.find((c) => c.kind === 'length') as Extract<Constraint, { kind: 'length' }>;

describe('the seed copies', () => {
  it('the repository keeps both seeds', () => {
    expect(seeds.map((s) => s.operation).sort()).toEqual(['RejectAssignment', 'RejectQualificationRequest']);
  });

  it.skipIf(!existsSync(SHARED_SEED_DIR))(
    existsSync(SHARED_SEED_DIR)
      ? 'are byte-identical to shared/seeds'
      : 'are byte-identical to shared/seeds (skipped: no /work/shared on this machine)',
    () => {
      for (const f of seedFiles()) {
        const name = f.split('/').pop()!;
        expect(readFileSync(f, 'utf8'), name).toBe(readFileSync(join(SHARED_SEED_DIR, name), 'utf8'));
      }
    },
  );

  it.skipIf(!existsSync(SHARED_FACTS))(
    existsSync(SHARED_FACTS)
      ? 'the facts copy is identical to shared/reference'
      : 'the facts copy is identical to shared/reference (skipped: no /work/shared on this machine)',
    () => {
      expect(readFileSync(FACTS_COPY, 'utf8')).toBe(readFileSync(SHARED_FACTS, 'utf8'));
    },
  );
});

describe('legacy 2014-08-15 seeded specs are exact', () => {
  it.each(seeds.map((s) => [s.operation, s]))('%s: no difference from its seed', (_, s) => {
    expect(compareSeedWithSpec(set, s as SeedDocument)).toEqual([]);
  });

  it('RejectAssignment: AssignmentId is required, as the seed says', () => {
    const s = seed('RejectAssignment');
    expect(param(s, 'AssignmentId').required).toBe(true);
    expect(member('2014-08-15', 'RejectAssignment', 'AssignmentId').required).toBe(
      param(s, 'AssignmentId').required,
    );
  });

  it("RejectAssignment: RequesterFeedback is optional, at most the seed's number of code points", () => {
    const s = seed('RejectAssignment');
    const raw = readFileSync(seedFiles()[0]!, 'utf8');
    const sentence = /Constraints: (can be up to \d+ characters, including multi-byte characters\.)/.exec(
      raw,
    )?.[1];
    expect(sentence, 'the seed no longer says "Constraints: can be up to N characters"').toBeDefined();
    expect(param(s, 'RequesterFeedback').constraints).toBe(sentence);
    const max = constraintsOfSentence(sentence!).length!.max;
    const fb = member('2014-08-15', 'RejectAssignment', 'RequesterFeedback');
    expect(fb.required).toBe(param(s, 'RequesterFeedback').required);
    expect(fb.required).toBe(false);
    const length = lengthOf(fb.constraints);
    expect(length.max).toBe(max);
    expect(length.unit).toBe('codepoint'); // "including multi-byte characters": characters, not bytes
  });

  it('RejectQualificationRequest: QualificationRequestId required, Reason optional, as the seed says', () => {
    const s = seed('RejectQualificationRequest');
    expect(param(s, 'QualificationRequestId').required).toBe(true);
    expect(param(s, 'Reason').required).toBe(false);
    expect(member('2014-08-15', 'RejectQualificationRequest', 'QualificationRequestId').required).toBe(true);
    expect(member('2014-08-15', 'RejectQualificationRequest', 'Reason').required).toBe(false);
    expect(member('2014-08-15', 'RejectQualificationRequest', 'Reason').constraints).toEqual([]);
  });

  it("the seeds' result element is the protocol's success.result", () => {
    for (const s of seeds) expect(s.resultElement).toBe(`${s.operation}Result`);
    expect(set.apis['2014-08-15'].protocol.success.result).toBe('{operation}Result');
  });

  it('a seed constraint the parser does not understand is reported, not skipped', () => {
    expect(constraintsOfSentence('must be between 1 and 1024 bytes')).toEqual({
      unknown: 'must be between 1 and 1024 bytes',
    });
  });
});

describe('2017-01-17 seeded specs agree with the reference of facts', () => {
  const facts = readFacts();
  const seeded = [...set.apis['2017-01-17'].operations.values()].filter((o) => o.role === 'seed');

  it('the reference describes every seeded 2017 operation', () => {
    expect(facts.map((f) => f.operation).sort()).toEqual(seeded.map((o) => o.operation).sort());
  });

  it.each(facts.map((f) => [f.operation, f]))('%s: no difference from the reference', (_, f) => {
    expect(compareFactsWithSpec(set, f as (typeof facts)[number])).toEqual([]);
  });

  it('RejectAssignment: AssignmentId is an EntityId (min, max and pattern from the reference), required', () => {
    const f = facts.find((x) => x.operation === 'RejectAssignment')!.members.AssignmentId!;
    expect(f).toMatchObject({ shape: 'EntityId', required: true });
    const m = member('2017-01-17', 'RejectAssignment', 'AssignmentId');
    expect(m.shape).toBe(f.shape);
    expect(m.required).toBe(true);
    expect(lengthOf(m.constraints)).toMatchObject({ min: f.min, max: f.max, unit: 'codepoint' });
    expect(m.constraints.find((c) => c.kind === 'pattern')).toMatchObject({ pattern: f.pattern });
  });

  it('RejectAssignment: RequesterFeedback required, at most N code points, banned control characters', () => {
    const f = facts.find((x) => x.operation === 'RejectAssignment')!.members.RequesterFeedback!;
    expect(f.required).toBe(true);
    const m = member('2017-01-17', 'RejectAssignment', 'RequesterFeedback');
    expect(m.required).toBe(true);
    expect(lengthOf(m.constraints)).toMatchObject({ max: f.maxCharacters, unit: 'codepoint' });
    expect(m.constraints.find((c) => c.kind === 'forbiddenCodePoints')).toMatchObject({
      ranges: f.forbidden,
    });
    // the legacy limit is the same number of characters
    expect(lengthOf(member('2014-08-15', 'RejectAssignment', 'RequesterFeedback').constraints).max).toBe(
      f.maxCharacters,
    );
  });
});
