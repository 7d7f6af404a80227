// The update rule kind: the call changes a child of the selected entity that the input names by
// `match` (a Worker's grant of a qualification type, by WorkerId): none matching is refused with
// `error`; one outside `allowed` with `statusError`; otherwise its fields become `set` (the value
// language) once every rule passed. Checks:
//   rule.<id>          from `given` the call succeeds, and the same call again meets the changed
//                      child: refused with `statusError` when `set` moves it out of `allowed`
//                      (a revoked grant), else it succeeds again (a rescored grant stays Granted);
//   rule.<id>.unknown  a match naming no child is refused with `error`.
import { expectError } from '../checks/judge.ts';
import { minimalInput, sev } from '../checks/plan.ts';
import { callSucceeds, freshIds } from '../checks/rule-support.ts';
import { CheckFailure, NotRun, type Session } from '../checks/session.ts';
import {
  caseCount,
  errorRuleHead,
  expectRefusal,
  expectSuccessThrough,
  head,
  runCases,
  stateCall,
} from '../client-checks/e2e-support.ts';
import type { SpecProblem } from '../spec/load.ts';
import { apiFieldName, errorSpec } from '../spec/resolve.ts';
import { onEntity, unknownId } from './context.ts';
import type { RuleKindModule, ServerRuleContext } from './types.ts';
import { evalValue, evalValues } from './values.ts';

function matchInput(rule: ServerRuleContext['rule']): string[] {
  return Object.values(rule.match ?? {}).flatMap((v) =>
    v.startsWith('$input.') ? [v.slice('$input.'.length)] : [],
  );
}

/** Whether the rule's `set` moves the changed child out of its `allowed` statuses (a repeat is refused). */
function leavesAllowed(set: ServerRuleContext['set'], rule: ServerRuleContext['rule']): boolean {
  const field = set.model.entities[rule.entity ?? '']?.status?.field;
  const to = field !== undefined ? rule.set?.[field] : undefined;
  return rule.allowed !== undefined && to !== undefined && !rule.allowed.includes(String(to));
}

function updateChecks(ctx: ServerRuleContext): void {
  const { set, op, rule } = ctx;
  const api = op.api;
  if (!rule.given || !rule.error) return;
  const given = rule.given;
  const statusError = leavesAllowed(set, rule) ? rule.statusError : undefined;
  if (!statusError)
    ctx.add(`rule.${rule.id}`, ctx.sev, async (s) => {
      const ids = await freshIds(s, op, given);
      const input = minimalInput(set, op, ids, s.config.seed);
      s.cover(`rule:${rule.id}`);
      for (const label of ['first', 'again'])
        await callSucceeds(
          s,
          op,
          input,
          `${op.operation} from provider state ${given} (${label}: the ${rule.entity} stays in ${rule.allowed?.join(', ') ?? 'its status'})`,
          label,
        );
      await expectChanged(s, ctx, ids, input);
    });
  if (statusError)
    ctx.add(`rule.${rule.id}`, sev(rule.basis, errorSpec(set, statusError).basis), async (s) => {
      const ids = await freshIds(s, op, given);
      const input = minimalInput(set, op, ids, s.config.seed);
      s.cover(`rule:${rule.id}`);
      await callSucceeds(s, op, input, `${op.operation} from provider state ${given}`, 'first');
      const again = await s.call(api, op.operation, input, { label: 'again' });
      expectError(set, api, again, [statusError], `${op.operation} again on the ${rule.entity} it changed`);
    });
  const member = matchInput(rule)[0];
  if (member)
    ctx.add(`rule.${rule.id}.unknown`, ctx.codeSeverity, async (s) => {
      const ids = await freshIds(s, op, given);
      const input = {
        ...minimalInput(set, op, ids, s.config.seed),
        [member]: unknownId(set, op, rule.entity ?? '', member, s.config.seed),
      };
      s.cover(`rule:${rule.id}:unknown`);
      expectError(
        set,
        api,
        await s.call(api, op.operation, input),
        ctx.accepted,
        `${op.operation} with a ${member} that names no ${rule.entity}`,
      );
    });
}

/**
 * The changed child read back (model observe) by the state's ids shows the values `set` gives it
 * from the input or as literals (a rescored grant's IntegerValue); a child the API cannot observe
 * makes the check not-run rather than passed.
 */
async function expectChanged(
  s: Session,
  ctx: ServerRuleContext,
  ids: Record<string, string>,
  input: Record<string, unknown>,
): Promise<void> {
  const { set, op, rule } = ctx;
  const entity = rule.entity ?? '';
  if (!set.model.entities[entity]?.observe?.[op.api])
    throw new NotRun(`${entity} cannot be observed in ${op.api} (model.json names no observe operation)`);
  const obs = await s.observe(op.api, entity, ids);
  if (!obs.present)
    throw new CheckFailure(
      `After ${op.operation}, the ${entity} it changed must still be there, but reading it back finds none.`,
      obs.exchange,
    );
  for (const [field, v] of Object.entries(rule.set ?? {})) {
    if (typeof v === 'string' && v.startsWith('$') && !v.startsWith('$input.')) continue;
    const want = evalValue(v, { input, now: new Date() });
    if (want === undefined) continue;
    const name = apiFieldName(set, op.api, entity, field);
    if (String(obs.entity?.[name]) !== String(want))
      throw new CheckFailure(
        `After ${op.operation}, the ${entity}'s ${name} must be ${JSON.stringify(want)}, but it is ${JSON.stringify(obs.entity?.[name])}.`,
        obs.exchange,
      );
  }
}

export const update: RuleKindModule = {
  kind: 'update',
  schema: {
    required: ['entity', 'match', 'set', 'error', 'given'],
    properties: {
      entity: { type: 'string' },
      match: { type: 'object', additionalProperties: { type: 'string' } },
      allowed: { type: 'array', items: { type: 'string' }, minItems: 1 },
      statusError: { type: 'string' },
      set: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
    },
  },
  // it makes or changes another entity than the one the stateful model follows
  namesOther: true,
  validate(ctx) {
    const { rule, op, set } = ctx;
    const out: SpecProblem[] = [];
    const child = set.model.entities[rule.entity ?? ''];
    if (child?.parent?.entity !== op.behaviour.entity)
      out.push(ctx.problem('/entity', `${rule.entity} is not a child of ${op.behaviour.entity}`));
    for (const f of Object.keys(rule.set ?? {}))
      if (!ctx.fieldKnownOf(rule.entity ?? '', f))
        out.push(ctx.problem(`/set/${f}`, `${f} is not a field of ${rule.entity}`));
    if (rule.statusError && !set.errors.errors[rule.statusError])
      out.push(ctx.problem('/statusError', `unknown error ${rule.statusError}`));
    return out;
  },
  execute: onEntity((ctx, rec) => {
    const { rule, store, call } = ctx;
    const env = { input: call.input, now: ctx.now };
    const want = Object.entries(rule.match ?? {}).map(([f, v]) => [f, evalValue(v, env)] as const);
    const child = store.childrenOf(rec, rule.entity!).find((c) => want.every(([f, v]) => c.fields[f] === v));
    if (!child) return ctx.error(rule.error!, { ...ctx.idValues, ...Object.fromEntries(want) });
    const current = String(store.statusOf(child));
    if (rule.allowed && !rule.allowed.includes(current))
      return ctx.error(rule.statusError ?? rule.error!, {
        ...ctx.idValues,
        ...Object.fromEntries(want),
        allowed: rule.allowed,
        CurrentState: current,
      });
    ctx.pending.push({ rec: child, fields: evalValues(rule.set ?? {}, { ...env, fields: child.fields }) });
    return undefined;
  }),
  // the model follows the selected entity, not its children: either refusal may come
  predict: (ctx) => ({
    maybe: [
      ctx.rule.error!,
      ...(ctx.rule.statusError ? [ctx.rule.statusError] : []),
      ...(ctx.rule.acceptErrors ?? []),
    ],
  }),
  serverChecks: updateChecks,
  clientChecks(ctx) {
    const { set, op, rule } = ctx;
    const statusError = rule.statusError;
    if (!rule.given || !statusError) return [];
    const given = rule.given;
    const { codes, ...errorHead } = errorRuleHead(set, op, rule, statusError);
    // the change keeps the child allowed (a rescore): the same call again succeeds too
    if (!leavesAllowed(set, rule))
      return [
        {
          ...head(set, op, rule, ctx.sev),
          summary: `Through the client, ${op.operation} from provider state ${given} succeeds, and the same call again succeeds too (the ${rule.entity} stays ${rule.allowed?.join(', ') ?? 'allowed'}).`,
          run: (env) =>
            runCases(caseCount(env, 2), async (i, log) => {
              const { input } = await stateCall(env, op, given, i, log);
              for (const label of ['first', 'again'])
                await expectSuccessThrough(env, op.operation, input, log, `${op.operation} (${label})`);
            }),
        },
      ];
    return [
      {
        ...errorHead,
        summary: `Through the client, ${op.operation} from provider state ${given} succeeds, and the same call again surfaces ${codes.join(' or ')}.`,
        run: (env) =>
          runCases(caseCount(env, 2), async (i, log) => {
            const { input } = await stateCall(env, op, given, i, log);
            await expectSuccessThrough(env, op.operation, input, log, op.operation);
            await expectRefusal(env, op.operation, input, log, { what: `${op.operation} again`, codes });
          }),
      },
    ];
  },
};
