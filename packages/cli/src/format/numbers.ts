// Made on first use: building a NumberFormat loads ICU data, which a command printing JSON never needs.
let intFormat: Intl.NumberFormat | undefined;

/** 1234567 → "1,234,567". */
export function formatInt(n: number): string {
  intFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  return intFormat.format(n);
}

/** A share of a whole as a percentage with one decimal: "45.1%"; "—" when the whole is 0. */
export function formatShare(part: number, whole: number): string {
  if (whole <= 0) return '—';
  return `${((part / whole) * 100).toFixed(1)}%`;
}

/** Bytes for people: "1.2 GB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** Milliseconds for people: "850 ms", "1.25 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
