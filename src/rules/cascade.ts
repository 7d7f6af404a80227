// The cascade rule kind: every child (of `entity`) of the selected entity in one of `statuses`
// gets the fields `set` gives and draws `amount` on the caller's balance (model `account`);
// without the funds for all of them the call is refused with `error` and changes nothing (the
// legacy DisableHIT approves, and pays, every submitted assignment of the HIT before disposing of
// it). `amount` reads the selected entity (`$field.Reward`). Check rule.<id> (e2e.<id> through a
// client): from `given` (a state whose children cost at least LARGE_CHARGE), the caller's balance
// drops by at least the amount of every child the state makes in those statuses.
import type { RuleCheck } from '../checks/target.ts';
import { fromCents, toCents } from '../emulator/store.ts';
import type { SpecProblem } from '../spec/load.ts';
import { accountOn, draw, LARGE_CHARGE, paidOnceOn } from './charge.ts';
import { childStatusesKnown, fromStateCheck, onEntity, stateFields } from './context.ts';
import type { RuleContext, RuleKindModule } from './types.ts';
import { effectValue, evalValue, fieldName } from './values.ts';

function cascadeChecks(ctx: RuleContext): RuleCheck[] {
  const { set, op, rule } = ctx;
  const given = rule.given;
  if (!given || !rule.amount) return [];
  // what the state makes: the selected entity's literal fields, and its children in the statuses
  const entity = op.behaviour.entity;
  const fields = stateFields(set, given, entity);
  const count = (set.model.states[given]?.creates ?? []).filter(
    (c) => c.entity === rule.entity && c.status !== undefined && (rule.statuses ?? []).includes(c.status),
  ).length;
  const each = toCents(String(evalValue(rule.amount, { input: {}, now: new Date(), fields }) ?? ''));
  const amount = count * each;
  const children = `${count} ${rule.entity} in ${(rule.statuses ?? []).join(', ')} at ${fromCents(each)}`;
  return [
    fromStateCheck(
      ctx,
      given,
      `${op.operation} on the ${entity} of provider state ${given}, with ${children}, lowers the caller's balance by at least their cost.`,
      async (t, input) => {
        if (!Number.isFinite(amount) || amount < toCents(LARGE_CHARGE))
          throw new Error(
            `${op.operation}: the state ${given} makes ${count} ${rule.entity} of ${fromCents(each)}; the check needs ${LARGE_CHARGE} in all`,
          );
        const account = accountOn(t);
        const { before, after } = await paidOnceOn(t, op, rule.id, input, amount, account);
        if (before - after < amount)
          t.fail(
            `After ${op.operation} on the ${entity} of provider state ${given}, with ${children}, ${account.path} must drop by at least ${fromCents(amount)}, but it went from ${fromCents(before)} to ${fromCents(after)}`,
          );
      },
      // a fresh requester pays, where the target makes one (a client signs as itself); every try
      // pays the amount, and no generated value bears on it: nothing is shrunk
      { isolate: true, shrinkBudget: 0 },
    ),
  ];
}

export const cascade: RuleKindModule = {
  kind: 'cascade',
  schema: {
    required: ['entity', 'statuses', 'amount', 'error', 'given'],
    properties: {
      entity: { type: 'string' },
      statuses: { type: 'array', items: { type: 'string' }, minItems: 1 },
      set: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      amount: { type: 'string' },
    },
  },
  validate(ctx) {
    const { rule } = ctx;
    const out: SpecProblem[] = [];
    if (!childStatusesKnown(ctx, out)) return out;
    for (const field of Object.keys(rule.set ?? {}))
      if (field !== '$status' && !ctx.fieldKnownOf(rule.entity!, field))
        out.push(ctx.problem(`/set/${field}`, `${field} is not a field of ${rule.entity}`));
    if (!ctx.set.model.account) out.push(ctx.problem('/amount', 'model.json has no account to draw on'));
    return out;
  },
  execute: onEntity((ctx, rec) => {
    const { rule, store } = ctx;
    const childSpec = ctx.set.model.entities[rule.entity!];
    const kids = store
      .childrenOf(rec, rule.entity!)
      .filter((c) => (rule.statuses ?? []).includes(String(store.statusOf(c))));
    if (!kids.length) return undefined;
    for (const kid of kids) {
      const from = { now: ctx.now, input: ctx.call.input, status: store.statusOf(kid) };
      const fields: Record<string, unknown> = {};
      for (const [field, v] of Object.entries(rule.set ?? {})) {
        const x = effectValue(v, from);
        if (x) fields[fieldName(field, childSpec)] = x.value;
      }
      ctx.pending.push({ rec: kid, fields });
    }
    const each = toCents(
      String(evalValue(rule.amount, { input: ctx.call.input, now: ctx.now, fields: rec.fields }) ?? ''),
    );
    return Number.isFinite(each) ? draw(ctx, each * kids.length) : undefined;
  }),
  // the model follows statuses, not the balance (a server's own, spent by other checks and runs):
  // the documented refusal for want of funds may come whenever the cascade pays
  predict: (ctx) => ({ maybe: [ctx.rule.error!] }),
  checks: cascadeChecks,
};
