// The outbox rule kind: the call sends something the API never shows back (a test notification,
// new notification settings taking effect): the emulator sends nothing and records the call in
// its outbox instead (`emulator.store.outbox()`), which tests read. `to`, when given, is the input
// member that names the destination (a path such as `Notification.Destination`). No server check
// can see an outbox through the API, so the kind generates none: the call's own input checks
// (valid and invalid requests) are what a server is held to.
import { givenFor, minimalInput } from '../checks/plan.ts';
import { callSucceeds, freshIds } from '../checks/rule-support.ts';
import type { RuleKindModule } from './types.ts';

function at(input: Record<string, unknown>, path: string): unknown {
  let v: unknown = input;
  for (const seg of path.split('.'))
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

export const outbox: RuleKindModule = {
  kind: 'outbox',
  schema: { properties: { to: { type: 'string' } } },
  serverChecks(ctx) {
    const { set, op, rule } = ctx;
    ctx.add(`rule.${rule.id}`, ctx.sev, async (s) => {
      const ids = await freshIds(s, op, rule.given ?? givenFor(op));
      const input = minimalInput(set, op, ids, s.config.seed);
      s.cover(`rule:${rule.id}`);
      await callSucceeds(s, op, input, `${op.operation}`, 'first');
      await callSucceeds(s, op, input, `${op.operation} again`, 'again');
    });
  },
  execute(ctx) {
    const { call, op, store, rule } = ctx;
    const to = rule.to ? at(call.input, rule.to) : undefined;
    ctx.commits.push(() =>
      store.send({
        operation: op.operation,
        requester: call.accessKeyId,
        at: ctx.now,
        ...(typeof to === 'string' ? { to } : {}),
        input: call.input,
      }),
    );
    return undefined;
  },
};
