// A rule's `when`: the rule applies only to calls that give every `present` member and none of
// the `absent` ones (the legacy CreateHIT has two forms: with a HITTypeId the HIT takes that
// type's properties, without one it registers a type from its own). The engine skips a rule whose
// `when` the call does not meet; the checks of such a rule send calls that meet it.
import type { OperationSpec, RuleSpec } from '../spec/types.ts';

const given = (input: Record<string, unknown>, m: string) => input[m] !== undefined && input[m] !== null;

/** Does the call meet the rule's `when` (a rule without one applies to every call)? */
export function appliesTo(rule: RuleSpec, input: Record<string, unknown>): boolean {
  const w = rule.when;
  if (!w) return true;
  return (w.present ?? []).every((m) => given(input, m)) && !(w.absent ?? []).some((m) => given(input, m));
}

/** The input a check of the rule sends: the members its `when` wants absent are left out. */
export function meetWhen(rule: RuleSpec, input: Record<string, unknown>): Record<string, unknown> {
  const absent = rule.when?.absent ?? [];
  if (!absent.length) return input;
  const out = { ...input };
  for (const m of absent) delete out[m];
  return out;
}

/**
 * Members some rule's `when` names: generators never invent a value for them (an invented
 * HITTypeId names no type); they are given by a provider state or left out.
 */
export function whenMembers(op: OperationSpec): string[] {
  return [
    ...new Set(op.behaviour.rules.flatMap((r) => [...(r.when?.present ?? []), ...(r.when?.absent ?? [])])),
  ];
}
