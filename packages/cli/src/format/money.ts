// Money for people and for scripts. Amounts are integer nano-dollars (1e-9 USD) everywhere inside;
// they become USD text only at the edges. formatUsd is the store's (alert messages use it too); the
// dashboard has the same rules in src/dashboard/format.js (a browser test checks both print the same).
import { formatUsd, nanosToUsd } from '@tokenmeter/store';

export { formatUsd, nanosToUsd };

const NANOS_PER_USD = 1_000_000_000;

/**
 * formatUsd of an exact sum that may be beyond 2^53 nano-USD (9,007,199 USD), where a Number would
 * have rounded it: the same text, cents rounded half-up from the exact amount.
 */
export function formatUsdExact(nanos: bigint): string {
  if (nanos >= BigInt(Number.MIN_SAFE_INTEGER) && nanos <= BigInt(Number.MAX_SAFE_INTEGER))
    return formatUsd(Number(nanos));
  const neg = nanos < 0n;
  const cents = ((neg ? -nanos : nanos) + 5_000_000n) / 10_000_000n;
  return `${neg ? '-' : ''}$${(cents / 100n).toLocaleString('en-US')}.${String(cents % 100n).padStart(2, '0')}`;
}

/**
 * The exact decimal text of an amount, with 9 decimals: 283200 → "0.000283200". Integer arithmetic
 * only, so CSV cells never lose a nano-dollar.
 */
export function nanosToDecimal(nanos: number): string {
  const neg = nanos < 0;
  const abs = Math.abs(Math.trunc(nanos));
  const whole = Math.floor(abs / NANOS_PER_USD);
  const frac = abs - whole * NANOS_PER_USD;
  return `${neg ? '-' : ''}${whole}.${String(frac).padStart(9, '0')}`;
}

/**
 * Parses a USD amount typed by a person or a script (`12`, `0.5`, `$1,234.56`, `0.000000001`) into
 * exact nano-dollars. Returns undefined for anything else (negative, more than 9 decimals, not a number).
 */
export function parseUsdToNanos(text: string): number | undefined {
  const t = text.trim().replace(/^\$/, '').replace(/,/g, '');
  const m = /^(\d+)(?:\.(\d{0,9}))?$/.exec(t);
  if (!m) return undefined;
  const whole = Number(m[1]);
  const frac = Number((m[2] ?? '').padEnd(9, '0'));
  const nanos = whole * NANOS_PER_USD + frac;
  return Number.isSafeInteger(nanos) ? nanos : undefined;
}

/**
 * A decimal (a number, or its text: `0.06`, `"123.45"`, `1e-7`) times 10^shift, as an
 * integer rounded half-up: `decimalTimesPow10("123.45", 7)` is the nano-dollars of 123.45 cents.
 * Undefined for anything else. BigInt inside, so no float error creeps into a provider's amount.
 */
export function decimalTimesPow10(value: unknown, shift: number): number | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const digits = `${m[2] ?? ''}${m[3] ?? ''}`;
  const exp = shift + (m[4] ? Number(m[4]) : 0) - (m[3] ?? '').length;
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 400) return undefined;
  let big = BigInt(digits.replace(/^0+/, '') || '0');
  if (exp >= 0) big *= 10n ** BigInt(exp);
  else {
    const div = 10n ** BigInt(-exp);
    const q = big / div;
    big = q + ((big % div) * 2n >= div ? 1n : 0n);
  }
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return m[1] === '-' ? -Number(big) : Number(big);
}
