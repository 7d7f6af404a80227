// The threshold rule kind: an entity whose `field` is below `below` cannot be raised by the input
// member `input` to `below` or more (a HIT made with fewer than 10 assignments cannot be
// extended to 10 or more). Check rule.<id>: from each `violatedBy` state, asking for exactly
// enough to reach the bound is refused with the rule's error and changes nothing.
import { expectError } from '../checks/judge.ts';
import { freshIds, unchanged } from '../checks/operation-checks.ts';
import { minimalInput, sev } from '../checks/plan.ts';
import { errorSpec } from '../spec/resolve.ts';
import { type RuleCheckContext, stateField } from './context.ts';

export function thresholdChecks(ctx: RuleCheckContext): void {
  const { set, op, rule } = ctx;
  const { field, input: member, below, error } = rule;
  if (!field || !member || below === undefined || !error) return;
  const api = op.api;
  const accepted = [error, ...(rule.acceptErrors ?? [])];
  ctx.add('', sev(rule.basis, errorSpec(set, error).basis), async (s) => {
    await s.requireApi(api);
    for (const state of rule.violatedBy ?? []) {
      const current = Number(stateField(set, state, op.behaviour.entity, field));
      const ids = await freshIds(s, op, state);
      const more = below - current;
      s.cover(`rule:${rule.id}:${state}`);
      const input = minimalInput(set, op, ids, s.config.seed, { [member]: more });
      const what = `${op.operation} with ${member} ${more} on the ${op.behaviour.entity} of provider state ${state} (${field} ${current}, which may not reach ${below})`;
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
