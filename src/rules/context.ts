// What a rule kind's server checks are built from: the spec, the operation, the rule, and a way
// to add a check (`rule.<id>[.<suffix>]`, its source the rule's place in the spec file).
import fc from 'fast-check';
import { patternString, validValue } from '../arbitraries/values.ts';
import type { Session } from '../checks/session.ts';
import type { ServerTargetConfig } from '../checks/types.ts';
import { inputMembers } from '../spec/resolve.ts';
import type { OperationSpec, RuleSpec, Severity, SpecSet } from '../spec/types.ts';

export interface RuleCheckContext {
  set: SpecSet;
  op: OperationSpec;
  rule: RuleSpec;
  config: ServerTargetConfig;
  /** Adds the check `rule.<rule id><suffix>`. */
  add(suffix: string, severity: Severity, run: (s: Session) => Promise<void>): void;
}

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

/** The value of `field` of the entity a provider state creates (its own fields, else the model's). */
export function stateField(set: SpecSet, state: string, entity: string, field: string): unknown {
  const made = set.model.states[state]?.creates.find((c) => c.entity === entity);
  return made?.fields?.[field] ?? set.model.entities[entity]?.fields[field];
}
