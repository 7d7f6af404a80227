// The charge rule kind: the call draws an amount (a value of the value language, e.g.
// `$input.BonusAmount`) from the caller's account balance; without enough funds it is refused
// with the rule's error. A server's balance is finite and unknown, so valid inputs ask for modest
// amounts (1 cent to 1 dollar): a valid call must not fail for want of funds.
import fc from 'fast-check';
import { idInput } from '../checks/plan.ts';
import { type RuleCheck, type RuleTarget, ruleCheck, succeeds } from '../checks/target.ts';
import { requiredInput } from '../client-checks/e2e-support.ts';
import type { Store } from '../emulator/store.ts';
import { fromCents, toCents } from '../emulator/store.ts';
import { amountOf, inputMembers, moneyAsAmounts, moneyValue, outputMembers } from '../spec/resolve.ts';
import type { OperationSpec, SpecSet } from '../spec/types.ts';
import type { ErrorOutcome } from '../wire/codec.ts';
import { stateFields } from './context.ts';
import type { EngineContext, RuleContext, RuleKindModule } from './types.ts';
import { evalValue, inputsOf } from './values.ts';

/** The input members whose value is charged. */
export function chargedMembers(op: OperationSpec): string[] {
  return op.behaviour.rules.flatMap((r) => (r.kind === 'charge' ? inputsOf(r.amount) : []));
}

/** A modest amount: 0.01 to 1.00 in the two-decimal form. */
export function modestAmount(): fc.Arbitrary<string> {
  return fc
    .integer({ min: 1, max: 100 })
    .map((c) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`);
}

/** The requester's balance in cents: its account's field, or the model's opening value. */
export function balanceOf(set: SpecSet, store: Store, owner: string): number {
  const account = set.model.account;
  if (!account) return 0;
  const rec = store.listOwned(account.entity, owner)[0];
  return toCents(
    String(rec ? rec.fields[account.field] : set.model.entities[account.entity]?.fields[account.field]),
  );
}

/**
 * Draws `cents` on the caller's balance once the call goes through (the account is made, from
 * the model's fields, only then); without the funds the call is refused with the rule's error.
 */
export function draw(ctx: EngineContext, cents: number): ErrorOutcome | undefined {
  const { set, store } = ctx;
  const account = set.model.account;
  if (!account) return undefined;
  const owner = ctx.call.accessKeyId;
  if (balanceOf(set, store, owner) < cents) return ctx.error(ctx.rule.error!, { ...ctx.idValues });
  ctx.commits.push(() =>
    store.update(store.accountOf(account.entity, owner), {
      [account.field]: fromCents(balanceOf(set, store, owner) - cents),
    }),
  );
  return undefined;
}

let queue: Promise<unknown> = Promise.resolve();
/** Runs `fn` after every earlier call of it finished (a failure does not block the next). */
export function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

/** What a charge check pays: far more than all the other checks of a run pay meanwhile. */
export const LARGE_CHARGE = '500.00';

/** The caller's balance as a check reads it: the member shown and a reading in cents. */
export interface AccountReader {
  path: string;
  balance(label: string): Promise<number>;
}

/** The caller's balance, read through the model's account observation in the target's API. */
export function accountOn(t: RuleTarget): AccountReader {
  const o = t.set.model.account?.observe?.[t.api];
  const readOp = o && t.set.apis[t.api].operations.get(o.operation);
  if (!o || !readOp)
    return t.notRun(
      `the account balance cannot be read in ${t.api} (model.json account names no observe operation)`,
    );
  return {
    path: o.path,
    async balance(label) {
      const c = await t.call(readOp, {}, label);
      const out = t.succeeded(c, readOp, o.operation);
      // a legacy balance is a Price: its amount is what drops
      const shown = amountOf(
        out[o.path],
        outputMembers(t.set, readOp).find((m) => m.name === o.path),
      );
      const cents = toCents(String(shown ?? ''));
      if (!Number.isFinite(cents))
        t.fail(`${o.operation} must show ${o.path} as an amount, but it is ${JSON.stringify(shown)}`, c.raw);
      return cents;
    },
  };
}

/**
 * The balance before and after one valid call of `op` that costs `amount` (cents). The large
 * payments of two checks must not overlap: one at a time in this process.
 */
export function paidOnceOn(
  t: RuleTarget,
  op: OperationSpec,
  ruleId: string,
  input: Record<string, unknown>,
  amount: number,
  account: AccountReader,
): Promise<{ before: number; after: number }> {
  return oneAtATime(async () => {
    const before = await account.balance('balance before');
    if (before < amount) t.notRun(`the balance (${fromCents(before)}) cannot pay ${fromCents(amount)}`);
    t.cover(`rule:${ruleId}`);
    await succeeds(t, op, input, `${op.operation} (a valid call)`);
    return { before, after: await account.balance('balance after') };
  });
}

/**
 * Check rule.<id> on a server, e2e.<id> through a client: the caller's AvailableBalance (read
 * through the model's account observation) drops by at least the amount of a successful call.
 * Other checks run alongside and only ever draw on the balance, at most a dollar a call, so the
 * check pays a large amount (LARGE_CHARGE: the charged input member, or the rule's `given` state
 * makes the entity that costly): a server that does not charge this call cannot make up the drop
 * from the others' payments. A server pays from a fresh requester's balance, where it makes one
 * (a client signs as itself: its balance may be spent, and the check is then not run).
 */
function chargeChecks(ctx: RuleContext): RuleCheck[] {
  const { set, op, rule } = ctx;
  const given = rule.given;
  if (!given) return [];
  const members = inputMembers(set, op);
  const large = Object.fromEntries(
    chargedMembers(op).map((m) => [
      m,
      moneyValue(
        set,
        members.find((x) => x.name === m),
        LARGE_CHARGE,
      ),
    ]),
  );
  const entity = op.behaviour.entity;
  const parentEntity = set.model.entities[entity]?.parent?.entity;
  return [
    ruleCheck({
      audiences: ['server', 'client-e2e'],
      severity: ctx.sev,
      summary: `A valid ${op.operation} from provider state ${given} that costs at least ${LARGE_CHARGE} lowers the caller's balance by at least its cost.`,
      // no generated value bears on the amount, and every try pays LARGE_CHARGE: nothing is shrunk
      arb: fc.noShrink(requiredInput(set, op)),
      cases: { server: 1, client: 1 },
      async run(t, extra) {
        const account = accountOn(t);
        await t.isolate();
        const ids = await t.state(given);
        const sent = { ...extra, ...idInput(set, op, ids, extra), ...large };
        // the amount as the state made the entity and its parent (literal model fields) and the input says
        const amount = toCents(
          String(
            evalValue(rule.amount, {
              input: moneyAsAmounts(set, op, sent),
              now: new Date(),
              fields: stateFields(set, given, entity),
              parent: stateFields(set, given, parentEntity),
            }) ?? '',
          ),
        );
        if (!Number.isFinite(amount))
          throw new Error(`${op.operation}: the amount ${rule.amount} has no value for this call`);
        if (amount < toCents(LARGE_CHARGE))
          throw new Error(
            `${op.operation}: the state ${given} makes a call of only ${fromCents(amount)}; a charge check needs ${LARGE_CHARGE}`,
          );
        const { before, after } = await paidOnceOn(t, op, rule.id, sent, amount, account);
        if (before - after < amount)
          t.fail(
            `After ${op.operation} for ${fromCents(amount)}, ${account.path} must drop by at least that much, but it went from ${fromCents(before)} to ${fromCents(after)}`,
          );
      },
    }),
  ];
}

export const charge: RuleKindModule = {
  kind: 'charge',
  schema: { required: ['amount', 'error', 'given'], properties: { amount: { type: 'string' } } },
  execute(ctx) {
    const env = {
      input: ctx.call.input,
      now: ctx.now,
      ...(ctx.rec ? { fields: ctx.rec.fields, parent: ctx.store.parentOf(ctx.rec)?.fields ?? {} } : {}),
      lookup: ctx.made.lookup,
      created: ctx.made.created,
    };
    const amount = evalValue(ctx.rule.amount, env);
    if (amount === undefined) return undefined;
    const cents = toCents(String(amount));
    // an amount the balance cannot be drawn by (negative, a fraction of a cent) is refused, never
    // let through unpaid
    if (!Number.isFinite(cents))
      return ctx.error(ctx.set.apis[ctx.op.api].protocol.validation.invalid, {
        member: inputsOf(ctx.rule.amount)[0] ?? ctx.rule.amount,
        reason: `${String(amount)} is not an amount in whole cents`,
      });
    return draw(ctx, cents);
  },
  // the model follows statuses, not the balance: a server's balance is its own (other checks, other
  // runs spend it), so the documented refusal for want of funds may come on any charged call
  predict: (ctx) => ({ maybe: [ctx.rule.error!] }),
  checks: chargeChecks,
};
