// Small helpers the rule kinds that make, remove and guard entities share.
import fc from 'fast-check';
import { patternString, validValue } from '../arbitraries/values.ts';
import { idInput, stateStatus } from '../checks/plan.ts';
import { everyCase, expectData } from '../checks/rule-support.ts';
import type { Answered } from '../checks/session.ts';
import {
  type Called,
  type Party,
  type RuleCheck,
  type RuleTarget,
  refusedUnchanged,
  ruleCheck,
} from '../checks/target.ts';
import { E2eFailure, requiredInput } from '../client-checks/e2e-support.ts';
import type { StoredEntity } from '../emulator/store.ts';
import type { SpecProblem } from '../spec/load.ts';
import { inputMembers } from '../spec/resolve.ts';
import type { OperationSpec, Severity, SpecSet } from '../spec/types.ts';
import type { ErrorOutcome } from '../wire/codec.ts';
import type { EngineContext, RuleContext, RuleValidationContext } from './types.ts';

/** Ids of `entity` that name nothing (an unknown id): the entity's id format, else the member's constraints. */
export function unknownIdOf(
  set: SpecSet,
  op: OperationSpec,
  entity: string,
  member: string,
): fc.Arbitrary<string> {
  const format = set.model.entities[entity]?.idFormat?.pattern;
  const m = inputMembers(set, op).find((x) => x.name === member);
  if (format) return patternString(format, {}, true);
  return m
    ? validValue(m, { nonEmpty: true, plain: true }).map(String)
    : fc.string({ minLength: 8, maxLength: 16 });
}

/** An emulator meaning that needs the selected entity: without one, the missing-entity error. */
export function onEntity(
  run: (ctx: EngineContext, rec: StoredEntity) => ErrorOutcome | undefined,
): (ctx: EngineContext) => ErrorOutcome | undefined {
  return (ctx) => ctx.needEntity() ?? run(ctx, ctx.rec!);
}

/** Every model field of `entity` as a provider state creates it (none without an entity). */
export function stateFields(
  set: SpecSet,
  state: string,
  entity: string | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of Object.keys(entity ? (set.model.entities[entity]?.fields ?? {}) : {}))
    out[f] = stateField(set, state, entity!, f);
  return out;
}

/** The value of `field` of the entity a provider state creates (its own fields, else the model's). */
export function stateField(set: SpecSet, state: string, entity: string, field: string): unknown {
  const made = set.model.states[state]?.creates.find((c) => c.entity === entity);
  return made?.fields?.[field] ?? set.model.entities[entity]?.fields[field];
}

/** A guard a provider state breaks (status, children, threshold): what a call from `state` sends and is. */
export interface StateGuard {
  /** the members a call from `state` fixes (the rest: required members, ids of the state) */
  fixed?(state: string): Record<string, unknown>;
  /** the call, for a failure message */
  what(state: string): string;
  /** the status `state` made the entity in, which the entity must still show afterwards */
  made?(state: string): string | undefined;
  /** why this input breaks no guard from `state` (the case is not run), if it does not */
  notViolated?(state: string, input: Record<string, unknown>): string | undefined;
}

/**
 * The check of a guard, rule.<id> on a server and e2e.<id> through a client: from each
 * `violatedBy` state the call is refused with the rule's error and changes nothing. Every
 * violating state is tried, each failing one reported (one right answer hides no wrong one).
 */
export function guardCheck(ctx: RuleContext, guard: StateGuard): RuleCheck[] {
  const { set, op, rule, entity, accepted } = ctx;
  const violated = rule.violatedBy ?? [];
  if (!rule.error || !violated.length) return [];
  return [
    ruleCheck({
      audiences: ['server', 'client-e2e'],
      severity: ctx.sev,
      codeSeverity: ctx.codeSeverity,
      summary: `${op.operation} on the ${entity} of provider state${violated.length > 1 ? 's' : ''} ${violated.join(', ')} fails with ${accepted.join(' or ')} and leaves the ${entity} as it was.`,
      arb: requiredInput(set, op),
      shrinkBudget: 2,
      cases: { server: 1, client: 1 },
      run: (t, extra) =>
        everyCase(
          violated,
          (state) => `state ${state}`,
          async (state) => {
            const ids = await t.state(state);
            t.cover(`rule:${rule.id}`);
            t.cover(`rule:${rule.id}:${state}`);
            const input = { ...extra, ...idInput(set, op, ids, extra), ...guard.fixed?.(state) };
            const unbroken = guard.notViolated?.(state, input);
            if (unbroken) t.notRun(unbroken);
            const made = guard.made ? { made: guard.made(state) } : {};
            await refusedUnchanged(t, op, ids, input, accepted, guard.what(state), { label: state, ...made });
          },
          (e) => e instanceof E2eFailure,
        ),
    }),
  ];
}

/**
 * `<name>.message` on a server and through a client: from each of `states` (owned by `owner`) the
 * call fails with the documented message of the rule's error (a client hands back the server's
 * message as it came: docs/driver-protocol.md). Every state is tried, each failing one reported.
 */
export function messageCheck(
  ctx: RuleContext,
  states: string[],
  what: (state: string) => string,
  opts: { owner?: Party; notViolated?: StateGuard['notViolated'] } = {},
): RuleCheck[] {
  const { op, accepted } = ctx;
  return fromEachState(
    ctx,
    states,
    {
      audiences: ['server', 'client-e2e'],
      severity: ctx.msgSeverity,
      suffix: '.message',
      summary: `${what(states.join(', '))} fails with the documented message of ${accepted.join(' or ')}.`,
    },
    (t, c, _input, state) => t.messaged(c, op, accepted, what(state)),
    opts,
  );
}

/**
 * `<name>.data` on a server only (a legacy error's Data is a wire element no client hands back:
 * docs/driver-protocol.md): from each of `states` the refusal carries the error's Data keys.
 */
export function dataCheck(ctx: RuleContext, states: string[], what: (state: string) => string): RuleCheck[] {
  const { set, entity, accepted } = ctx;
  if (!ctx.dataKeys.length) return [];
  return fromEachState(
    ctx,
    states,
    {
      audiences: ['server'],
      severity: ctx.codeSeverity,
      suffix: '.data',
      summary: `${what(states.join(', '))} fails with ${accepted.join(' or ')} and its Data.`,
    },
    (_t, c, input, state) =>
      expectData(c.raw as Answered, ctx.dataKeys, input, stateStatus(set, state, entity), what(state)),
  );
}

/** One case from each of `states` (owned by `owner`): the call with the state's ids, judged by `judge`. */
function fromEachState(
  ctx: RuleContext,
  states: string[],
  check: Pick<RuleCheck, 'audiences' | 'severity' | 'suffix' | 'summary'>,
  judge: (t: RuleTarget, c: Called, input: Record<string, unknown>, state: string) => void,
  opts: { owner?: Party; notViolated?: StateGuard['notViolated'] } = {},
): RuleCheck[] {
  const { set, op, rule } = ctx;
  if (!rule.error || !states.length) return [];
  return [
    ruleCheck({
      ...check,
      arb: requiredInput(set, op),
      shrinkBudget: 2,
      cases: { server: 1, client: 1 },
      run: (t, extra) =>
        everyCase(
          states,
          (state) => `state ${state}`,
          async (state) => {
            const ids = await t.state(state, opts.owner);
            const input = { ...extra, ...idInput(set, op, ids, extra) };
            const unbroken = opts.notViolated?.(state, input);
            if (unbroken) t.notRun(unbroken);
            judge(t, await t.call(op, input, state), input, state);
          },
          (e) => e instanceof E2eFailure,
        ),
    }),
  ];
}

/**
 * The rule's `entity` must be a child of the operation's entity and its `statuses` statuses of
 * that child; problems go to `out`. False when the entity is no such child (nothing more to check).
 */
export function childStatusesKnown(ctx: RuleValidationContext, out: SpecProblem[]): boolean {
  const { rule, op, set } = ctx;
  const child = set.model.entities[rule.entity ?? ''];
  if (!child || child.parent?.entity !== op.behaviour.entity) {
    out.push(ctx.problem('/entity', `${rule.entity} is not a child of ${op.behaviour.entity}`));
    return false;
  }
  for (const st of rule.statuses ?? [])
    if (!child.status?.values.includes(st))
      out.push(ctx.problem('/statuses', `${st} is not a status of ${rule.entity}`));
  return true;
}

/**
 * A rule-level check for both audiences with one case (the shrinker's budget small: every try
 * costs a state): a fresh `given` state, then `run` with the required members and the state's
 * ids, and those ids.
 */
export function fromStateCheck(
  ctx: RuleContext,
  given: string,
  summary: string,
  run: (t: RuleTarget, input: Record<string, unknown>, ids: Record<string, string>) => Promise<void>,
  opts: { isolate?: boolean; severity?: Severity; suffix?: string; shrinkBudget?: number } = {},
): RuleCheck {
  return ruleCheck({
    audiences: ['server', 'client-e2e'],
    severity: opts.severity ?? ctx.sev,
    ...(opts.suffix ? { suffix: opts.suffix } : {}),
    summary,
    arb: requiredInput(ctx.set, ctx.op),
    shrinkBudget: opts.shrinkBudget ?? 3,
    cases: { server: 1, client: 1 },
    async run(t, extra) {
      // a listing of the caller's own holds what every check made: a fresh requester's, this one's
      if (opts.isolate) await t.isolate();
      const ids = await t.state(given);
      t.cover(`rule:${ctx.rule.id}`);
      await run(t, { ...extra, ...idInput(ctx.set, ctx.op, ids, extra) }, ids);
    },
  });
}
