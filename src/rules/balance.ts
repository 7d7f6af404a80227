// The balance rule kind: the call shows the caller's account balance (model.json `account`: a field
// of the caller's account entity, the model's opening value until a charge rule draws on it) in
// the output member `show`, as a two-decimal amount. It is how
// checks read a balance (model.json `account.observe`); the charge rule's check holds it to
// account for what a call paid.
import { expectSuccess } from '../checks/judge.ts';
import { CheckFailure } from '../checks/session.ts';
import { fromCents, toCents } from '../emulator/store.ts';
import { balanceOf } from './charge.ts';
import type { RuleKindModule } from './types.ts';

export const balance: RuleKindModule = {
  kind: 'balance',
  schema: { required: ['show'], properties: { show: { type: 'string' } } },
  validate(ctx) {
    const out = ctx.rule.show;
    return out !== undefined && !(out in ctx.op.output.members)
      ? [
          {
            file: ctx.file,
            pointer: `${ctx.pointer}/show`,
            message: `${out} is not an output member of ${ctx.op.operation}`,
          },
        ]
      : [];
  },
  // rule.<id>: the caller's balance shows as a two-decimal amount (CurrencyAmount strings: MODEL)
  serverChecks(ctx) {
    const { set, op, rule } = ctx;
    const show = rule.show;
    if (!show) return;
    ctx.add(`rule.${rule.id}`, ctx.sev, async (s) => {
      await s.requireApi(op.api);
      s.cover(`rule:${rule.id}`);
      const ex = await s.call(op.api, op.operation, {});
      const out = expectSuccess(set, op, ex, `${op.operation}`);
      if (!Number.isFinite(toCents(String(out[show] ?? ''))))
        throw new CheckFailure(
          `${op.operation} must show the caller's balance as ${show}, but it is ${JSON.stringify(out[show])}.`,
          ex,
        );
    });
  },
  execute(ctx) {
    ctx.output[ctx.rule.show!] = fromCents(balanceOf(ctx.set, ctx.store, ctx.call.accessKeyId));
    return undefined;
  },
};
