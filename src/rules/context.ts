// Small helpers the checks of the rule kinds that make, remove and guard entities share.
import fc from 'fast-check';
import { patternString, validValue } from '../arbitraries/values.ts';
import { inputMembers } from '../spec/resolve.ts';
import type { OperationSpec, SpecSet } from '../spec/types.ts';

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
