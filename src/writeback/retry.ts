/** How failed writes are tried again, as data. */
export interface RetryPolicy {
  /** Tries of one batch call within a run (a 429 or a network error) before its records wait for a later run. */
  callTries: number;
  /** First wait, doubled each time, with up to the same again at random (jitter). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Runs a record may wait through before it goes to the dead-letter list. */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { callTries: 4, baseDelayMs: 500, maxDelayMs: 5 * 60_000, maxAttempts: 12 };

/** Exponential backoff with full jitter on top: attempt 0 waits base..2*base. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.min(policy.maxDelayMs, exponential + exponential * random());
}

/** A Retry-After header: seconds, or an HTTP date. Null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
