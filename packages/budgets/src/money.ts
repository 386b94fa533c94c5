// USD amounts in messages: cents from a dollar up, three significant digits below ($0.0283).
const NANOS_PER_USD = 1e9;

export function usd(nanos: number): string {
  const v = nanos / NANOS_PER_USD;
  if (v === 0) return '$0';
  if (Math.abs(v) >= 1) return `$${v.toFixed(2)}`;
  const decimals = Math.min(9, Math.max(2, 2 - Math.floor(Math.log10(Math.abs(v)))));
  return `$${v.toFixed(decimals).replace(/(\.\d\d\d*?)0+$/, '$1')}`;
}
