// Small readers over an operation spec that every check family needs: its
// entity, the provider state a successful call needs, rule sources and texts,
// unknown ids, and the minimal valid input for a given set of ids.
import fc from 'fast-check';
import { sampleInput } from '../arbitraries/input.ts';
import { patternString, validValue } from '../arbitraries/values.ts';
import { rulesWith } from '../rules/index.ts';
import { inputMembers, severityOf, stateValueFor } from '../spec/resolve.ts';
import type { Api, Basis, EntitySpec, OperationSpec, RuleSpec, Severity, SpecSet } from '../spec/types.ts';
import type { Session } from './session.ts';
import type { Check } from './types.ts';

export function opFile(set: SpecSet, op: OperationSpec): string {
  return set.files.get(op) ?? `${op.api}/${op.operation}.json`;
}

export function protocolFile(set: SpecSet, api: Api): string {
  return set.files.get(set.apis[api].protocol) ?? `protocols/${api}.json`;
}

export function entityOf(set: SpecSet, op: OperationSpec): { name: string; spec: EntitySpec } {
  const spec = set.model.entities[op.behaviour.entity];
  if (!spec) throw new Error(`${opFile(set, op)}: unknown entity ${op.behaviour.entity}`);
  return { name: op.behaviour.entity, spec };
}

/** The rule of a kind (first one). */
export function ruleOf(op: OperationSpec, kind: RuleSpec['kind']): RuleSpec | undefined {
  return op.behaviour.rules.find((r) => r.kind === kind);
}

/** The provider state under which a plain valid call succeeds (the given of a rule whose kind says so). */
export function givenFor(op: OperationSpec): string | undefined {
  return (
    rulesWith(op, 'successState').find((r) => r.given)?.given ??
    op.behaviour.rules.find((r) => r.given)?.given
  );
}

export function ruleText(rule: RuleSpec): string {
  const { basis, id, kind, ...rest } = rule;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return `${kind} rule "${id}"${fields ? ` (${fields})` : ''} [${basis.tag}${basis.note ? `: ${basis.note}` : ''}]`;
}

export function ruleSource(set: SpecSet, op: OperationSpec, rule: RuleSpec): string {
  const i = op.behaviour.rules.indexOf(rule);
  return `${opFile(set, op)}#/behaviour/rules/${i}: ${ruleText(rule)}`;
}

export function basisText(b: Basis | undefined): string {
  return b ? ` [${b.tag}${b.note ? `: ${b.note}` : ''}]` : '';
}

/** Input members filled from ids: every input member whose name is an id the state returned. */
export function idInput(
  set: SpecSet,
  op: OperationSpec,
  ids: Record<string, string>,
  input: Record<string, unknown> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of inputMembers(set, op)) {
    // a member the API names otherwise (model.json names: legacy SubjectId) takes the state's field
    const v = stateValueFor(set, op.api, m.name, ids);
    if (v !== undefined) out[m.name] = v;
  }
  // of members that exclude each other (input.exclusive), ids fill only the one `input` (the
  // input they are merged into) holds, else the first
  for (const g of op.input.exclusive ?? []) {
    const filled = g.members.filter((m) => out[m] !== undefined);
    const keep = g.members.find((m) => input[m] !== undefined) ?? filled[0];
    for (const m of filled) if (m !== keep) delete out[m];
  }
  return out;
}

/** A deterministic minimal valid input: required members only, ids from the state. */
export function minimalInput(
  set: SpecSet,
  op: OperationSpec,
  ids: Record<string, string>,
  seed: number,
  fixed: Record<string, unknown> = {},
): Record<string, unknown> {
  return sampleInput(set, op, { ids, requiredOnly: true, fixed }, seed);
}

/** An id that names no entity: matches the entity's id format (or the member's constraints). */
export function unknownIdArb(set: SpecSet, op: OperationSpec): fc.Arbitrary<string> {
  const { spec } = entityOf(set, op);
  const select = op.behaviour.select ?? spec.id;
  const member = inputMembers(set, op).find((m) => m.name === select);
  if (spec.idFormat) return patternString(spec.idFormat.pattern, {}, true);
  if (member) return validValue(member, { nonEmpty: true, plain: true }).map(String);
  return fc.string({ minLength: 8, maxLength: 16 });
}

export function selectMember(set: SpecSet, op: OperationSpec): string {
  // an operation that makes or matches entities selects none (CreateWorkerBlock's WorkerId is data)
  if (op.behaviour.select === undefined && (op.behaviour.kind === 'create' || op.behaviour.kind === 'delete'))
    return '';
  return op.behaviour.select ?? entityOf(set, op).spec.id;
}

export function sev(...bases: (Basis | undefined)[]): Severity {
  return severityOf(...bases);
}

export function makeCheck(
  api: Api,
  operation: string,
  check: string,
  severity: Severity,
  rule: string,
  run: (s: Session) => Promise<void>,
  concurrent = true,
): Check {
  return { id: `${api}/${operation}/${check}`, api, operation, check, severity, rule, concurrent, run };
}

/** The status the model gives an entity (undefined for hidden statuses or none). */
export function statusField(spec: EntitySpec): string | undefined {
  return spec.status && !spec.status.hidden ? spec.status.field : undefined;
}

/** The status an effect rule sets (by the entity's status field or $status). */
export function effectStatus(rule: RuleSpec | undefined, spec: EntitySpec): string | undefined {
  if (!rule?.set || !spec.status) return undefined;
  const v = rule.set[spec.status.field] ?? rule.set.$status;
  return typeof v === 'string' ? v : undefined;
}

/** The status a provider state creates the entity in. */
export function stateStatus(set: SpecSet, state: string, entity: string): string | undefined {
  return createdStatus(
    set,
    set.model.states[state]?.creates.find((x) => x.entity === entity),
  );
}

/** The statuses of the children of `entity` a provider state creates, by child entity. */
export function stateChildren(set: SpecSet, state: string, entity: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of set.model.states[state]?.creates ?? [])
    if (set.model.entities[c.entity]?.parent?.entity === entity) {
      const st = createdStatus(set, c);
      if (st !== undefined) out[c.entity] = [...(out[c.entity] ?? []), st];
    }
  return out;
}

function createdStatus(
  set: SpecSet,
  c: SpecSet['model']['states'][string]['creates'][number] | undefined,
): string | undefined {
  if (!c || c.status !== undefined) return c?.status;
  const entity = c.entity;
  // no status named: the one its fields give, else the first (as a store creates it)
  const st = set.model.entities[entity]?.status;
  if (!st) return undefined;
  const v = c.fields?.[st.field] ?? set.model.entities[entity]?.fields[st.field];
  return typeof v === 'string' ? v : st.values[0];
}

/** For hidden statuses: the statuses under which the observe operation lists the entity. */
export function visibleStatuses(set: SpecSet, api: Api, entity: string): string[] | undefined {
  const ent = set.model.entities[entity];
  const o = ent?.observe?.[api];
  if (!ent?.status?.hidden || !o) return undefined;
  const op = set.apis[api].operations.get(o.operation);
  const where = op?.behaviour.rules.find((r) => r.where?.$status !== undefined)?.where?.$status;
  if (where === undefined) return undefined;
  return Array.isArray(where) ? where.map(String) : [String(where)];
}

/** What the model says an observation shows for a status: the status field, or present/absent. */
export function expectedObservation(
  set: SpecSet,
  api: Api,
  entity: string,
  status: string | undefined,
): { present: boolean; status?: string } {
  const ent = set.model.entities[entity]!;
  const vis = visibleStatuses(set, api, entity);
  if (vis) return { present: status !== undefined && vis.includes(status) };
  return { present: true, ...(statusField(ent) && status !== undefined ? { status } : {}) };
}

/** Normalised observation: presence plus the visible status. */
export function observed(
  spec: EntitySpec,
  o: { present: boolean; entity?: Record<string, unknown> },
): { present: boolean; status?: string } {
  const f = statusField(spec);
  const st = f && o.entity ? o.entity[f] : undefined;
  return { present: o.present, ...(typeof st === 'string' ? { status: st } : {}) };
}
