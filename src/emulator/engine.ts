// The generic operation engine: validates a decoded call against its input members, then runs
// the operation's behaviour rules in order, each through its kind's module (src/rules/), over
// the store. No operation or entity is named here: everything comes from the specs.

import { missingEntityErrors, type RuleKindModule, registryVersion, ruleKind } from '../rules/index.ts';
import type { EngineContext } from '../rules/types.ts';
import { appliesTo } from '../rules/when.ts';
import {
  inputMembers,
  isPlainObject,
  moneyAsAmounts,
  outputMembers,
  storedFields,
  violationOf,
} from '../spec/resolve.ts';
import { projectGroups, responseGroupParameter, unknownGroups } from '../spec/response-groups.ts';
import type { OperationSpec, ResolvedMember, RuleSpec, SpecSet } from '../spec/types.ts';
import type { DecodedCall, ErrorOutcome, Outcome } from '../wire/codec.ts';
import { canonicalAmount, type Store, type StoredEntity } from './store.ts';

export { type ProjectionContext, project, projectionContext } from './project.ts';

function err(error: string, values: Record<string, unknown>): ErrorOutcome {
  return { kind: 'error', error, values };
}

/** Why a value does not have the member's type, or undefined when it does. */
export function typeProblem(value: unknown, m: ResolvedMember): string | undefined {
  switch (m.type) {
    case 'string':
      return typeof value === 'string' ? undefined : `expected a string, got ${describe(value)}`;
    case 'integer':
    case 'long':
      return typeof value === 'number' && Number.isSafeInteger(value)
        ? undefined
        : `expected a whole number, got ${describe(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected a boolean, got ${describe(value)}`;
    case 'timestamp':
      return value instanceof Date && !Number.isNaN(value.getTime())
        ? undefined
        : `expected a timestamp, got ${describe(value)}`;
    case 'structure':
      return isPlainObject(value) ? undefined : `expected a structure, got ${describe(value)}`;
    case 'list':
      return Array.isArray(value) ? undefined : `expected a list, got ${describe(value)}`;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a timestamp';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Validates one value (recursively); returns the first error. */
function validateValue(
  set: SpecSet,
  op: OperationSpec,
  path: string,
  value: unknown,
  m: ResolvedMember,
  depth = 0,
): ErrorOutcome | undefined {
  const p = set.apis[op.api].protocol;
  // no closure for the refusal: this runs for every member of every call
  const tp = typeProblem(value, m);
  if (tp) return err(p.validation.invalid, { member: path, reason: tp, Parameter: path, [path]: value });
  const v = violationOf(value, m);
  if (v)
    return err(v.constraint.error ?? p.validation.invalid, {
      member: path,
      reason: v.reason,
      Parameter: path,
      [path]: value,
    });
  if (depth > 8) return undefined;
  if (m.type === 'structure' && isPlainObject(value))
    for (const mm of m.members ?? []) {
      const x = value[mm.name];
      const sub = `${path}.${mm.name}`;
      if (x === undefined || x === null) {
        if (mm.required) return err(p.validation.missing, { member: sub, Parameter: sub });
        continue;
      }
      const e = validateValue(set, op, sub, x, mm, depth + 1);
      if (e) return e;
    }
  if (m.type === 'list' && Array.isArray(value) && m.item)
    for (const [i, x] of value.entries()) {
      const e = validateValue(set, op, `${path}.${i + 1}`, x, m.item, depth + 1);
      if (e) return e;
    }
  return undefined;
}

/** Input validation: required members, types, constraints. */
export function validateInput(
  set: SpecSet,
  op: OperationSpec,
  input: Record<string, unknown>,
): ErrorOutcome | undefined {
  const p = set.apis[op.api].protocol;
  for (const m of inputMembers(set, op)) {
    const value = input[m.name];
    if (value === undefined || value === null) {
      if (m.required) return err(p.validation.missing, { member: m.name, Parameter: m.name });
      continue;
    }
    const e = validateValue(set, op, m.name, value, m);
    if (e) return e;
  }
  return validateExclusive(set, op, input) ?? validateRequiredWithout(set, op, input);
}

/** Members a call must give when it leaves out another (input.requiredWithout). */
function validateRequiredWithout(
  set: SpecSet,
  op: OperationSpec,
  input: Record<string, unknown>,
): ErrorOutcome | undefined {
  if (!op.input.requiredWithout) return undefined; // most operations: no closure made
  const p = set.apis[op.api].protocol;
  const given = (m: string) => input[m] !== undefined && input[m] !== null;
  for (const g of op.input.requiredWithout) {
    if (given(g.member)) continue;
    const missing = g.members.find((m) => !given(m));
    if (missing !== undefined)
      return err(p.validation.missing, {
        member: missing,
        Parameter: missing,
        reason: `without ${g.member}`,
      });
  }
  return undefined;
}

/** Members that exclude each other (input.exclusive): two given, or none of an exactly-one group. */
function validateExclusive(
  set: SpecSet,
  op: OperationSpec,
  input: Record<string, unknown>,
): ErrorOutcome | undefined {
  const p = set.apis[op.api].protocol;
  for (const g of op.input.exclusive ?? []) {
    const given = g.members.filter((m) => input[m] !== undefined && input[m] !== null);
    const names = g.members.join(', ');
    if (given.length > 1)
      return err(g.error ?? p.validation.invalid, {
        member: given.join(', '),
        reason: `only one of ${names} may be given`,
        Parameter: given[0],
      });
    if (g.exactlyOne && given.length === 0)
      return err(p.validation.missing, { member: `one of ${names}`, Parameter: g.members[0] });
  }
  return undefined;
}

/** The caller's first entity of a kind; one is made from the model's defaults when it has none. */
function callersOwn(store: Store, entity: string, owner: string): StoredEntity {
  const mine = store.list(entity).filter((rec) => store.ownerOf(rec) === owner);
  // the first, as charge rules draw on it (Store.accountOf)
  return mine[0] ?? store.create(entity, { owner });
}

/** What a call of an operation needs from its spec that does not change between calls. */
interface OperationPlan {
  outMembers: Map<string, ResolvedMember>;
  /** the error of the operation's missing-entity rule */
  missingError: string | undefined;
  /** each rule's kind module, by the rule's index */
  kinds: RuleKindModule[];
  /** the rule kind registry's version the plan was made with (a kind registered later counts) */
  version: number;
  /** the rules and output members the plan was made from (a spec edited in place gets a new plan) */
  rules: OperationSpec['behaviour']['rules'];
  output: OperationSpec['output']['members'];
}

// Per operation spec (the specs are read-only once loaded): building these on every call was a
// visible share of a call's cost.
const plans = new WeakMap<OperationSpec, OperationPlan>();

function planOf(set: SpecSet, op: OperationSpec): OperationPlan {
  let plan = plans.get(op);
  if (
    !plan ||
    plan.version !== registryVersion() ||
    plan.rules !== op.behaviour.rules ||
    plan.output !== op.output.members
  ) {
    plan = {
      outMembers: new Map(outputMembers(set, op).map((m) => [m.name, m])),
      missingError: missingEntityErrors(op)[0],
      kinds: op.behaviour.rules.map((r) => ruleKind(r.kind)),
      version: registryVersion(),
      rules: op.behaviour.rules,
      output: op.output.members,
    };
    plans.set(op, plan);
  }
  return plan;
}

/** One rule's context: the call's shared parts plus the rule (a literal: a spread of the shared
 * object per rule cost more than the rule itself). */
function ruleContext(c: Omit<EngineContext, 'rule' | 'needEntity'>, rule: RuleSpec): EngineContext {
  return {
    set: c.set,
    store: c.store,
    op: c.op,
    rule,
    call: c.call,
    now: c.now,
    ent: c.ent,
    rec: c.rec,
    idValues: c.idValues,
    pending: c.pending,
    output: c.output,
    outMembers: c.outMembers,
    needEntity,
    error: c.error,
    made: c.made,
    commits: c.commits,
    after: c.after,
  };
}

/** A rule's context's needEntity (one function for every call and rule, called as the context's
 * method): the missing-entity error of the operation (or the rule) when the call selected none. */
function needEntity(this: EngineContext): ErrorOutcome | undefined {
  if (this.rec) return undefined;
  const missing =
    planOf(this.set, this.op).missingError ??
    this.rule.error ??
    this.set.apis[this.op.api].protocol.validation.invalid;
  return err(missing, { ...this.idValues });
}

/**
 * A money structure's amount as the store keeps it: in a form 2017 can show ("+5", ".5" and
 * "10000.000" are kept as 5, 0.5 and 10000.00), since one store serves both versions.
 */
function keptAmounts(
  set: SpecSet,
  op: OperationSpec,
  input: Record<string, unknown>,
): Record<string, unknown> {
  let out = input;
  for (const m of inputMembers(set, op))
    if (m.money && typeof input[m.name] === 'string') {
      const kept = canonicalAmount(input[m.name] as string);
      if (kept === undefined) continue;
      if (out === input) out = { ...input };
      out[m.name] = kept;
    }
  return out;
}

/**
 * Runs one call: validation, then the behaviour rules in order. Effects are collected and
 * applied only when every rule passed, so a failed call changes nothing.
 */
export function executeCall(set: SpecSet, store: Store, decoded: DecodedCall, now: Date): Outcome {
  const api = set.apis[decoded.api];
  const p = api.protocol;
  const op = api.operations.get(decoded.operation);
  if (!op)
    return err(p.protocolErrors.unknownOperation ?? p.validation.invalid, { operation: decoded.operation });
  const badGroup = refuseGroups(set, op, decoded.responseGroups);
  if (badGroup) return badGroup;
  const invalid = validateInput(set, op, decoded.input);
  if (invalid) return invalid;
  // the rules see amounts, never the legacy Price structures that carry them
  const call: DecodedCall = {
    ...decoded,
    input: keptAmounts(set, op, moneyAsAmounts(set, op, decoded.input)),
  };

  const b = op.behaviour;
  const entitySpec = set.model.entities[b.entity];
  if (!entitySpec)
    return err(p.protocolErrors.internal ?? p.validation.invalid, { reason: `no entity ${b.entity}` });
  const selected = b.select !== undefined ? call.input[b.select] : undefined;
  // no select: the caller's own entity of that kind (e.g. the account), made on first use
  const rec =
    b.select !== undefined
      ? store.select(b.entity, selected, call.input)
      : entitySpec.owned && b.kind === 'read'
        ? callersOwn(store, b.entity, call.accessKeyId)
        : undefined;
  // what names the selected entity, its parent's id from the input too (a Worker's grant of a type)
  const via = entitySpec.parent?.via;
  const parentValue = via !== undefined && via !== b.select ? call.input[via] : undefined;
  const idValues: Record<string, unknown> =
    b.select !== undefined
      ? {
          ...(parentValue !== undefined ? { [via!]: parentValue } : {}),
          [b.select]: selected,
          [entitySpec.id]: selected,
          id: selected,
        }
      : {};
  const plan = planOf(set, op);
  const base: Omit<EngineContext, 'rule' | 'needEntity'> = {
    set,
    store,
    op,
    call,
    now,
    ent: entitySpec,
    rec,
    idValues,
    pending: [],
    output: {},
    outMembers: plan.outMembers,
    error: err,
    made: { created: {}, lookup: {} },
    commits: [],
    after: {},
  };
  const rules = b.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (!appliesTo(rule, call.input)) continue;
    const kind = plan.kinds[i]!;
    if (!kind.execute) continue;
    const refused = kind.execute(ruleContext(base, rule));
    if (refused) return refused;
  }
  const ctx = base;
  for (const { rec: target, fields } of ctx.pending)
    store.update(target, storedFields(set, op.api, target.entity, fields));
  for (const commit of ctx.commits) commit();
  if (ctx.after.token !== undefined)
    store.rememberToken(ctx.after.token, now.getTime(), ctx.after.created?.id);
  // legacy: the answer holds what the groups asked for (or the default) add
  return { kind: 'success', output: projectGroups(op, ctx.output, call.responseGroups) };
}

/** A ResponseGroup the operation does not accept, refused as the protocol says. */
function refuseGroups(set: SpecSet, op: OperationSpec, asked: readonly string[]): ErrorOutcome | undefined {
  // a call that asks for no group asks for none the operation does not accept
  if (asked.length === 0) return undefined;
  const param = responseGroupParameter(set, op.api);
  const bad = unknownGroups(set, op, asked)[0];
  if (!param || bad === undefined) return undefined;
  const error = param.unlisted?.error ?? set.apis[op.api].protocol.validation.invalid;
  return err(error, {
    value: bad,
    member: param.name,
    reason: `${bad} is not a response group of ${op.operation}`,
    Parameter: param.name,
  });
}
