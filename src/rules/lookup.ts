// The lookup rule kind: an input member (`member`) must name an existing `entity` (the caller's,
// with `owned`), or the call is refused with the rule's error; later rules read the entity's
// fields as `$lookup.<Entity>.<field>` (a HIT takes its HIT type's Title and Reward). Checks:
//   rule.<id>        an id that names nothing is refused;
//   rule.<id>.owned  another requester's entity is refused too.

import { minimalInput } from '../checks/plan.ts';
import { freshIds, refusedUnchanged } from '../checks/rule-support.ts';
import {
  caseCount,
  errorRuleHead,
  expectRefusal,
  runCases,
  stateCall,
} from '../client-checks/e2e-support.ts';
import type { SpecProblem } from '../spec/load.ts';
import { unknownId } from './context.ts';
import type { RuleKindModule, ServerRuleContext } from './types.ts';

export function lookupChecks(ctx: ServerRuleContext): void {
  const { set, op, rule } = ctx;
  const member = rule.member;
  const entity = rule.entity;
  if (!member || !entity || !rule.error) return;
  const { accepted, codeSeverity: severity } = ctx;
  ctx.add(`rule.${rule.id}`, severity, async (s) => {
    const ids = await freshIds(s, op, rule.given);
    const id = unknownId(set, op, entity, member, s.config.seed);
    const input = { ...minimalInput(set, op, ids, s.config.seed), [member]: id };
    s.cover(`rule:${rule.id}`);
    const what = `${op.operation} with ${member} ${id}, which names no ${entity}`;
    await refusedUnchanged(s, op, ids, input, accepted, what);
  });
  if (rule.owned)
    ctx.add(`rule.${rule.id}.owned`, severity, async (s) => {
      s.creds(1);
      const ids = await freshIds(s, op, rule.given, 0);
      const theirs = await freshIds(s, op, rule.given, 1);
      const input = { ...minimalInput(set, op, ids, s.config.seed), [member]: theirs[member] };
      s.cover(`rule:${rule.id}:owned`);
      const what = `${op.operation} with ${member} ${theirs[member]}, another requester's ${entity}`;
      await refusedUnchanged(s, op, ids, input, accepted, what);
    });
}

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
  clientChecks(ctx) {
    const { set, op, rule } = ctx;
    const { member, entity, given } = rule;
    if (!member || !entity || !rule.error || !given) return [];
    const { codes, ...errorHead } = errorRuleHead(set, op, rule, rule.error);
    return [
      {
        ...errorHead,
        summary: `Through the client, ${op.operation} with a ${member} that names no ${entity} surfaces ${codes.join(' or ')}.`,
        run: (env) =>
          runCases(caseCount(env, 2), async (i, log) => {
            const input = {
              ...(await stateCall(env, op, given, i, log)).input,
              [member]: unknownId(set, op, entity, member, env.seed + i),
            };
            await expectRefusal(env, op.operation, input, log, {
              what: `${op.operation} with an unknown ${member}`,
              codes,
            });
          }),
      },
    ];
  },
  serverChecks: lookupChecks,
};
