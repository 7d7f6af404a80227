// The outbox rule kind: the call sends something the API never shows back (a test notification,
// new notification settings taking effect): the emulator sends nothing and records the call in
// its outbox instead (`emulator.store.outbox()`), which tests read. `to`, when given, is the input
// member that names the destination (a path such as `Notification.Destination`). No check can see
// an outbox through the API: rule.<id> (e2e.<id> through a client) holds a server to taking the
// same valid call twice.
import { givenFor, idInput } from '../checks/plan.ts';
import { ruleCheck, succeeds } from '../checks/target.ts';
import { requiredInput } from '../client-checks/e2e-support.ts';
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
  // rule.<id> on a server, e2e.<id> through a client: from the state a valid call needs, the call
  // succeeds, and the same call again too (what it sends is never shown back)
  checks(ctx) {
    const { set, op, rule } = ctx;
    const given = rule.given ?? givenFor(op);
    return [
      ruleCheck({
        audiences: ['server', 'client-e2e'],
        severity: ctx.sev,
        summary: `A valid ${op.operation} succeeds, and the same call again succeeds too.`,
        arb: requiredInput(set, op),
        cases: { server: 1, client: 1 },
        shrinkBudget: 3,
        async run(t, extra) {
          const ids = given ? await t.state(given) : {};
          const input = { ...extra, ...idInput(set, op, ids, extra) };
          t.cover(`rule:${rule.id}`);
          await succeeds(t, op, input, `${op.operation}`, 'first');
          await succeeds(t, op, input, `${op.operation} again`, 'again');
        },
      }),
    ];
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
