// The children rule kind: the call is refused while the selected entity has a child of `entity`
// in one of `statuses` (a HIT with a submission nobody reviewed cannot be deleted). Check
// rule.<id>: from each `violatedBy` state (which makes such a child) the call is refused with
// the rule's error and changes nothing.
import { expectError } from '../checks/judge.ts';
import { freshIds, unchanged } from '../checks/operation-checks.ts';
import { minimalInput, sev } from '../checks/plan.ts';
import { errorSpec } from '../spec/resolve.ts';
import type { RuleCheckContext } from './context.ts';

export function childrenChecks(ctx: RuleCheckContext): void {
  const { set, op, rule } = ctx;
  if (!rule.error || !rule.violatedBy?.length) return;
  const api = op.api;
  const accepted = [rule.error, ...(rule.acceptErrors ?? [])];
  ctx.add('', sev(rule.basis, errorSpec(set, rule.error).basis), async (s) => {
    await s.requireApi(api);
    for (const state of rule.violatedBy ?? []) {
      const ids = await freshIds(s, op, state);
      s.cover(`rule:${rule.id}:${state}`);
      const what = `${op.operation} on the ${op.behaviour.entity} of provider state ${state}, which has a ${rule.entity} in ${(rule.statuses ?? []).join(', ')}`;
      const input = minimalInput(set, op, ids, s.config.seed);
      await unchanged(
        s,
        op,
        ids,
        async () =>
          expectError(set, api, await s.call(api, op.operation, input, { label: state }), accepted, what),
        what,
      );
    }
  });
}
