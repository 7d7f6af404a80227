// The balance rule kind: the call shows the caller's account balance (the model's opening balance
// less what charge rules drew) in the output member `show`, as a two-decimal amount. It is how
// checks read a balance (model.json `account.observe`); the charge rule's check holds it to
// account for what a call paid.
import { fromCents } from '../emulator/store.ts';
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
  execute(ctx) {
    ctx.output[ctx.rule.show!] = fromCents(ctx.store.balanceOf(ctx.call.accessKeyId));
    return undefined;
  },
};
