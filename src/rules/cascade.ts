// The cascade rule kind: every child (of `entity`) of the selected entity in one of `statuses`
// gets the fields `set` gives and draws `amount` on the caller's balance (model `account`);
// without the funds for all of them the call is refused with `error` and changes nothing (the
// legacy DisableHIT approves, and pays, every submitted assignment of the HIT before disposing of
// it). `amount` reads the selected entity (`$field.Reward`). Check rule.<id>: from `given` (a
// state whose children cost at least LARGE_CHARGE), the balance drops by at least the amount of
// every child the state makes in those statuses.
import { expectSuccess } from '../checks/judge.ts';
import { minimalInput, sev } from '../checks/plan.ts';
import { CheckFailure, NotRun } from '../checks/session.ts';
import { fromCents, toCents } from '../emulator/store.ts';
import type { SpecProblem } from '../spec/load.ts';
import { outputMembers } from '../spec/resolve.ts';
import { balanceOf, LARGE_CHARGE, oneAtATime, payerState } from './charge.ts';
import { stateField } from './context.ts';
import type { RuleKindModule, ServerRuleContext } from './types.ts';
import { effectValue, evalValue, fieldName } from './values.ts';

function cascadeChecks(ctx: ServerRuleContext): void {
  const { set, op, rule } = ctx;
  const api = op.api;
  const given = rule.given;
  if (!given || !rule.amount) return;
  ctx.add(`rule.${rule.id}`, sev(rule.basis), async (s) => {
    await s.requireApi(api);
    const observe = set.model.account?.observe ?? {};
    const readApi = observe[api] ? api : ((Object.keys(observe)[0] as typeof api | undefined) ?? api);
    const o = observe[readApi];
    if (!o || !set.apis[readApi].operations.has(o.operation))
      throw new NotRun('the account balance cannot be read (model.json account names no observe operation)');
    await s.requireApi(readApi);
    const readOp = set.apis[readApi].operations.get(o.operation)!;
    const balance = async (label: string) => {
      const ex = await s.call(readApi, o.operation, {}, { label, as });
      const out = expectSuccess(set, readOp, ex, o.operation);
      // a money structure (the legacy Price) shows its amount in its amount member
      const m = outputMembers(set, readOp).find((x) => x.name === o.path);
      const raw = out[o.path];
      const shown =
        m?.money && raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[m.money.amount] : raw;
      const cents = toCents(String(shown ?? ''));
      if (!Number.isFinite(cents))
        throw new CheckFailure(
          `${o.operation} must show ${o.path} as an amount, but it is ${JSON.stringify(shown)}.`,
          ex,
        );
      return cents;
    };
    // what the state makes: the selected entity's literal fields, and its children in the statuses
    const entity = op.behaviour.entity;
    const fields: Record<string, unknown> = {};
    for (const f of Object.keys(set.model.entities[entity]?.fields ?? {}))
      fields[f] = stateField(set, given, entity, f);
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
    const input = minimalInput(set, op, ids, s.config.seed);
    const { before, after } = await oneAtATime(async () => {
      const before = await balance('balance before');
      if (before < amount)
        throw new NotRun(`the balance (${fromCents(before)}) cannot pay ${fromCents(amount)}`);
      s.cover(`rule:${rule.id}`);
      expectSuccess(
        set,
        op,
        await s.call(api, op.operation, input, { as }),
        `${op.operation} (a valid call)`,
      );
      return { before, after: await balance('balance after') };
    });
    if (before - after < amount)
      throw new CheckFailure(
        `After ${op.operation} on the ${entity} of provider state ${given}, with ${count} ${rule.entity} in ${(rule.statuses ?? []).join(', ')} at ${fromCents(each)}, ${o.path} must drop by at least ${fromCents(amount)}, but it went from ${fromCents(before)} to ${fromCents(after)}.`,
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
    const { rule, op, set } = ctx;
    const out: SpecProblem[] = [];
    const problem = (pointer: string, message: string) =>
      out.push({ file: ctx.file, pointer: `${ctx.pointer}${pointer}`, message });
    const child = set.model.entities[rule.entity ?? ''];
    if (!child || child.parent?.entity !== op.behaviour.entity) {
      problem('/entity', `${rule.entity} is not a child of ${op.behaviour.entity}`);
      return out;
    }
    for (const st of rule.statuses ?? [])
      if (!child.status?.values.includes(st)) problem('/statuses', `${st} is not a status of ${rule.entity}`);
    for (const field of Object.keys(rule.set ?? {}))
      if (field !== '$status' && !ctx.fieldKnownOf(rule.entity!, field))
        problem(`/set/${field}`, `${field} is not a field of ${rule.entity}`);
    if (!set.model.account) problem('/amount', 'model.json has no account to draw on');
    return out;
  },
  execute(ctx) {
    const missing = ctx.needEntity();
    if (missing) return missing;
    const { rule, store } = ctx;
    const rec = ctx.rec!;
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
    const account = ctx.set.model.account;
    if (!Number.isFinite(each) || !account) return undefined;
    const owner = ctx.call.accessKeyId;
    const total = each * kids.length;
    if (balanceOf(ctx.set, store, owner) < total) return ctx.error(rule.error!, { ...ctx.idValues });
    ctx.commits.push(() =>
      store.update(store.accountOf(account.entity, owner), {
        [account.field]: fromCents(balanceOf(ctx.set, store, owner) - total),
      }),
    );
    return undefined;
  },
  // the model follows statuses, not the balance (a server's own, spent by other checks and runs):
  // the documented refusal for want of funds may come whenever the cascade pays
  predict: (ctx) => ({ maybe: [ctx.rule.error!] }),
  serverChecks: cascadeChecks,
};
