// exists: the selected entity must exist; an id that names none is refused with the rule's error.
import fc from 'fast-check';
import { validInput } from '../arbitraries/input.ts';
import { expectError, expectMessage } from '../checks/judge.ts';
import { minimalInput, unknownIdArb } from '../checks/plan.ts';
import { expectData } from '../checks/rule-support.ts';
import { forAll, type Session } from '../checks/session.ts';
import { caseCount, errorRuleHead, expectRefusal, runCases, sample } from '../clients/e2e-support.ts';
import type { RuleKindModule } from './types.ts';

export const exists: RuleKindModule = {
  kind: 'exists',
  schema: { required: ['error'] },
  missingEntity: true,

  execute: (ctx) => (ctx.rec ? undefined : ctx.error(ctx.rule.error!, { ...ctx.idValues })),

  serverChecks(ctx) {
    const { set, op, rule, select, entity, accepted } = ctx;
    if (!rule.error) return;
    const api = op.api;
    const call = async (s: Session, id: string) => {
      const input = minimalInput(set, op, {}, s.config.seed, { [select]: id });
      s.cover(`rule:${rule.id}`);
      return s.call(api, op.operation, input, { label: `unknown ${select}` });
    };
    const oneId = (s: Session) => fc.sample(unknownIdArb(set, op), { seed: s.config.seed, numRuns: 1 })[0]!;
    ctx.add(`rule.${rule.id}`, ctx.codeSeverity, async (s) => {
      await s.requireApi(api);
      await forAll(
        s,
        unknownIdArb(set, op),
        async (id) => {
          const ex = await call(s, id);
          expectError(
            set,
            api,
            ex,
            accepted,
            `${op.operation} for ${select} ${id}, which names no ${entity},`,
          );
        },
        { numRuns: Math.min(ctx.config.runs, 10) },
      );
    });
    ctx.add(`rule.${rule.id}.message`, ctx.msgSeverity, async (s) => {
      await s.requireApi(api);
      const ex = await call(s, oneId(s));
      expectMessage(set, api, ex, accepted, `${op.operation} for an unknown ${select}`);
    });
    if (ctx.dataKeys.length)
      ctx.add(`rule.${rule.id}.data`, ctx.codeSeverity, async (s) => {
        await s.requireApi(api);
        const id = oneId(s);
        const ex = await call(s, id);
        expectData(ex, ctx.dataKeys, { [select]: id }, undefined, `${op.operation} for an unknown ${select}`);
      });
  },

  clientChecks(ctx) {
    const { set, op, rule, select, entity } = ctx;
    if (!rule.error) return [];
    const { codes, ...errorHead } = errorRuleHead(set, op, rule, rule.error);
    return [
      {
        ...errorHead,
        summary: `Through the client, ${op.operation} with a ${select} that names no ${entity} surfaces ${codes.join(' or ')}.`,
        run: (env) =>
          runCases(caseCount(env, 3), async (i, log) => {
            const id = sample(unknownIdArb(set, op), env.seed + i);
            const input = sample(
              validInput(set, op, { requiredOnly: true, fixed: { [select]: id } }),
              env.seed + i,
            );
            const what = `${op.operation} for ${select} ${id}, which names no ${entity},`;
            await expectRefusal(env, op.operation, input, log, { what, codes });
          }),
      },
    ];
  },
};
