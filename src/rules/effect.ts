// effect: a successful call changes the entity: `set` gives fields their new values (the value
// language: $now, $input.<Member>, $status, literals) and `observe` says what an observation of
// the entity shows afterwards.
import { validInput } from '../arbitraries/input.ts';
import { expectSuccess } from '../checks/judge.ts';
import { effectStatus, idInput } from '../checks/plan.ts';
import { canObserve, freshIds } from '../checks/rule-support.ts';
import { CheckFailure, forAll } from '../checks/session.ts';
import {
  callClient,
  caseCount,
  createState,
  E2eFailure,
  head,
  observeThroughClient,
  runCases,
  sample,
  show,
} from '../clients/e2e-support.ts';
import type { SpecProblem } from '../spec/load.ts';
import { inputMatches, inputMembers, ruleInput } from '../spec/resolve.ts';
import type { OperationSpec, RuleSpec, SpecSet } from '../spec/types.ts';
import type { RuleKindModule } from './types.ts';
import { effectValue, fieldName, parseValue } from './values.ts';

/**
 * What an observation after a successful call must show, or why it does not: the rule's
 * `observe` values, a field stamped with the time of the call ($now) present as a timestamp
 * (when the entity's shape has it and `times` is asked for), and fields set from the input
 * ($input.<Member>) equal to the value sent (where the observation shows them).
 */
/** Equal values; timestamps (a Date or its text) to the second (the 2017 wire carries epoch seconds). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    const ta = new Date(a as string | number | Date).getTime();
    const tb = new Date(b as string | number | Date).getTime();
    return Math.abs(ta - tb) < 1000;
  }
  return String(a) === String(b);
}

/** Does the effect apply to this call from this status (its `input` and `from`)? */
function applies(
  set: SpecSet,
  op: OperationSpec,
  rule: RuleSpec,
  input: Record<string, unknown>,
  status: unknown,
  now: Date,
): boolean {
  if (rule.from && status !== undefined && !rule.from.includes(String(status))) return false;
  if (!rule.input) return true;
  return inputMatches(input, rule.input, new Map(inputMembers(set, op).map((m) => [m.name, m])), now);
}

export function effectMismatch(
  set: SpecSet,
  op: OperationSpec,
  rule: RuleSpec,
  input: Record<string, unknown>,
  obs: { present: boolean; entity?: Record<string, unknown> | undefined },
  times: boolean,
): string | undefined {
  const entity = op.behaviour.entity;
  for (const [k, want] of Object.entries(rule.observe ?? {})) {
    const got = k === 'present' ? obs.present : obs.entity?.[k];
    if (String(got) !== String(want))
      return `the ${entity} must show ${k} = ${show(want)}, but it shows ${show(got)}`;
  }
  if (!obs.present || !obs.entity) return undefined;
  const shapeMembers = set.apis[op.api].shapes.shapes[entity]?.members ?? {};
  for (const [field, v] of Object.entries(rule.set ?? {})) {
    const p = parseValue(v);
    if (times && p.kind === 'now' && field in shapeMembers && !(obs.entity[field] instanceof Date))
      return `the ${entity} must show ${field} (the time of the call), but it shows ${show(obs.entity[field])}`;
    if (p.kind !== 'input' || input[p.member] === undefined || !(field in obs.entity)) continue;
    if (!sameValue(obs.entity[field], input[p.member]))
      return `the ${entity}'s ${field} must be the ${p.member} sent (${show(input[p.member])}), but it is ${show(obs.entity[field])}`;
  }
  return undefined;
}

export const effect: RuleKindModule = {
  kind: 'effect',
  schema: {
    required: ['given', 'set', 'observe'],
    properties: {
      set: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      input: {
        description:
          'the call carries these members; the effect applies only to calls that match ($now±N: a timestamp)',
        type: 'object',
      },
      from: {
        description: 'the statuses the effect applies from; a call from another status succeeds without it',
        type: 'array',
        items: { type: 'string' },
        minItems: 1,
      },
    },
  },
  successState: true,
  changes: true,

  validate(ctx) {
    const out: SpecProblem[] = [];
    for (const k of Object.keys(ctx.rule.input ?? {}))
      if (!(k in ctx.op.input.members))
        out.push({
          file: ctx.file,
          pointer: `${ctx.pointer}/input/${k}`,
          message: `${k} is not an input member`,
        });
    for (const [j, v] of (ctx.rule.from ?? []).entries())
      if (!(ctx.ent.status?.values ?? []).includes(v))
        out.push({
          file: ctx.file,
          pointer: `${ctx.pointer}/from/${j}`,
          message: `${v} is not a status of ${ctx.op.behaviour.entity}`,
        });
    for (const field of Object.keys(ctx.rule.set ?? {}))
      if (field !== '$status' && field !== ctx.ent.status?.field && !ctx.fieldKnown(field))
        out.push({
          file: ctx.file,
          pointer: `${ctx.pointer}/set/${field}`,
          message: `${field} is not a field of ${ctx.op.behaviour.entity}`,
        });
    return out;
  },

  execute(ctx) {
    const missing = ctx.needEntity();
    if (missing) return missing;
    // an effect for other input, or for another status, leaves the entity alone
    if (!applies(ctx.set, ctx.op, ctx.rule, ctx.call.input, ctx.store.statusOf(ctx.rec!), ctx.now))
      return undefined;
    const fields: Record<string, unknown> = {};
    const from = { now: ctx.now, input: ctx.call.input, status: ctx.store.statusOf(ctx.rec!) };
    for (const [field, v] of Object.entries(ctx.rule.set ?? {})) {
      const x = effectValue(v, from);
      if (x) fields[fieldName(field, ctx.ent)] = x.value;
    }
    ctx.pending.push({ rec: ctx.rec!, fields });
    return undefined;
  },

  predict: (ctx) =>
    applies(ctx.set, ctx.op, ctx.rule, ctx.input, ctx.status, new Date())
      ? { next: effectStatus(ctx.rule, ctx.ent) }
      : undefined,

  serverChecks(ctx) {
    const { set, op, rule, entity, select } = ctx;
    const api = op.api;
    ctx.add(`rule.${rule.id}`, ctx.sev, async (s) => {
      await s.requireApi(api);
      if (!canObserve(set, op))
        throw new CheckFailure(`model.json names no observe operation for ${entity} in ${api}`);
      await forAll(s, validInput(set, op, { omit: [select] }), async (extra) => {
        const ids = await freshIds(s, op, rule.given);
        const input = { ...extra, ...ruleInput(rule), ...idInput(set, op, ids) };
        s.cover(`rule:${rule.id}`);
        const ex = await s.call(api, op.operation, input);
        expectSuccess(set, op, ex, `${op.operation} on the ${entity} of provider state ${rule.given}`);
        const obs = await s.observe(api, entity, ids);
        const problem = effectMismatch(set, op, rule, input, obs, true);
        if (problem) throw new CheckFailure(`After a successful ${op.operation}, ${problem}.`, obs.exchange);
      });
    });
  },

  clientChecks(ctx) {
    const { set, op, rule, entity } = ctx;
    if (!rule.given || !ctx.ent.observe?.[op.api]) return [];
    const given = rule.given;
    return [
      {
        ...head(set, op, rule, ctx.sev),
        summary: `Through the client, ${op.operation} on the ${entity} of provider state ${given} succeeds and an observation through the client shows ${show(rule.observe ?? {})}.`,
        run: (env) =>
          runCases(caseCount(env, 3), async (i, log) => {
            const ids = await createState(env, given, log);
            // the rule's own input (e.g. Revert, a future ExpireAt) over a generated valid one
            const input = { ...sample(validInput(set, op, { ids }), env.seed + i), ...ruleInput(rule) };
            const r = await callClient(env, op.operation, input, log);
            if ('error' in r)
              throw new E2eFailure(
                `${op.operation} on the ${entity} of provider state ${given} must succeed, but the client surfaced ${show(r.error)}`,
              );
            const obs = await observeThroughClient(env, entity, ids, log);
            const problem = effectMismatch(set, op, rule, input, obs, false);
            if (problem)
              throw new E2eFailure(`after a successful ${op.operation}, ${problem} through the client`);
          }),
      },
    ];
  },
};
