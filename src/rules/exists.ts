// exists: the selected entity must exist; an id that names none is refused with the rule's error.
import fc from 'fast-check';
import { unknownIdArb } from '../checks/plan.ts';
import { expectData } from '../checks/rule-support.ts';
import type { Answered } from '../checks/session.ts';
import { type RuleTarget, ruleCheck } from '../checks/target.ts';
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

  // rule.<id> and rule.<id>.message on a server, e2e.<id> and e2e.<id>.message through a client
  checks(ctx) {
    const { set, op, rule, select, entity, accepted } = ctx;
    if (!rule.error) return [];
    const arb = fc.tuple(unknownIdArb(set, op), requiredInput(set, op));
    const call = (t: RuleTarget, id: string, extra: Record<string, unknown>) =>
      t.call(op, { ...extra, [select]: id }, `unknown ${select}`);
    const what = (id: string) => `${op.operation} for ${select} ${id}, which names no ${entity},`;
    return [
      ruleCheck({
        audiences: ['server', 'client-e2e'],
        severity: ctx.sev,
        codeSeverity: ctx.codeSeverity,
        summary: `${op.operation} with a ${select} that names no ${entity} fails with ${accepted.join(' or ')}.`,
        arb,
        cases: { server: 10, client: 3 },
        async run(t, [id, extra]) {
          t.cover(`rule:${rule.id}`);
          t.refused(await call(t, id, extra), op, accepted, what(id));
        },
      }),
      ruleCheck({
        audiences: ['server', 'client-e2e'],
        severity: ctx.msgSeverity,
        suffix: '.message',
        summary: `${op.operation} with a ${select} that names no ${entity} fails with the documented message of ${accepted.join(' or ')}.`,
        arb,
        cases: { server: 1, client: 1 },
        run: async (t, [id, extra]) => t.messaged(await call(t, id, extra), op, accepted, what(id)),
      }),
      // server only: a legacy error's Data is a wire element no client hands back
      ...(ctx.dataKeys.length
        ? [
            ruleCheck({
              audiences: ['server'],
              severity: ctx.codeSeverity,
              suffix: '.data',
              summary: `${op.operation} with a ${select} that names no ${entity} fails with ${accepted.join(' or ')} and its Data.`,
              arb,
              cases: { server: 1, client: 0 },
              run: async (t, [id, extra]) =>
                expectData(
                  (await call(t, id, extra)).raw as Answered,
                  ctx.dataKeys,
                  { [select]: id },
                  undefined,
                  what(id),
                ),
            }),
          ]
        : []),
    ];
  },
};
