// The delete rule kind: a successful call removes the selected entity and everything under it
// (a HIT's assignments). Afterwards the entity cannot be read back, and the same call gets the
// operation's own does-not-exist error. Check rule.<id>: from `given`, the call succeeds, a
// read-back finds nothing (when the entity can be observed), and a second call is refused.

import { expectError, expectSuccess } from '../checks/judge.ts';
import { minimalInput, sev } from '../checks/plan.ts';
import { canObserve, freshIds } from '../checks/rule-support.ts';
import { CheckFailure } from '../checks/session.ts';
import {
  callClient,
  caseCount,
  codesOf,
  E2eFailure,
  expectRefusal,
  expectSuccessThrough,
  head,
  runCases,
  show,
  stateCall,
} from '../client-checks/e2e-support.ts';
import { errorSpec } from '../spec/resolve.ts';
import { missingEntityErrors } from './index.ts';
import type { RuleKindModule, ServerRuleContext } from './types.ts';
import { evalValue } from './values.ts';

export function deleteChecks(ctx: ServerRuleContext): void {
  const { set, op, rule } = ctx;
  const api = op.api;
  const entity = op.behaviour.entity;
  const gone = op.behaviour.rules.filter((r) => r.kind === 'exists' && r.error).map((r) => r.error!);
  ctx.add(`rule.${rule.id}`, sev(rule.basis, ...gone.map((e) => errorSpec(set, e).basis)), async (s) => {
    const ids = await freshIds(s, op, rule.given);
    const input = minimalInput(set, op, ids, s.config.seed);
    s.cover(`rule:${rule.id}`);
    const ex = await s.call(api, op.operation, input, { label: 'delete' });
    expectSuccess(set, op, ex, `${op.operation} on the ${entity} of provider state ${rule.given}`);
    if (canObserve(set, op)) {
      const obs = await s.observe(api, entity, ids);
      if (obs.present)
        throw new CheckFailure(
          `After a successful ${op.operation}, the ${entity} must be gone, but reading it back still finds it: ${JSON.stringify(obs.entity)}.`,
          obs.exchange,
        );
    }
    const again = await s.call(api, op.operation, input, { label: 'delete again' });
    if (rule.match)
      // nothing left to delete is no error (e.g. unblocking a Worker who is not blocked)
      expectSuccess(set, op, again, `A second ${op.operation} once the ${entity} is gone`);
    else if (gone.length)
      expectError(
        set,
        api,
        again,
        [...gone, ...(rule.acceptErrors ?? [])],
        `A second ${op.operation} on the deleted ${entity}`,
      );
  });
}

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
  clientChecks(ctx) {
    const { set, op, rule, entity } = ctx;
    if (!rule.given) return [];
    const given = rule.given;
    const gone = codesOf(set, [...missingEntityErrors(op), ...(rule.acceptErrors ?? [])]);
    if (!rule.match && !gone.length) return [];
    return [
      {
        ...head(set, op, rule, ctx.sev),
        summary: rule.match
          ? `Through the client, ${op.operation} from provider state ${given} succeeds, and so does the same call again.`
          : `Through the client, ${op.operation} on the ${entity} of provider state ${given} succeeds, and the same call again surfaces ${gone.join(' or ')}.`,
        run: (env) =>
          runCases(caseCount(env, 2), async (i, log) => {
            const { input } = await stateCall(env, op, given, i, log);
            await expectSuccessThrough(env, op.operation, input, log, op.operation);
            if (rule.match) {
              const again = await callClient(env, op.operation, input, log);
              if ('error' in again)
                throw new E2eFailure(
                  `${op.operation} again must succeed (nothing left to delete is no error), but the client surfaced ${show(again.error)}`,
                );
              return;
            }
            await expectRefusal(env, op.operation, input, log, {
              what: `A second ${op.operation}`,
              codes: gone,
            });
          }),
      },
    ];
  },
  serverChecks: deleteChecks,
};
