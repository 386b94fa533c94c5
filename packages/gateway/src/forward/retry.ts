// When to try the next hop again: its Retry-After when it gives one, else exponential backoff with
// jitter (the OTLP spec: retry 429, 502, 503, 504 and lost connections; never 400 or other 4xx).

/** HTTP statuses of a next hop worth retrying. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/** A Retry-After value (seconds or an HTTP date) in ms from `now`, or undefined. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface BackoffOptions {
  /** First delay, ms. */
  initialMs: number;
  /** Largest delay, ms. */
  maxMs: number;
}

/**
 * The delay before retry number `attempt` (1 = the first retry): initialMs doubled each time up to
 * maxMs, then spread by ±50 % so that many senders do not come back at once.
 */
export function backoffMs(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + random()));
}
