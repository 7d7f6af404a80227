// The one case loop of every check family (servers, clients against the mock, clients end to end):
// a fast-check property over the check's generated values, seeded, run `numRuns` times; on a
// failure fast-check shrinks the value (a value unrelated to the failure becomes its smallest
// form) within a budget, since every try costs real calls, and the shrunk value is replayed once
// so the failure shown is the failure of the value shown.
import fc from 'fast-check';

export interface CaseLoopOptions {
  seed: number;
  numRuns: number;
  /** failing tries fast-check may make while shrinking (each costs calls to the target) */
  shrinkBudget?: number;
  /** A case that cannot run (a provider state not supported): ends the loop, nothing is shrunk. */
  cannotRun?: (e: unknown) => boolean;
}

export type CaseLoopResult<T> =
  | { kind: 'passed'; cases: number }
  | { kind: 'not-run'; error: unknown }
  | {
      kind: 'failed';
      /** the shrunk value, its text, and what the replay of it threw */
      value: T;
      shown: string;
      error: unknown;
      /** the case (1-based) that failed first, before shrinking */
      caseNo: number;
      /** the replay passed: the target answers the same value differently */
      flaky: boolean;
    };

/** Runs `body` over values of `arb`; a thrown error fails the case. */
export async function caseLoop<T>(
  arb: fc.Arbitrary<T>,
  opts: CaseLoopOptions,
  body: (value: T, caseNo: number) => Promise<void>,
): Promise<CaseLoopResult<T>> {
  let budget = opts.shrinkBudget ?? 30;
  let failures = 0;
  let tries = 0;
  let firstFailure = 0;
  let notRun: { error: unknown } | undefined;
  const prop = fc.asyncProperty(arb, async (v) => {
    if (notRun) return true;
    if (failures > 0 && budget-- <= 0) return true;
    tries++;
    // while shrinking, a value is a variant of the first failing case and keeps its number
    const caseNo = failures > 0 ? firstFailure : tries;
    try {
      await body(v, caseNo);
      return true;
    } catch (e) {
      if (opts.cannotRun?.(e)) notRun = { error: e };
      else if (failures++ === 0) firstFailure = caseNo;
      throw e;
    }
  });
  const details = await fc.check(prop, { seed: opts.seed, numRuns: Math.max(1, opts.numRuns) });
  if (notRun) return { kind: 'not-run', error: notRun.error };
  if (!details.failed) return { kind: 'passed', cases: details.numRuns };
  const value = details.counterexample?.[0] as T;
  const shown = fc.stringify(value);
  try {
    await body(value, firstFailure);
  } catch (error) {
    if (opts.cannotRun?.(error)) return { kind: 'not-run', error };
    return { kind: 'failed', value, shown, error, caseNo: firstFailure, flaky: false };
  }
  return { kind: 'failed', value, shown, error: details.errorInstance, caseNo: firstFailure, flaky: true };
}
