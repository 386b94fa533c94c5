// Exact decimal and integer arithmetic for prices. Prices are decimals (0.075 USD/Mtok); tokenmeter
// keeps them as integers scaled by 1e6 and computes costs with integers only.

import type { Rational } from './internal-types.js';

/** Price scale: an integer price is the USD price × 1e6 (6 decimal places). */
export const PRICE_DECIMALS = 6;

/**
 * Parses a non-negative decimal (number or string, plain or exponent notation) into an integer scaled by
 * 10^decimals, rounding half-up beyond that precision. Returns null for anything that is not a finite
 * non-negative decimal. `rounded` tells whether digits were dropped.
 */
export function parseScaled(
  value: unknown,
  decimals: number = PRICE_DECIMALS,
): { value: number; rounded: boolean } | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return null;
  }
  const m = /^\+?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return null;
  let intPart = m[1] ?? '';
  let frac = m[2] ?? '';
  const exp = m[3] ? Number(m[3]) : 0;
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 400) return null;
  // Shift the decimal point by exp.
  if (exp > 0) {
    frac = frac.padEnd(exp, '0');
    intPart += frac.slice(0, exp);
    frac = frac.slice(exp);
  } else if (exp < 0) {
    intPart = intPart.padStart(-exp, '0');
    frac = intPart.slice(intPart.length + exp) + frac;
    intPart = intPart.slice(0, intPart.length + exp);
  }
  const kept = frac.slice(0, decimals).padEnd(decimals, '0');
  const dropped = frac.slice(decimals);
  let big = BigInt((intPart.replace(/^0+/, '') || '0') + kept);
  const rounded = /[1-9]/.test(dropped);
  if (dropped.length > 0 && dropped.charCodeAt(0) >= 53 /* '5' */) big += 1n;
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { value: Number(big), rounded };
}

/** The decimal text of an integer scaled by 10^decimals: 75000 → '0.075'. */
export function formatScaled(value: number, decimals: number = PRICE_DECIMALS): string {
  const s = String(value).padStart(decimals + 1, '0');
  const int = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}

/** The number an integer scaled by 10^decimals stands for (for display). */
export function unscale(value: number, decimals: number = PRICE_DECIMALS): number {
  return Number(formatScaled(value, decimals));
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export const ONE: Rational = { num: 1, den: 1 };

/** An exact rational from a decimal (at most 9 decimal places), or null. */
export function rationalFromDecimal(value: unknown): Rational | null {
  const p = parseScaled(value, 9);
  if (!p || p.rounded) return null;
  return reduce(p.value, 1e9);
}

function reduce(num: number, den: number): Rational {
  const g = gcd(num, den) || 1;
  return { num: num / g, den: den / g };
}

/** Product of two rationals, reduced. Null if it cannot be kept exact in safe integers. */
export function mulRational(a: Rational, b: Rational): Rational | null {
  const g1 = gcd(a.num, b.den) || 1;
  const g2 = gcd(b.num, a.den) || 1;
  const num = (a.num / g1) * (b.num / g2);
  const den = (a.den / g2) * (b.den / g1);
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den)) return null;
  return reduce(num, den);
}

export function rationalToNumber(r: Rational): number {
  return r.num / r.den;
}

/**
 * round_half_up(x × num / div) for a non-negative integer x given as a Number (exact when ≤ 2^53)
 * or as a BigInt. Integers only: the result is exact.
 */
export function mulDivHalfUp(x: number, num: number, div: number): number {
  const p = x * num;
  if (p <= Number.MAX_SAFE_INTEGER) {
    const r = p % div;
    const q = (p - r) / div;
    return r * 2 >= div ? q + 1 : q;
  }
  return mulDivHalfUpBig(BigInt(x), num, div);
}

export function mulDivHalfUpBig(x: bigint, num: number, div: number): number {
  const p = x * BigInt(num);
  const d = BigInt(div);
  const q = p / d;
  const r = p % d;
  return Number(r * 2n >= d ? q + 1n : q);
}
