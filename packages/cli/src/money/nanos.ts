// Sums of money in whatif and savings: integer nano-USD held in Numbers, exact up to 2^53 - 1
// (about 9,007,199 USD). Above that a Number sum silently drops units, so every sum and product of
// amounts goes through these checks, which refuse instead of printing a figure that is not exact.
import { CliError } from '../errors/cli-error.js';

/** The largest amount (nano-USD) a Number holds exactly: about 9,007,199 USD. */
export const MAX_EXACT_NANOS = Number.MAX_SAFE_INTEGER;

export class MoneyRangeError extends CliError {
  override readonly name = 'MoneyRangeError';

  constructor(what: string) {
    super(
      `${what} is beyond 9,007,199 USD (2^53 nano-USD), more than tokenmeter adds up exactly in one figure`,
      { hint: 'Ask for a shorter period (--since/--until, --today, --month) or a narrower selection.' },
    );
  }
}

function check(n: number, what: string): number {
  if (!Number.isSafeInteger(n)) throw new MoneyRangeError(what);
  return n;
}

/**
 * a + b for integer nano-USD amounts (either may be negative), exactly. When the exact sum is beyond
 * 2^53 - 1 the Number sum is too, so the check on the result is enough to catch it.
 */
export function addNanos(a: number, b: number, what = 'a total'): number {
  return check(check(a, what) + check(b, what), what);
}

/** nanos × count, exactly (a product within 2^53 - 1 is exact as a Number). */
export function mulNanos(nanos: number, count: number, what = 'a total'): number {
  return check(check(nanos, what) * check(count, what), what);
}
