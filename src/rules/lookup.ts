// The lookup rule kind: an input member (`member`) must name an existing `entity` (the caller's,
// with `owned`), or the call is refused with the rule's error; later rules read the entity's
// fields as `$lookup.<Entity>.<field>` (a HIT takes its HIT type's Title and Reward). Checks:
//   rule.<id>        an id that names nothing is refused;
//   rule.<id>.owned  another requester's entity is refused too.

import fc from 'fast-check';
import { idInput } from '../checks/plan.ts';
import { refusedUnchanged, ruleCheck } from '../checks/target.ts';
import { requiredInput } from '../client-checks/e2e-support.ts';
import type { SpecProblem } from '../spec/load.ts';
import { unknownIdOf } from './context.ts';
import type { RuleKindModule } from './types.ts';

export const lookup: RuleKindModule = {
  kind: 'lookup',
  schema: {
    required: ['entity', 'member', 'error', 'given'],
    properties: { entity: { type: 'string' }, member: { type: 'string' }, owned: { type: 'boolean' } },
  },
  signer: true,
  namesOther: true,
  validate(ctx) {
    const { rule, op, set } = ctx;
    const out: SpecProblem[] = [];
    if (rule.entity && !set.model.entities[rule.entity])
      out.push(ctx.problem('/entity', `unknown entity ${rule.entity}`));
    if (rule.member && !(rule.member in op.input.members))
      out.push(ctx.problem('/member', `${rule.member} is not an input member of ${op.operation}`));
    return out;
  },
  execute(ctx) {
    const { rule, call, store } = ctx;
    const id = call.input[rule.member!];
    const found = store.get(rule.entity!, id);
    if (!found || (rule.owned && store.ownerOf(found) !== call.accessKeyId))
      return ctx.error(rule.error!, { ...ctx.idValues, [rule.member!]: id, id });
    ctx.made.lookup[rule.entity!] = found.fields;
    return undefined;
  },
  checks(ctx) {
    const { set, op, rule, accepted } = ctx;
    const { member, entity, given } = rule;
    if (!member || !entity || !rule.error || !given) return [];
    const head = { severity: ctx.sev, codeSeverity: ctx.codeSeverity, shrinkBudget: 3 };
    const unknown = ruleCheck({
      ...head,
      audiences: ['server', 'client-e2e'],
      summary: `${op.operation} with a ${member} that names no ${entity} fails with ${accepted.join(' or ')} and changes nothing.`,
      arb: fc.tuple(unknownIdOf(set, op, entity, member), requiredInput(set, op)),
      cases: { server: 1, client: 2 },
      async run(t, [id, extra]) {
        const ids = await t.state(given);
        t.cover(`rule:${rule.id}`);
        const input = { ...extra, ...idInput(set, op, ids, extra), [member]: id };
        const what = `${op.operation} with ${member} ${id}, which names no ${entity}`;
        await refusedUnchanged(t, op, ids, input, accepted, what);
      },
    });
    if (!rule.owned) return [unknown];
    // (a server only: the client under test holds no second requester's entity to name)
    const owned = ruleCheck({
      ...head,
      audiences: ['server'],
      name: `rule.${rule.id}.owned`,
      summary: `${op.operation} with a ${member} that names another requester's ${entity} fails with ${accepted.join(' or ')} and changes nothing.`,
      arb: requiredInput(set, op),
      cases: { server: 1, client: 0 },
      async run(t, extra) {
        const ids = await t.state(given);
        const theirs = await t.state(given, 'other');
        t.cover(`rule:${rule.id}:owned`);
        const input = { ...extra, ...idInput(set, op, ids, extra), [member]: theirs[member] };
        const what = `${op.operation} with ${member} ${theirs[member]}, another requester's ${entity}`;
        await refusedUnchanged(t, op, ids, input, accepted, what);
      },
    });
    return [unknown, owned];
  },
};
