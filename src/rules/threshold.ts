// The threshold rule kind: an entity whose `field` is below `below` cannot be raised by the input
// member `input` to `below` or more (a HIT made with fewer than 10 assignments cannot be
// extended to 10 or more). Check rule.<id> (e2e.<id> through a client): from each `violatedBy`
// state, asking for exactly enough to reach the bound is refused with the rule's error and
// changes nothing.

import type { SpecProblem } from '../spec/load.ts';
import type { RuleSpec, SpecSet } from '../spec/types.ts';
import { guardCheck, onEntity, stateField } from './context.ts';
import type { RuleKindModule } from './types.ts';

/** What a call from `state` asks for: exactly enough to reach the bound; the entity's value. */
function reach(set: SpecSet, entity: string, rule: RuleSpec, state: string) {
  const current = Number(stateField(set, state, entity, rule.field ?? ''));
  return { current, more: (rule.below ?? 0) - current };
}

export const threshold: RuleKindModule = {
  kind: 'threshold',
  schema: {
    required: ['field', 'input', 'below', 'error', 'given', 'violatedBy'],
    properties: {
      field: { type: 'string' },
      input: { type: 'string' },
      below: { type: 'number' },
      violatedBy: { type: 'array', items: { type: 'string' } },
    },
  },
  validate(ctx) {
    const { rule, op } = ctx;
    const out: SpecProblem[] = [];
    if (typeof rule.input === 'string' && !(rule.input in op.input.members))
      out.push(ctx.problem('/input', `${rule.input} is not an input member of ${op.operation}`));
    (rule.violatedBy ?? []).forEach((state, j) => {
      const value = stateField(ctx.set, state, op.behaviour.entity, rule.field ?? '');
      if (typeof value !== 'number' || value >= (rule.below ?? 0))
        out.push(
          ctx.problem(
            `/violatedBy/${j}`,
            `state ${state} does not create a ${op.behaviour.entity} with ${rule.field} below ${rule.below}`,
          ),
        );
    });
    return out;
  },
  execute: onEntity((ctx, rec) => {
    const { rule, call } = ctx;
    const current = Number(rec.fields[rule.field!] ?? 0);
    const more = Number(call.input[rule.input as string] ?? 0);
    const below = rule.below ?? Number.POSITIVE_INFINITY;
    return current < below && current + more >= below
      ? ctx.error(rule.error!, { ...ctx.idValues })
      : undefined;
  }),
  // the model follows statuses, not MaxAssignments: the refusal may come
  predict: (ctx) => ({ maybe: [ctx.rule.error!, ...(ctx.rule.acceptErrors ?? [])] }),
  checks(ctx) {
    const { set, op, rule, entity } = ctx;
    const { field, input: member, below } = rule;
    if (!field || typeof member !== 'string' || below === undefined) return [];
    return guardCheck(ctx, {
      fixed: (state) => ({ [member]: reach(set, entity, rule, state).more }),
      what: (state) => {
        const { current, more } = reach(set, entity, rule, state);
        return `${op.operation} with ${member} ${more} on the ${entity} of provider state ${state} (${field} ${current}, which may not reach ${below})`;
      },
    });
  },
};
