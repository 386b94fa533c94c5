// Money for people. Amounts are integer nano-dollars (1e-9 USD) everywhere inside; they become USD
// text only at the edges (the CLI's tables, alert messages). The dashboard has the same rules in
// packages/cli/src/dashboard/format.js (a browser test checks that both print the same text).

const NANOS_PER_USD = 1_000_000_000;

/** The amount as a USD double, for JSON (`costUsd`) next to the exact `costNanos`. */
export function nanosToUsd(nanos: number): number {
  return nanos / NANOS_PER_USD;
}

// Made on first use: building a NumberFormat loads ICU data, which a command printing JSON never needs.
let groupFormat: Intl.NumberFormat | undefined;

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
    groupFormat ??= new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
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
