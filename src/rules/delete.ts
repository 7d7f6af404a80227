// The delete rule kind: a successful call removes the selected entity and everything under it
// (a HIT's assignments). Afterwards the entity cannot be read back, and the same call gets the
// operation's own does-not-exist error. Check rule.<id>: from `given`, the call succeeds, a
// read-back finds nothing (when the entity can be observed), and a second call is refused.
import { expectError, expectSuccess } from '../checks/judge.ts';
import { minimalInput, sev } from '../checks/plan.ts';
import { canObserve, freshIds } from '../checks/rule-support.ts';
import { CheckFailure } from '../checks/session.ts';
import { errorSpec } from '../spec/resolve.ts';
import type { RuleKindModule, ServerRuleContext } from './types.ts';

export function deleteChecks(ctx: ServerRuleContext): void {
  const { set, op, rule } = ctx;
  const api = op.api;
  const entity = op.behaviour.entity;
  const gone = op.behaviour.rules.filter((r) => r.kind === 'exists' && r.error).map((r) => r.error!);
  ctx.add(`rule.${rule.id}`, sev(rule.basis, ...gone.map((e) => errorSpec(set, e).basis)), async (s) => {
    await s.requireApi(api);
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
    if (gone.length) {
      const again = await s.call(api, op.operation, input, { label: 'delete again' });
      expectError(set, api, again, gone, `A second ${op.operation} on the deleted ${entity}`);
    }
  });
}

export const remove: RuleKindModule = {
  kind: 'delete',
  schema: { required: ['given'] },
  successState: true,
  execute(ctx) {
    const missing = ctx.needEntity();
    if (missing) return missing;
    const rec = ctx.rec!;
    ctx.commits.push(() => ctx.store.removeTree(rec));
    return undefined;
  },
  // a deleted entity is no longer there: the model forgets it
  predict: () => ({ next: undefined }),
  serverChecks: deleteChecks,
};
