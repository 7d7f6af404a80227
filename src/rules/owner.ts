// owner: only the requester who owns the entity (or the root of its parent chain) may call; a
// call signed by another requester is refused with the rule's error and changes nothing.
import { idInput, stateStatus } from '../checks/plan.ts';
import { refusedUnchanged, ruleCheck } from '../checks/target.ts';
import { requiredInput } from '../client-checks/e2e-support.ts';
import { messageCheck, onEntity } from './context.ts';
import type { RuleKindModule } from './types.ts';

export const owner: RuleKindModule = {
  kind: 'owner',
  schema: { required: ['error', 'given'] },
  signer: true,

  execute: onEntity((ctx, rec) => {
    return ctx.store.ownerOf(rec) !== ctx.call.accessKeyId
      ? ctx.error(ctx.rule.error!, { ...ctx.idValues })
      : undefined;
  }),

  predict: (ctx) => (ctx.as !== 0 && ctx.rule.error ? { refuse: [ctx.rule.error] } : undefined),

  checks(ctx) {
    const { set, op, rule, entity, accepted, ent } = ctx;
    if (!rule.error || !rule.given) return [];
    const given = rule.given;
    const observable = ent.observe?.[op.api] !== undefined;
    return [
      ruleCheck({
        audiences: ['server', 'client-e2e'],
        severity: ctx.sev,
        codeSeverity: ctx.codeSeverity,
        summary: `${op.operation} on the ${entity} of provider state ${given}, owned by another requester than the caller, fails with ${accepted.join(' or ')}${observable ? `, and the owner still observes the ${entity} as it was` : ''}.`,
        arb: requiredInput(set, op),
        shrinkBudget: 3,
        cases: { server: 1, client: 2 },
        async run(t, extra) {
          // the state belongs to another requester; the caller signs the call; the owner observes
          const ids = await t.state(given, 'other');
          t.cover(`rule:${rule.id}`);
          const what = `${op.operation} on the ${entity} of provider state ${given}, signed by another requester than its owner,`;
          const input = { ...extra, ...idInput(set, op, ids, extra) };
          const made = stateStatus(set, given, entity);
          await refusedUnchanged(t, op, ids, input, accepted, what, {
            label: 'call by a non-owner',
            by: 'other',
            made,
          });
        },
      }),
      // the state belongs to another requester; the caller signs the call
      ...messageCheck(ctx, [given], () => `${op.operation} signed by another requester than the owner`, {
        owner: 'other',
      }),
    ];
  },
};
