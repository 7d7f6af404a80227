// A rule's `when`: the rule applies only to calls that give every `present` member and none of
// the `absent` ones (the legacy CreateHIT has two forms: with a HITTypeId the HIT takes that
// type's properties, without one it registers a type from its own; ExtendHIT adds assignments
// only when MaxAssignmentsIncrement is given). The engine skips a rule whose `when` the call does
// not meet; the checks of such a rule send calls that meet it.
import fc from 'fast-check';
import { validValue } from '../arbitraries/values.ts';
import { inputMembers, meetsWhen } from '../spec/resolve.ts';
import type { OperationSpec, RuleSpec, SpecSet } from '../spec/types.ts';

const given = (input: Record<string, unknown>, m: string) => input[m] !== undefined && input[m] !== null;

/** Does the call meet the rule's `when` (a rule without one applies to every call)? */
export const appliesTo = meetsWhen;

/**
 * The input a check of the rule sends: the members its `when` wants absent are left out, and so
 * are those only other rules' `when` names; those it wants present and the input lacks get a
 * valid value (with `set`/`op`; a lookup's member comes from the provider state's ids instead).
 */
export function meetWhen(
  rule: RuleSpec,
  input: Record<string, unknown>,
  set?: SpecSet,
  op?: OperationSpec,
): Record<string, unknown> {
  const w = rule.when;
  if (!w) return input;
  const out = { ...input };
  for (const m of w.absent ?? []) delete out[m];
  // what other rules' `when` names stays out too: the check sees this rule alone (ExtendHIT's
  // lifetime effect without a MaxAssignmentsIncrement that another rule may refuse)
  for (const r of op?.behaviour.rules ?? [])
    for (const m of [...(r.when?.present ?? []), ...(r.when?.absent ?? [])])
      if (!(w.present ?? []).includes(m)) delete out[m];
  if (set && op)
    for (const name of w.present ?? []) {
      if (given(out, name)) continue;
      const m = inputMembers(set, op).find((x) => x.name === name);
      if (m)
        out[name] = fc.sample(validValue(m, { nonEmpty: true, plain: true }), { seed: 1, numRuns: 1 })[0];
    }
  return out;
}

/**
 * Members a `when` names that a lookup rule must find (an invented HITTypeId names no type):
 * generators never invent them; the provider state's ids give them or they are left out.
 */
export function whenMembers(op: OperationSpec): string[] {
  const looked = new Set(
    op.behaviour.rules.flatMap((r) => (r.kind === 'lookup' && r.member ? [r.member] : [])),
  );
  return [
    ...new Set(op.behaviour.rules.flatMap((r) => [...(r.when?.present ?? []), ...(r.when?.absent ?? [])])),
  ].filter((m) => looked.has(m));
}
