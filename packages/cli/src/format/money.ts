// Money for people and for scripts. Amounts are integer nano-dollars (1e-9 USD) everywhere inside;
// they become USD text only here. The dashboard has the same rules in src/dashboard/format.js (a
// browser test checks that both print the same text for the same store).

const NANOS_PER_USD = 1_000_000_000;

/** The amount as a USD double, for JSON (`costUsd`) next to the exact `costNanos`. */
export function nanosToUsd(nanos: number): number {
  return nanos / NANOS_PER_USD;
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

const groupFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * USD for people, precise enough to tell amounts apart and never rounding a cost to $0.00:
 * $1,234.56 from one dollar up; three significant digits below ($0.0283, $0.000315); $0.00 for zero.
 */
export function formatUsd(nanos: number): string {
  if (nanos === 0) return '$0.00';
  const neg = nanos < 0;
  const usd = Math.abs(nanos) / NANOS_PER_USD;
  let text: string;
  if (usd >= 1) {
    text = groupFormat.format(usd);
  } else {
    // Three significant digits, at least two decimals, no trailing zeros beyond those two.
    text = usd.toPrecision(3);
    if (text.includes('e')) text = usd.toFixed(9);
    if (text.includes('.')) {
      text = text.replace(/0+$/, '');
      const decimals = text.length - text.indexOf('.') - 1;
      if (decimals < 2) text = text + '0'.repeat(2 - decimals);
    }
  }
  return `${neg ? '-' : ''}$${text}`;
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
