// When to try a notice again: exponential backoff with jitter, at least what the receiver's
// Retry-After asks, and never past the give-up time.

/**
 * Delay before attempt `attempt + 1` after `attempt` failures (1-based): base × 2^(attempt-1), at
 * most `maxMs`, then a random part of it ("equal jitter": between half and all of it) so that many
 * senders do not retry in step.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + random() * (full / 2));
}

/** Retry-After as milliseconds from now: seconds (`120`) or an HTTP date; undefined when absent or bad. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
