// How long one driver case may take. A case the check answers with retryable faults (a 5xx or
// a throttling error, `fault: true` in specs/errors.json) gives the client a reason to wait and
// retry, so its deadline is the base time limit plus the longest back-off the client's retries
// may sleep. The default covers the official SDKs as users run them, with no retry settings:
// - boto3/botocore, legacy retry mode (its default: botocore/configprovider.py `retry_mode`
//   'legacy'): data/_retry.json `max_attempts` 5, delay `rand · 2^(k−1)` s before retry k
//   (retryhandler.py delay_exponential), so up to 1 + 2 + 4 + 8 = 15 s for one call;
// - botocore standard mode: 3 attempts, `min(rand · 2^(k−1), 20)` s (retries/standard.py);
// - AWS SDK for JavaScript v3: standard mode, 3 attempts, at most 20 s per delay
//   (@smithy/util-retry DEFAULT_MAX_ATTEMPTS, MAXIMUM_RETRY_DELAY), with a 100 ms base
//   (500 ms for throttling), well under botocore's.

/** Attempts per call (the first one included) the deadline allows for: botocore's legacy default. */
export const DEFAULT_CLIENT_MAX_ATTEMPTS = 5;

/** The longest back-off before one retry, in ms (botocore standard mode and SDK v3 cap there). */
const MAX_BACKOFF_MS = 20_000;

/** The longest the client may sleep before its retries 1..`retries`: `min(2^(k−1) s, 20 s)` each. */
export function backoffAllowanceMs(retries: number): number {
  let ms = 0;
  for (let k = 1; k <= retries; k++) ms += Math.min(1000 * 2 ** (k - 1), MAX_BACKOFF_MS);
  return ms;
}

/**
 * The deadline of one case: `timeoutMs` plus the back-off allowance for the retries the case can
 * provoke. `faultAnswers` is how many retryable fault answers the case gives before a final one
 * (Infinity: every attempt fails); a client makes at most `maxAttempts − 1` retries.
 */
export function caseDeadlineMs(
  timeoutMs: number,
  faultAnswers = 0,
  maxAttempts = DEFAULT_CLIENT_MAX_ATTEMPTS,
): number {
  const retries = Math.max(0, Math.min(faultAnswers, maxAttempts - 1));
  return timeoutMs + backoffAllowanceMs(retries);
}
