// The delete rule kind: a successful call removes the selected entity and everything under it
// (a HIT's assignments). Afterwards the entity cannot be read back, and the same call gets the
// operation's own does-not-exist error. Check rule.<id> (e2e.<id> through a client): from
// `given`, the call succeeds, a read-back finds nothing (when the entity can be observed), and a
// second call is refused.

import { idInput, sev } from '../checks/plan.ts';
import { ruleCheck, succeeds } from '../checks/target.ts';
import { requiredInput } from '../client-checks/e2e-support.ts';
import { errorSpec } from '../spec/resolve.ts';
import { missingEntityErrors } from './index.ts';
import type { RuleKindModule } from './types.ts';
import { evalValue } from './values.ts';

export const remove: RuleKindModule = {
  kind: 'delete',
  schema: {
    required: ['given'],
    properties: { match: { type: 'object', additionalProperties: { type: 'string' } } },
  },
  successState: true,
  execute(ctx) {
    const { rule, store, op, call } = ctx;
    if (rule.match) {
      // no selected entity: the caller's entities whose fields match (none: nothing to do)
      const want = Object.entries(rule.match).map(([f, v]) => [
        f,
        evalValue(v, { input: call.input, now: ctx.now }),
      ]);
      const hits = store
        .list(op.behaviour.entity)
        .filter(
          (e) => store.ownerOf(e) === call.accessKeyId && want.every(([f, v]) => e.fields[f as string] === v),
        );
      ctx.commits.push(() => {
        for (const e of hits) store.removeTree(e);
      });
      return undefined;
    }
    const missing = ctx.needEntity();
    if (missing) return missing;
    const rec = ctx.rec!;
    ctx.commits.push(() => store.removeTree(rec));
    return undefined;
  },
  // the entity is gone (a repeat may meet it still being removed: acceptErrors); a delete by
  // match removes the caller's own matching entities only, none of another requester's
  predict: (ctx) => (ctx.rule.match && ctx.as !== 0 ? undefined : { gone: ctx.rule.acceptErrors ?? [] }),
  // rule.<id> on a server, e2e.<id> through a client
  checks(ctx) {
    const { set, op, rule, entity, ent } = ctx;
    const given = rule.given;
    if (!given) return [];
    const gone = missingEntityErrors(op);
    const observable = ent.observe?.[op.api] !== undefined;
    return [
      ruleCheck({
        audiences: ['server', 'client-e2e'],
        severity: ctx.sev,
        codeSeverity: sev(rule.basis, ...gone.map((e) => errorSpec(set, e).basis)),
        summary: rule.match
          ? `${op.operation} from provider state ${given} succeeds, and so does the same call again.`
          : `${op.operation} on the ${entity} of provider state ${given} succeeds, the ${entity} is gone, and the same call again fails with ${gone.join(' or ')}.`,
        arb: requiredInput(set, op),
        shrinkBudget: 3,
        cases: { server: 1, client: 2 },
        async run(t, extra) {
          const ids = await t.state(given);
          t.cover(`rule:${rule.id}`);
          const input = { ...extra, ...idInput(set, op, ids, extra) };
          await succeeds(
            t,
            op,
            input,
            `${op.operation} on the ${entity} of provider state ${given}`,
            'delete',
          );
          if (observable) {
            const obs = await t.observe(entity, ids);
            if (obs.present)
              t.fail(
                `After a successful ${op.operation}, the ${entity} must be gone, but reading it back still finds it: ${JSON.stringify(obs.entity)}`,
                obs.raw,
              );
          }
          const again = await t.call(op, input, 'delete again');
          if (rule.match)
            // nothing left to delete is no error (e.g. unblocking a Worker who is not blocked)
            t.succeeded(again, op, `A second ${op.operation} once the ${entity} is gone`);
          else if (gone.length)
            t.refused(
              again,
              op,
              [...gone, ...(rule.acceptErrors ?? [])],
              `A second ${op.operation} on the deleted ${entity}`,
            );
        },
      }),
    ];
  },
};
