// status: the call is allowed only while the entity is in one of `allowed` (or, for inputs that
// match an `allowedWhen` entry, in its `allowed`); in any other status it is refused with the
// rule's error and changes nothing. `violatedBy` names provider states that break the rule.
import { expectMessage, expectSuccess } from '../checks/judge.ts';
import { effectStatus, minimalInput, sev, stateStatus } from '../checks/plan.ts';
import { everyCase, expectData, freshIds } from '../checks/rule-support.ts';
import type { Session } from '../checks/session.ts';
import { refusedUnchanged, serverTarget } from '../checks/target.ts';
import type { SpecProblem } from '../spec/load.ts';
import type { RuleSpec } from '../spec/types.ts';
import { guardCheck, onEntity } from './context.ts';
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

  checks: (ctx) =>
    guardCheck(ctx, {
      what: (state) =>
        `${ctx.op.operation} on the ${ctx.entity} of provider state ${state} (allowed: ${(ctx.rule.allowed ?? []).join(', ')})`,
      made: (state) => stateStatus(ctx.set, state, ctx.entity),
      notViolated(state, input) {
        const current = stateStatus(ctx.set, state, ctx.entity);
        if (current !== undefined && allowedFor(ctx.rule, input).includes(current))
          return `the generated input allows status ${current} (allowedWhen); no violating input for ${state}`;
        return undefined;
      },
    }),

  serverChecks(ctx) {
    const { set, op, rule, entity, accepted } = ctx;
    const api = op.api;
    const violated = rule.violatedBy ?? [];
    const on = (state: string | undefined) => `${op.operation} on the ${entity} of provider state ${state}`;
    const callIn = async (s: Session, state: string) => {
      const ids = await freshIds(s, op, state);
      const input = minimalInput(set, op, ids, s.config.seed);
      return { ids, input, ex: await s.call(api, op.operation, input, { label: state }) };
    };
    // every violating state is tried, each failing one reported (one right answer hides no wrong one)
    const eachState = (body: (state: string) => Promise<void>) =>
      everyCase(violated, (x) => `state ${x}`, body);
    if (violated.length) {
      ctx.add(`rule.${rule.id}.message`, ctx.msgSeverity, async (s) => {
        await eachState(async (state) =>
          expectMessage(set, api, (await callIn(s, state)).ex, accepted, on(state)),
        );
      });
    }
    if (violated.length && ctx.dataKeys.length)
      ctx.add(`rule.${rule.id}.data`, ctx.codeSeverity, async (s) => {
        await eachState(async (state) => {
          const { ex, input } = await callIn(s, state);
          expectData(ex, ctx.dataKeys, input, stateStatus(set, state, entity), on(state));
        });
      });
    // a repeat meets a changed status only when a rule moves the entity out of the allowed ones
    const leaves = rulesWith(op, 'changes').some((r) => {
      const next = effectStatus(r, ctx.ent);
      if (next === undefined) return r.kind !== 'effect';
      return !next.startsWith('$') && !(rule.allowed ?? []).includes(next);
    });
    if (rule.given && leaves)
      ctx.add(`rule.${rule.id}.repeat`, ctx.codeSeverity, async (s) => {
        const ids = await freshIds(s, op, rule.given);
        const input = minimalInput(set, op, ids, s.config.seed);
        s.cover(`rule:${rule.id}:repeat`);
        const first = await s.call(api, op.operation, input, { label: 'first call' });
        expectSuccess(set, op, first, `The first ${on(rule.given)}`);
        const what = `A second ${op.operation} on the same ${entity}`;
        await refusedUnchanged(serverTarget(s, api), op, ids, input, accepted, what, {
          label: 'second call',
        });
      });
    (rule.allowedWhen ?? []).forEach((w, i) => {
      ctx.add(`rule.${rule.id}.allowed-when.${i}`, sev(w.basis), async (s) => {
        const ids = await freshIds(s, op, w.given ?? rule.given);
        const input = minimalInput(set, op, ids, s.config.seed, w.input);
        s.cover(`rule:${rule.id}:allowedWhen:${i}`);
        const ex = await s.call(api, op.operation, input);
        expectSuccess(
          set,
          op,
          ex,
          `${op.operation} with ${JSON.stringify(w.input)} on the ${entity} of provider state ${w.given ?? rule.given} (allowed: ${w.allowed.join(', ')})`,
        );
      });
    });
  },
};
