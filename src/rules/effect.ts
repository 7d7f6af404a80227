// effect: a successful call changes the entity: `set` gives fields their new values (the value
// language: $now, $input.<Member>, $status, literals) and `observe` says what an observation of
// the entity shows afterwards.
import { validInput } from '../arbitraries/input.ts';
import { timestampProblem } from '../checks/judge.ts';
import { effectStatus, idInput } from '../checks/plan.ts';
import { ruleCheck } from '../checks/target.ts';
import { show } from '../client-checks/e2e-support.ts';
import type { SpecProblem } from '../spec/load.ts';
import { inputMatches, inputMembers, ruleInput } from '../spec/resolve.ts';
import type { OperationSpec, RuleSpec, SpecSet } from '../spec/types.ts';
import { onEntity } from './context.ts';
import type { RuleKindModule } from './types.ts';
import { effectValue, evalValue, fieldName, isCompound, parseValue } from './values.ts';
import { appliesTo, meetWhen } from './when.ts';

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
  if (!appliesTo(rule, input)) return false;
  if (rule.from && status !== undefined && !rule.from.includes(String(status))) return false;
  if (typeof rule.input !== 'object') return true;
  return inputMatches(input, rule.input, new Map(inputMembers(set, op).map((m) => [m.name, m])), now);
}

/**
 * What an observation after a successful call must show, or why it does not: the rule's
 * `observe` values, a field stamped with the time of the call ($now) present as a timestamp
 * (when the entity's shape has it and `times` is asked for), and fields set from the input
 * ($input.<Member>) equal to the value sent (where the observation shows them).
 */
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
      return `the ${entity} must show ${field} (the time of the call), but ${obs.entity[field] === undefined ? 'it is missing' : `its ${field} is not a timestamp: ${timestampProblem(obs.entity[field], set.apis[op.api].protocol.timestamps)}`}`;
    if (p.kind !== 'input' || input[p.member] === undefined || !(field in obs.entity)) continue;
    if (!sameValue(obs.entity[field], input[p.member]))
      return `the ${entity}'s ${field} must be the ${p.member} sent (${show(input[p.member])}), but it is ${show(obs.entity[field])}`;
  }
  return undefined;
}

/** A field set relative to its own earlier value: the new value against the one shown before. */
function relativeMismatch(
  relative: [string, unknown][],
  input: Record<string, unknown>,
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
  entity: string,
): string | undefined {
  if (!before || !after) return undefined;
  for (const [field, v] of relative) {
    // only fields both observations show (a legacy answer shows what its groups hold)
    if (after[field] === undefined) continue;
    const fields = Object.fromEntries(
      Object.entries(before).map(([k, x]) => [
        k,
        typeof x === 'string' && /^\d{4}-\d\d-\d\dT/.test(x) ? new Date(x) : x,
      ]),
    );
    const want = evalValue(v, { input, now: new Date(), fields });
    if (want !== undefined && !sameValue(after[field], want))
      return `the ${entity}'s ${field} must be ${show(want instanceof Date ? want.toISOString() : want)} (${String(v)}, from ${show(before[field])} before the call), but it is ${show(after[field])}`;
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
      unlessPast: {
        description:
          'a timestamp field of the entity: while it is at or before now, the status `set` gives does not apply',
        type: 'string',
      },
    },
  },
  successState: true,
  changes: true,

  validate(ctx) {
    const out: SpecProblem[] = [];
    for (const k of Object.keys(ctx.rule.input ?? {}))
      if (!(k in ctx.op.input.members)) out.push(ctx.problem(`/input/${k}`, `${k} is not an input member`));
    for (const [j, v] of (ctx.rule.from ?? []).entries())
      if (!(ctx.ent.status?.values ?? []).includes(v))
        out.push(ctx.problem(`/from/${j}`, `${v} is not a status of ${ctx.op.behaviour.entity}`));
    if (ctx.rule.unlessPast !== undefined && !ctx.fieldKnown(ctx.rule.unlessPast))
      out.push(
        ctx.problem('/unlessPast', `${ctx.rule.unlessPast} is not a field of ${ctx.op.behaviour.entity}`),
      );
    for (const field of Object.keys(ctx.rule.set ?? {}))
      if (field !== '$status' && field !== ctx.ent.status?.field && !ctx.fieldKnown(field))
        out.push(ctx.problem(`/set/${field}`, `${field} is not a field of ${ctx.op.behaviour.entity}`));
    return out;
  },

  execute: onEntity((ctx, rec) => {
    // an effect for other input, or for another status, leaves the entity alone
    if (!applies(ctx.set, ctx.op, ctx.rule, ctx.call.input, ctx.store.statusOf(rec), ctx.now))
      return undefined;
    const fields: Record<string, unknown> = {};
    const from = { now: ctx.now, input: ctx.call.input, status: ctx.store.statusOf(rec) };
    // sums, $field and $lookup (values.ts evalValue); an absent part leaves the field alone
    // a literal, not a spread of `from` plus members: V8 made a new map for each member added to
    // the spread copy (this runs on every call)
    const env = {
      now: from.now,
      input: from.input,
      status: from.status,
      fields: rec.fields,
      lookup: ctx.made.lookup,
      created: ctx.made.created,
    };
    for (const [field, v] of Object.entries(ctx.rule.set ?? {})) {
      const x = isCompound(v)
        ? ((y) => (y === undefined ? undefined : { value: y }))(evalValue(v, env))
        : effectValue(v, from);
      if (x) fields[fieldName(field, ctx.ent)] = x.value;
    }
    // past the `unlessPast` time the status stays (an expired HIT given more slots stays expired)
    const until = ctx.rule.unlessPast ? rec.fields[ctx.rule.unlessPast] : undefined;
    const at = until instanceof Date ? until.getTime() : typeof until === 'string' ? Date.parse(until) : NaN;
    if (ctx.ent.status && !Number.isNaN(at) && at <= ctx.now.getTime()) delete fields[ctx.ent.status.field];
    ctx.pending.push({ rec, fields });
    return undefined;
  }),

  predict: (ctx) => {
    // an effect for other input, or from another status, leaves the status alone
    if (!applies(ctx.set, ctx.op, ctx.rule, ctx.input, ctx.status, new Date())) return undefined;
    const next = effectStatus(ctx.rule, ctx.ent);
    // a status taken from the input is the value sent (absent: the status stays)
    const p = parseValue(next);
    if (p.kind === 'input') {
      const sent = ctx.input[p.member];
      return { next: typeof sent === 'string' ? sent : undefined };
    }
    // the model does not follow the entity's times: either the status moves or it stays
    if (ctx.rule.unlessPast && next !== undefined && ctx.status !== undefined && next !== ctx.status)
      return { either: [next, ctx.status] };
    return { next };
  },

  checks(ctx) {
    const { set, op, rule, entity, select, ent } = ctx;
    if (!rule.given || !ent.observe?.[op.api]) return [];
    const given = rule.given;
    return [
      ruleCheck({
        audiences: ['server', 'client-e2e'],
        severity: ctx.sev,
        summary: `${op.operation} on the ${entity} of provider state ${given} succeeds and an observation then shows ${show(rule.observe ?? {})}.`,
        arb: validInput(set, op, { omit: [select] }),
        cases: { server: Number.POSITIVE_INFINITY, client: 3 },
        async run(t, extra) {
          const ids = await t.state(given);
          // the rule's own input (e.g. Revert, a future ExpireAt) over a generated valid one
          const input = meetWhen(
            rule,
            { ...extra, ...ruleInput(rule), ...idInput(set, op, ids, extra) },
            set,
            op,
          );
          t.cover(`rule:${rule.id}`);
          // a field set from the entity's own value (`$field.MaxAssignments+$input.…`) is judged
          // against what an observation showed before the call
          const relative = Object.entries(rule.set ?? {}).filter(
            ([, v]) => typeof v === 'string' && v.startsWith('$field.') && !v.includes('$now'),
          );
          const before = relative.length ? await t.observe(entity, ids) : undefined;
          const c = await t.call(op, input);
          t.succeeded(c, op, `${op.operation} on the ${entity} of provider state ${given}`);
          const obs = await t.observe(entity, ids);
          // the time of the call is judged on the wire only (a client may hand back a timestamp as text)
          const problem =
            effectMismatch(set, op, rule, input, obs, t.audience === 'server') ??
            relativeMismatch(relative, input, before?.entity, obs.entity, entity);
          if (problem) t.fail(`After a successful ${op.operation}, ${problem}`, obs.raw);
        },
      }),
    ];
  },
};
