// exists: the selected entity must exist; an id that names none is refused with the rule's error.
import fc from 'fast-check';
import { expectMessage } from '../checks/judge.ts';
import { minimalInput, unknownIdArb } from '../checks/plan.ts';
import { expectData } from '../checks/rule-support.ts';
import type { Session } from '../checks/session.ts';
import { ruleCheck } from '../checks/target.ts';
import { requiredInput } from '../client-checks/e2e-support.ts';
import type { RuleKindModule } from './types.ts';

export const exists: RuleKindModule = {
  kind: 'exists',
  schema: { required: ['error'] },
  missingEntity: true,

  execute: (ctx) => (ctx.rec ? undefined : ctx.error(ctx.rule.error!, { ...ctx.idValues })),
  // an entity a call of the model deleted no longer exists
  predict: (ctx) =>
    ctx.gone && ctx.rule.error
      ? { refuse: [ctx.rule.error, ...(ctx.rule.acceptErrors ?? []), ...ctx.gone] }
      : undefined,

  checks(ctx) {
    const { set, op, rule, select, entity, accepted } = ctx;
    if (!rule.error) return [];
    return [
      ruleCheck({
        audiences: ['server', 'client-e2e'],
        severity: ctx.sev,
        codeSeverity: ctx.codeSeverity,
        summary: `${op.operation} with a ${select} that names no ${entity} fails with ${accepted.join(' or ')}.`,
        arb: fc.tuple(unknownIdArb(set, op), requiredInput(set, op)),
        cases: { server: 10, client: 3 },
        async run(t, [id, extra]) {
          t.cover(`rule:${rule.id}`);
          const c = await t.call(op, { ...extra, [select]: id }, `unknown ${select}`);
          t.refused(c, op, accepted, `${op.operation} for ${select} ${id}, which names no ${entity},`);
        },
      }),
    ];
  },

  serverChecks(ctx) {
    const { set, op, rule, select, accepted } = ctx;
    if (!rule.error) return;
    const api = op.api;
    const call = async (s: Session, id: string) => {
      const input = minimalInput(set, op, {}, s.config.seed, { [select]: id });
      return s.call(api, op.operation, input, { label: `unknown ${select}` });
    };
    const oneId = (s: Session) => fc.sample(unknownIdArb(set, op), { seed: s.config.seed, numRuns: 1 })[0]!;
    ctx.add(`rule.${rule.id}.message`, ctx.msgSeverity, async (s) => {
      const ex = await call(s, oneId(s));
      expectMessage(set, api, ex, accepted, `${op.operation} for an unknown ${select}`);
    });
    // server only: a legacy error's Data is a wire element no client hands back
    if (ctx.dataKeys.length)
      ctx.add(`rule.${rule.id}.data`, ctx.codeSeverity, async (s) => {
        const id = oneId(s);
        const ex = await call(s, id);
        expectData(ex, ctx.dataKeys, { [select]: id }, undefined, `${op.operation} for an unknown ${select}`);
      });
  },
};
