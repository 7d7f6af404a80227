// Small helpers the rule kinds that make, remove and guard entities share.
import fc from 'fast-check';
import { validInput } from '../arbitraries/input.ts';
import { patternString, validValue } from '../arbitraries/values.ts';
import { minimalInput } from '../checks/plan.ts';
import { freshIds, refusedUnchanged } from '../checks/rule-support.ts';
import { type RuleCheck, type RuleTarget, ruleCheck } from '../checks/target.ts';
import {
  caseCount,
  createState,
  type E2eCheckDef,
  errorRuleHead,
  expectRefusal,
  requiredInput,
  runCases,
  sample,
} from '../client-checks/e2e-support.ts';
import type { StoredEntity } from '../emulator/store.ts';
import type { SpecProblem } from '../spec/load.ts';
import { inputMembers } from '../spec/resolve.ts';
import type { OperationSpec, SpecSet } from '../spec/types.ts';
import type { ErrorOutcome } from '../wire/codec.ts';
import type { EngineContext, RuleContext, RuleValidationContext, ServerRuleContext } from './types.ts';

/** An id of `entity` that names nothing: the entity's id format, else the member's constraints. */
export function unknownId(
  set: SpecSet,
  op: OperationSpec,
  entity: string,
  member: string,
  seed: number,
): string {
  const format = set.model.entities[entity]?.idFormat?.pattern;
  const m = inputMembers(set, op).find((x) => x.name === member);
  const arb = format
    ? patternString(format, {}, true)
    : m
      ? validValue(m, { nonEmpty: true, plain: true }).map(String)
      : fc.string({ minLength: 8, maxLength: 16 });
  return String(fc.sample(arb, { seed, numRuns: 1 })[0]);
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

/** A guard a provider state breaks (children, threshold): what a call from `state` sends and is. */
export interface StateGuard {
  /** the members a call from `state` fixes (the rest: required members, ids of the state) */
  fixed(state: string): Record<string, unknown>;
  /** the call, for a server's failure message */
  what(state: string): string;
}

/**
 * Check rule.<id> of a guard: from each `violatedBy` state the call is refused with the rule's
 * error and changes nothing.
 */
export function guardServerCheck(ctx: ServerRuleContext, guard: StateGuard): void {
  const { set, op, rule } = ctx;
  const accepted = ctx.accepted;
  ctx.add(`rule.${rule.id}`, ctx.codeSeverity, async (s) => {
    for (const state of rule.violatedBy ?? []) {
      const ids = await freshIds(s, op, state);
      s.cover(`rule:${rule.id}:${state}`);
      const what = guard.what(state);
      const input = minimalInput(set, op, ids, s.config.seed, guard.fixed(state));
      await refusedUnchanged(s, op, ids, input, accepted, what, state);
    }
  });
}

/** The guard's check through a client: from each `violatedBy` state the client surfaces the error. */
export function guardClientChecks(ctx: RuleContext, fixed: StateGuard['fixed']): E2eCheckDef[] {
  const { set, op, rule, entity } = ctx;
  const violated = rule.violatedBy ?? [];
  if (!rule.error || !violated.length) return [];
  const { codes, ...errorHead } = errorRuleHead(set, op, rule, rule.error);
  return [
    {
      ...errorHead,
      summary: `Through the client, ${op.operation} on the ${entity} of provider state ${violated.join(', ')} surfaces ${codes.join(' or ')}.`,
      run: (env) =>
        runCases(caseCount(env, violated.length), async (i, log) => {
          const state = violated[i % violated.length]!;
          const ids = await createState(env, state, log);
          const input = sample(
            validInput(set, op, { ids, requiredOnly: true, fixed: fixed(state) }),
            env.seed + i,
          );
          await expectRefusal(env, op.operation, input, log, {
            what: `${op.operation} on the ${entity} of provider state ${state}`,
            codes,
          });
        }),
    },
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
 * costs a state): a fresh `given` state, then `run` with its ids and the required members.
 */
export function fromStateCheck(
  ctx: RuleContext,
  given: string,
  summary: string,
  run: (t: RuleTarget, extra: Record<string, unknown>, ids: Record<string, string>) => Promise<void>,
  opts: { isolate?: boolean } = {},
): RuleCheck {
  return ruleCheck({
    audiences: ['server', 'client-e2e'],
    severity: ctx.sev,
    summary,
    arb: requiredInput(ctx.set, ctx.op),
    shrinkBudget: 3,
    cases: { server: 1, client: 1 },
    async run(t, extra) {
      // a listing of the caller's own holds what every check made: a fresh requester's, this one's
      if (opts.isolate) await t.isolate();
      const ids = await t.state(given);
      t.cover(`rule:${ctx.rule.id}`);
      await run(t, extra, ids);
    },
  });
}
