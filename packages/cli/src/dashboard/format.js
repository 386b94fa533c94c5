// Formatting for the dashboard. The money rules are those of src/format/money.ts (the CLI's): the
// browser tests check that both print the same text for the same store.

const NANOS_PER_USD = 1_000_000_000;
const groupFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** $1,234.56 from one dollar up; three significant digits below ($0.0283); $0.00 for zero. */
export function formatUsd(nanos) {
  if (nanos === 0) return '$0.00';
  const neg = nanos < 0;
  const usd = Math.abs(nanos) / NANOS_PER_USD;
  let text;
  if (usd >= 1) {
    text = groupFormat.format(usd);
  } else {
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

export function formatInt(n) {
  return intFormat.format(n);
}

export function formatShare(part, whole) {
  if (whole <= 0) return '—';
  return `${((part / whole) * 100).toFixed(1)}%`;
}

export function formatDuration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

const dateTime = new Intl.DateTimeFormat('en-CA', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** "2026-11-23 14:05:09" in the browser's time zone. */
export function formatDateTime(ms) {
  const p = Object.fromEntries(dateTime.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** "14:05:09" */
export function formatTime(ms) {
  return formatDateTime(ms).slice(11);
}

/** "2026-11-23" in the browser's time zone. */
export function formatDate(ms) {
  return formatDateTime(ms).slice(0, 10);
}
