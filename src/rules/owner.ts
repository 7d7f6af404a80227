// owner: only the requester who owns the entity (or the root of its parent chain) may call; a
// call signed by another requester is refused with the rule's error and changes nothing.
import { validInput } from '../arbitraries/input.ts';
import { expectError, expectMessage } from '../checks/judge.ts';
import { expectedObservation, minimalInput, observed, stateStatus } from '../checks/plan.ts';
import { freshIds, unchanged } from '../checks/rule-support.ts';
import type { Session } from '../checks/session.ts';
import {
  caseCount,
  createState,
  E2eFailure,
  E2eNotRun,
  errorRuleHead,
  expectRefusal,
  observeAsOwner,
  runCases,
  sample,
  show,
} from '../clients/e2e-support.ts';
import type { RuleKindModule } from './types.ts';

export const owner: RuleKindModule = {
  kind: 'owner',
  schema: { required: ['error', 'given'] },
  signer: true,

  execute(ctx) {
    const missing = ctx.needEntity();
    if (missing) return missing;
    return ctx.store.ownerOf(ctx.rec!) !== ctx.call.accessKeyId
      ? ctx.error(ctx.rule.error!, { ...ctx.idValues })
      : undefined;
  },

  predict: (ctx) => (ctx.as !== 0 && ctx.rule.error ? { refuse: [ctx.rule.error] } : undefined),

  serverChecks(ctx) {
    const { set, op, rule, accepted } = ctx;
    if (!rule.error) return;
    const api = op.api;
    const what = `${op.operation} signed by another requester than the owner`;
    const callAsOther = async (s: Session, ids: Record<string, string>) =>
      s.call(api, op.operation, minimalInput(set, op, ids, s.config.seed), {
        as: 1,
        label: 'call by a non-owner',
      });
    ctx.add(`rule.${rule.id}`, ctx.codeSeverity, async (s) => {
      await s.requireApi(api);
      s.creds(1);
      const ids = await freshIds(s, op, rule.given, 0);
      s.cover(`rule:${rule.id}`);
      await unchanged(
        s,
        op,
        ids,
        async () => expectError(set, api, await callAsOther(s, ids), accepted, what),
        what,
      );
    });
    ctx.add(`rule.${rule.id}.message`, ctx.msgSeverity, async (s) => {
      await s.requireApi(api);
      s.creds(1);
      const ids = await freshIds(s, op, rule.given, 0);
      expectMessage(set, api, await callAsOther(s, ids), accepted, what);
    });
  },

  clientChecks(ctx) {
    const { set, op, rule, entity } = ctx;
    if (!rule.error || !rule.given) return [];
    const given = rule.given;
    const { codes, ...errorHead } = errorRuleHead(set, op, rule, rule.error);
    const observable = ctx.ent.observe?.[op.api] !== undefined;
    return [
      {
        ...errorHead,
        summary: `Through the client, ${op.operation} on the ${entity} of provider state ${given} owned by another requester than the client's surfaces ${codes.join(' or ')}${observable ? `, and the owner still observes the ${entity} as it was` : ''}.`,
        run: (env) =>
          runCases(caseCount(env, 2), async (i, log) => {
            const other = env.otherRequester;
            if (!other || other.accessKeyId === env.requester)
              throw new E2eNotRun(
                'no second requester known to the server: the state cannot be owned by another one',
              );
            const ids = await createState(env, given, log, other.accessKeyId);
            const api = env.client.api;
            const before = observable ? await observeAsOwner(env, api, other, entity, ids, log) : undefined;
            const input = sample(validInput(set, op, { ids, requiredOnly: true }), env.seed + i);
            const what = `${op.operation} on the ${entity} of provider state ${given}, owned by ${other.accessKeyId} while the client signs as ${env.requester},`;
            await expectRefusal(env, op.operation, input, log, { what, codes });
            if (!before) return;
            const want = expectedObservation(set, api, entity, stateStatus(set, given, entity));
            const after = await observeAsOwner(env, api, other, entity, ids, log);
            const norm = observed(ctx.ent, after);
            if (norm.present !== want.present || (want.status !== undefined && norm.status !== want.status))
              throw new E2eFailure(
                `after the refused ${op.operation}, the owner must still observe the ${entity} as ${show(want)}, but observes ${show(norm)}`,
              );
            if (show(before) !== show(after))
              throw new E2eFailure(
                `the refused ${op.operation} changed the ${entity}: the owner observed ${show(before)} before and ${show(after)} after`,
              );
          }),
      },
    ];
  },
};
