// The update rule kind: the call changes a child of the selected entity that the input names by
// `match` (a Worker's grant of a qualification type, by WorkerId): none matching is refused with
// `error`; one outside `allowed` with `statusError`; otherwise its fields become `set` (the value
// language) once every rule passed. Checks:
//   rule.<id>          from `given` the call succeeds, and the same call again meets the changed
//                      child: refused with `statusError` when `set` moves it out of `allowed`
//                      (a revoked grant), else it succeeds again (a rescored grant stays Granted)
//                      and the child shows the change; e2e.<id> the same through a client, where
//                      the rule names its statusError;
//   rule.<id>.unknown  a match naming no child is refused with `error`.
import fc from 'fast-check';
import { idInput, sev } from '../checks/plan.ts';
import { type RuleTarget, ruleCheck, succeeds } from '../checks/target.ts';
import { requiredInput } from '../client-checks/e2e-support.ts';
import type { SpecProblem } from '../spec/load.ts';
import { apiFieldName, errorSpec } from '../spec/resolve.ts';
import { onEntity, unknownIdOf } from './context.ts';
import type { RuleContext, RuleKindModule } from './types.ts';
import { evalValue, evalValues } from './values.ts';

function matchInput(rule: RuleContext['rule']): string[] {
  return Object.values(rule.match ?? {}).flatMap((v) =>
    v.startsWith('$input.') ? [v.slice('$input.'.length)] : [],
  );
}

/** Whether the rule's `set` moves the changed child out of its `allowed` statuses (a repeat is refused). */
function leavesAllowed(set: RuleContext['set'], rule: RuleContext['rule']): boolean {
  const field = set.model.entities[rule.entity ?? '']?.status?.field;
  const to = field !== undefined ? rule.set?.[field] : undefined;
  return rule.allowed !== undefined && to !== undefined && !rule.allowed.includes(String(to));
}

/**
 * The changed child read back (model observe) by the state's ids shows the values `set` gives it
 * from the input or as literals (a rescored grant's IntegerValue); a child the API cannot observe
 * makes the check not-run rather than passed.
 */
async function expectChanged(
  t: RuleTarget,
  ctx: RuleContext,
  ids: Record<string, string>,
  input: Record<string, unknown>,
): Promise<void> {
  const { set, op, rule } = ctx;
  const entity = rule.entity ?? '';
  if (!set.model.entities[entity]?.observe?.[op.api])
    t.notRun(`${entity} cannot be observed in ${op.api} (model.json names no observe operation)`);
  const obs = await t.observe(entity, ids);
  if (!obs.present)
    t.fail(
      `After ${op.operation}, the ${entity} it changed must still be there, but reading it back finds none`,
      obs.raw,
    );
  for (const [field, v] of Object.entries(rule.set ?? {})) {
    if (typeof v === 'string' && v.startsWith('$') && !v.startsWith('$input.')) continue;
    const want = evalValue(v, { input, now: new Date() });
    if (want === undefined) continue;
    const name = apiFieldName(set, op.api, entity, field);
    if (String(obs.entity?.[name]) !== String(want))
      t.fail(
        `After ${op.operation}, the ${entity}'s ${name} must be ${JSON.stringify(want)}, but it is ${JSON.stringify(obs.entity?.[name])}`,
        obs.raw,
      );
  }
}

export const update: RuleKindModule = {
  kind: 'update',
  schema: {
    required: ['entity', 'match', 'set', 'error', 'given'],
    properties: {
      entity: { type: 'string' },
      match: { type: 'object', additionalProperties: { type: 'string' } },
      allowed: { type: 'array', items: { type: 'string' }, minItems: 1 },
      statusError: { type: 'string' },
      set: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
    },
  },
  // it makes or changes another entity than the one the stateful model follows
  namesOther: true,
  validate(ctx) {
    const { rule, op, set } = ctx;
    const out: SpecProblem[] = [];
    const child = set.model.entities[rule.entity ?? ''];
    if (child?.parent?.entity !== op.behaviour.entity)
      out.push(ctx.problem('/entity', `${rule.entity} is not a child of ${op.behaviour.entity}`));
    for (const f of Object.keys(rule.set ?? {}))
      if (!ctx.fieldKnownOf(rule.entity ?? '', f))
        out.push(ctx.problem(`/set/${f}`, `${f} is not a field of ${rule.entity}`));
    if (rule.statusError && !set.errors.errors[rule.statusError])
      out.push(ctx.problem('/statusError', `unknown error ${rule.statusError}`));
    return out;
  },
  execute: onEntity((ctx, rec) => {
    const { rule, store, call } = ctx;
    const env = { input: call.input, now: ctx.now };
    const want = Object.entries(rule.match ?? {}).map(([f, v]) => [f, evalValue(v, env)] as const);
    const child = store.childrenOf(rec, rule.entity!).find((c) => want.every(([f, v]) => c.fields[f] === v));
    if (!child) return ctx.error(rule.error!, { ...ctx.idValues, ...Object.fromEntries(want) });
    const current = String(store.statusOf(child));
    if (rule.allowed && !rule.allowed.includes(current))
      return ctx.error(rule.statusError ?? rule.error!, {
        ...ctx.idValues,
        ...Object.fromEntries(want),
        allowed: rule.allowed,
        CurrentState: current,
      });
    ctx.pending.push({ rec: child, fields: evalValues(rule.set ?? {}, { ...env, fields: child.fields }) });
    return undefined;
  }),
  // the model follows the selected entity, not its children: either refusal may come
  predict: (ctx) => ({
    maybe: [
      ctx.rule.error!,
      ...(ctx.rule.statusError ? [ctx.rule.statusError] : []),
      ...(ctx.rule.acceptErrors ?? []),
    ],
  }),
  checks(ctx) {
    const { set, op, rule } = ctx;
    if (!rule.given || !rule.error) return [];
    const given = rule.given;
    const statusError = leavesAllowed(set, rule) ? rule.statusError : undefined;
    const head = { arb: requiredInput(set, op), shrinkBudget: 3 };
    // rule.<id>; e2e.<id> where the rule names its status error
    const changes = ruleCheck({
      ...head,
      audiences: rule.statusError ? ['server', 'client-e2e'] : ['server'],
      severity: ctx.sev,
      codeSeverity: statusError ? sev(rule.basis, errorSpec(set, statusError).basis) : ctx.sev,
      summary: statusError
        ? `${op.operation} from provider state ${given} succeeds, and the same call again fails with ${statusError}.`
        : `${op.operation} from provider state ${given} succeeds, and so does the same call again (the ${rule.entity} stays ${rule.allowed?.join(', ') ?? 'allowed'}); the ${rule.entity} shows the change.`,
      cases: { server: 1, client: 2 },
      async run(t, extra) {
        const ids = await t.state(given);
        t.cover(`rule:${rule.id}`);
        const input = { ...extra, ...idInput(set, op, ids, extra) };
        if (statusError) {
          await succeeds(t, op, input, `${op.operation} from provider state ${given}`, 'first');
          const again = await t.call(op, input, 'again');
          t.refused(again, op, [statusError], `${op.operation} again on the ${rule.entity} it changed`);
          return;
        }
        for (const label of ['first', 'again'])
          await succeeds(
            t,
            op,
            input,
            `${op.operation} from provider state ${given} (${label}: the ${rule.entity} stays in ${rule.allowed?.join(', ') ?? 'its status'})`,
            label,
          );
        await expectChanged(t, ctx, ids, input);
      },
    });
    const member = matchInput(rule)[0];
    if (!member) return [changes];
    const unknown = ruleCheck({
      shrinkBudget: 3,
      audiences: ['server'],
      name: `rule.${rule.id}.unknown`,
      severity: ctx.sev,
      codeSeverity: ctx.codeSeverity,
      summary: `${op.operation} with a ${member} that names no ${rule.entity} fails with ${ctx.accepted.join(' or ')}.`,
      arb: fc.tuple(unknownIdOf(set, op, rule.entity ?? '', member), requiredInput(set, op)),
      cases: { server: 1, client: 0 },
      async run(t, [id, extra]) {
        const ids = await t.state(given);
        t.cover(`rule:${rule.id}:unknown`);
        const input = { ...extra, ...idInput(set, op, ids, extra), [member]: id };
        const c = await t.call(op, input);
        t.refused(c, op, ctx.accepted, `${op.operation} with a ${member} that names no ${rule.entity}`);
      },
    });
    return [changes, unknown];
  },
};
