// The children rule kind: the call is refused while the selected entity has a child of `entity`
// in one of `statuses` (a HIT with a submission nobody reviewed cannot be deleted). Check
// rule.<id> (e2e.<id> through a client): from each `violatedBy` state (which makes such a child) the call is refused with
// the rule's error and changes nothing.

import type { SpecProblem } from '../spec/load.ts';
import { childStatusesKnown, guardCheck, onEntity } from './context.ts';
import type { RuleKindModule } from './types.ts';

export const children: RuleKindModule = {
  kind: 'children',
  schema: {
    required: ['entity', 'statuses', 'error', 'given', 'violatedBy'],
    properties: {
      entity: { type: 'string' },
      statuses: { type: 'array', items: { type: 'string' }, minItems: 1 },
      violatedBy: { type: 'array', items: { type: 'string' } },
    },
  },
  validate(ctx) {
    const { rule } = ctx;
    const out: SpecProblem[] = [];
    if (!childStatusesKnown(ctx, out)) return out;
    (rule.violatedBy ?? []).forEach((state, j) => {
      const made = ctx.states[state]?.creates.some(
        (c) => c.entity === rule.entity && c.status !== undefined && (rule.statuses ?? []).includes(c.status),
      );
      if (!made)
        out.push(
          ctx.problem(
            `/violatedBy/${j}`,
            `state ${state} does not create a ${rule.entity} in ${(rule.statuses ?? []).join(', ')}`,
          ),
        );
    });
    return out;
  },
  execute: onEntity((ctx, rec) => {
    const { rule, store, op } = ctx;
    const statuses = rule.statuses ?? [];
    if (!store.childrenOf(rec, rule.entity!).some((c) => statuses.includes(String(store.statusOf(c)))))
      return undefined;
    const allowed = op.behaviour.rules.find((x) => x.kind === 'status')?.allowed ?? [];
    return ctx.error(rule.error!, {
      ...ctx.idValues,
      CurrentState: store.statusOf(rec),
      allowed: allowed.join(', '),
    });
  }),
  // refused while the model knows of a child in one of the statuses; unknown children: it may be
  predict(ctx) {
    const errors = [ctx.rule.error!, ...(ctx.rule.acceptErrors ?? [])];
    if (!ctx.children) return { maybe: errors };
    const statuses = ctx.rule.statuses ?? [];
    return (ctx.children[ctx.rule.entity ?? ''] ?? []).some((s) => statuses.includes(s))
      ? { refuse: errors }
      : undefined;
  },
  checks: (ctx) =>
    guardCheck(ctx, {
      fixed: () => ({}),
      what: (state) =>
        `${ctx.op.operation} on the ${ctx.entity} of provider state ${state}, which has a ${ctx.rule.entity} in ${(ctx.rule.statuses ?? []).join(', ')}`,
    }),
};
