// Coverage counts: how often each constraint key and each rule id was exercised
// by the requests a check sent. Reported per check in CheckRecord.coverage.
import { constraintKey } from '../spec/resolve.ts';
import type { ResolvedMember } from '../spec/types.ts';

export type Coverage = Record<string, number>;

export function bump(cov: Coverage, key: string, n = 1): void {
  cov[key] = (cov[key] ?? 0) + n;
}

/** Count the constraint keys of every member present in a valid input (each was honoured once). */
export function coverInput(cov: Coverage, members: ResolvedMember[], input: Record<string, unknown>): void {
  for (const m of members) {
    if (!(m.name in input)) {
      bump(cov, `${m.name}.absent`);
      continue;
    }
    bump(cov, `${m.name}.present`);
    for (const c of m.constraints) bump(cov, constraintKey(m.name, c));
  }
}
