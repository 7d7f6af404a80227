// status: the call is allowed only while the entity is in one of `allowed` (or, for inputs that
// match an `allowedWhen` entry, in its `allowed`); in any other status it is refused with the
// rule's error and changes nothing. `violatedBy` names provider states that break the rule.
import { effectStatus, sev, stateStatus } from '../checks/plan.ts';
import { refusedUnchanged, succeeds } from '../checks/target.ts';
import type { SpecProblem } from '../spec/load.ts';
import type { RuleSpec } from '../spec/types.ts';
import { dataCheck, fromStateCheck, guardCheck, messageCheck, onEntity } from './context.ts';
import { rulesWith } from './index.ts';
import type { RuleKindModule } from './types.ts';

/** The statuses the rule allows for this input (the first matching allowedWhen, else `allowed`). */
export function allowedFor(rule: RuleSpec, input: Record<string, unknown>): string[] {
  for (const w of rule.allowedWhen ?? [])
    if (Object.entries(w.input).every(([k, v]) => input[k] === v)) return w.allowed;
  return rule.allowed ?? [];
}

export const status: RuleKindModule = {
  kind: 'status',
  schema: {
    required: ['allowed', 'error', 'given', 'violatedBy'],
    properties: {
      allowed: { type: 'array', items: { type: 'string' }, minItems: 1 },
      allowedWhen: {
        type: 'array',
        items: {
          type: 'object',
          required: ['input', 'allowed', 'basis'],
          properties: {
            input: { type: 'object' },
            allowed: { type: 'array', items: { type: 'string' } },
            given: { type: 'string' },
            basis: { $ref: '#/definitions/basis' },
          },
        },
      },
      violatedBy: { type: 'array', items: { type: 'string' } },
    },
  },

  validate(ctx) {
    const { rule: r, ent, op, states } = ctx;
    const out: SpecProblem[] = [];
    const values = ent.status?.values ?? [];
    for (const v of r.allowed ?? [])
      if (!values.includes(v))
        out.push(ctx.problem('/allowed', `${v} is not a status of ${op.behaviour.entity}`));
    for (const [j, s] of (r.violatedBy ?? []).entries()) {
      const made = states[s]?.creates.find((c) => c.entity === op.behaviour.entity)?.status;
      if (made === undefined || (r.allowed ?? []).includes(made))
        out.push(
          ctx.problem(
            `/violatedBy/${j}`,
            `state ${s} does not create a ${op.behaviour.entity} outside the allowed statuses`,
          ),
        );
    }
    return out;
  },

  execute: onEntity((ctx, rec) => {
    const allowed = allowedFor(ctx.rule, ctx.call.input);
    const current = ctx.store.statusOf(rec);
    return allowed.includes(String(current))
      ? undefined
      : // (Object.assign: members added to a spread copy made V8 a new map on every refusal)
        ctx.error(ctx.rule.error!, Object.assign({}, ctx.idValues, { allowed, CurrentState: current }));
  }),

  predict(ctx) {
    const { rule, status: current } = ctx;
    if (current === undefined || allowedFor(rule, ctx.input).includes(current)) return undefined;
    return { refuse: [rule.error, ...(rule.acceptErrors ?? [])].filter((x): x is string => !!x) };
  },

  checks(ctx) {
    const { set, op, rule, entity, accepted } = ctx;
    const on = (state: string | undefined) => `${op.operation} on the ${entity} of provider state ${state}`;
    const notViolated = (state: string, input: Record<string, unknown>) => {
      const current = stateStatus(set, state, entity);
      if (current !== undefined && allowedFor(rule, input).includes(current))
        return `the generated input allows status ${current} (allowedWhen); no violating input for ${state}`;
      return undefined;
    };
    // a repeat meets a changed status only when a rule moves the entity out of the allowed ones
    const leaves = rulesWith(op, 'changes').some((r) => {
      const next = effectStatus(r, ctx.ent);
      if (next === undefined) return r.kind !== 'effect';
      return !next.startsWith('$') && !(rule.allowed ?? []).includes(next);
    });
    const given = rule.given;
    return [
      ...guardCheck(ctx, {
        what: (state) => `${on(state)} (allowed: ${(rule.allowed ?? []).join(', ')})`,
        made: (state) => stateStatus(set, state, entity),
        notViolated,
      }),
      ...messageCheck(ctx, rule.violatedBy ?? [], on, { notViolated }),
      ...dataCheck(ctx, rule.violatedBy ?? [], on),
      ...(given && leaves
        ? [
            fromStateCheck(
              ctx,
              given,
              `A second ${on(given)} fails with ${accepted.join(' or ')} and leaves the ${entity} as the first one left it.`,
              async (t, input, ids) => {
                t.cover(`rule:${rule.id}:repeat`);
                await succeeds(t, op, input, `The first ${on(given)}`, 'first call');
                const what = `A second ${op.operation} on the same ${entity}`;
                await refusedUnchanged(t, op, ids, input, accepted, what, { label: 'second call' });
              },
              { severity: ctx.codeSeverity, suffix: '.repeat' },
            ),
          ]
        : []),
      ...(rule.allowedWhen ?? []).map((w, i) => {
        const what = `${op.operation} with ${JSON.stringify(w.input)} on the ${entity} of provider state ${w.given ?? given} (allowed: ${w.allowed.join(', ')})`;
        return fromStateCheck(
          ctx,
          w.given ?? given!,
          `${what} succeeds.`,
          async (t, input) => {
            t.cover(`rule:${rule.id}:allowedWhen:${i}`);
            await succeeds(t, op, { ...input, ...w.input }, what);
          },
          { severity: sev(w.basis), suffix: `.allowed-when.${i}` },
        );
      }),
    ];
  },
};
