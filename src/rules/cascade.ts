// The cascade rule kind: every child (of `entity`) of the selected entity in one of `statuses`
// gets the fields `set` gives and draws `amount` on the caller's balance (model `account`);
// without the funds for all of them the call is refused with `error` and changes nothing (the
// legacy DisableHIT approves, and pays, every submitted assignment of the HIT before disposing of
// it). `amount` reads the selected entity (`$field.Reward`). Check rule.<id>: from `given` (a
// state whose children cost at least LARGE_CHARGE), the balance drops by at least the amount of
// every child the state makes in those statuses.
import { minimalInput, sev } from '../checks/plan.ts';
import { CheckFailure } from '../checks/session.ts';
import { fromCents, toCents } from '../emulator/store.ts';
import type { SpecProblem } from '../spec/load.ts';
import { accountOf, draw, LARGE_CHARGE, paidOnce, payerState } from './charge.ts';
import { childStatusesKnown, onEntity, stateFields } from './context.ts';
import type { RuleKindModule, ServerRuleContext } from './types.ts';
import { effectValue, evalValue, fieldName } from './values.ts';

function cascadeChecks(ctx: ServerRuleContext): void {
  const { set, op, rule } = ctx;
  const api = op.api;
  const given = rule.given;
  if (!given || !rule.amount) return;
  ctx.add(`rule.${rule.id}`, sev(rule.basis), async (s) => {
    // what the state makes: the selected entity's literal fields, and its children in the statuses
    const entity = op.behaviour.entity;
    const fields = stateFields(set, given, entity);
    const count = (set.model.states[given]?.creates ?? []).filter(
      (c) => c.entity === rule.entity && c.status !== undefined && (rule.statuses ?? []).includes(c.status),
    ).length;
    const each = toCents(String(evalValue(rule.amount, { input: {}, now: new Date(), fields }) ?? ''));
    const amount = count * each;
    if (!Number.isFinite(amount) || amount < toCents(LARGE_CHARGE))
      throw new Error(
        `${op.operation}: the state ${given} makes ${count} ${rule.entity} of ${fromCents(each)}; the check needs ${LARGE_CHARGE} in all`,
      );
    const { ids, as } = await payerState(s, op, given);
    const account = await accountOf(s, set, api, as);
    const input = minimalInput(set, op, ids, s.config.seed);
    const { before, after } = await paidOnce(s, op, rule.id, input, amount, account, as);
    if (before - after < amount)
      throw new CheckFailure(
        `After ${op.operation} on the ${entity} of provider state ${given}, with ${count} ${rule.entity} in ${(rule.statuses ?? []).join(', ')} at ${fromCents(each)}, ${account.path} must drop by at least ${fromCents(amount)}, but it went from ${fromCents(before)} to ${fromCents(after)}.`,
      );
  });
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
  serverChecks: cascadeChecks,
};
