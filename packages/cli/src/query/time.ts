// Dates, times and durations as people type them (`2026-11-01`, `2026-11-01T14:00`, `7d`, `now`),
// read in a chosen IANA time zone. Shared by the CLI flags and the REST parameters, so both mean the
// same instant by the same text.
import { parseDuration } from '@tokenmeter/store';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The machine's IANA time zone. */
export function machineTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** True when this runtime knows the IANA zone `tz`. */
export function isTimeZone(tz: string): boolean {
  if (!tz || tz.length > 64) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function partsAt(ms: number, timeZone: string): Parts {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return {
    year: out.year ?? 1970,
    month: out.month ?? 1,
    day: out.day ?? 1,
    hour: out.hour ?? 0,
    minute: out.minute ?? 0,
    second: out.second ?? 0,
  };
}

/** Offset of local time from UTC at instant `ms`, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const p = partsAt(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant of a wall-clock time in `timeZone` (in a DST gap: the instant after it). */
export function localToEpoch(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
  timeZone: string,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  let t = wall - offsetAt(wall, timeZone);
  t = wall - offsetAt(t, timeZone);
  return t;
}

/** "2026-11-23 14:05:09" in `timeZone`. */
export function formatDateTime(ms: number, timeZone: string): string {
  const p = partsAt(ms, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}

/** "2026-11-23" in `timeZone`. */
export function formatDate(ms: number, timeZone: string): string {
  return formatDateTime(ms, timeZone).slice(0, 10);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const DURATION = /^\d+\s*[hdwmy]$/i;

export const TIME_HINT =
  'expected a date like 2026-11-01, a time like 2026-11-01T14:00, or a duration like 7d';

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  const u = new Date(Date.UTC(y, m - 1, d));
  return u.getUTCFullYear() === y && u.getUTCMonth() === m - 1 && u.getUTCDate() === d;
}

/**
 * Parses a point in time. A bare date is local midnight in `timeZone`; as the END of a range
 * (`end: true`) it is the midnight after it, so `--until 2026-11-30` includes all of Nov 30. A
 * duration (`7d`, `12h`, `3m`) counts back from `now`. Also `now` and epoch milliseconds.
 * Returns undefined when the text is none of these.
 */
export function parseInstant(
  text: string,
  options: { now: number; timeZone: string; end?: boolean },
): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (t.toLowerCase() === 'now') return options.now;
  if (DURATION.test(t)) {
    try {
      return options.now - parseDuration(t, options.now);
    } catch {
      return undefined;
    }
  }
  if (/^\d{10,16}$/.test(t)) return Number(t);
  let m = DATE.exec(t);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    if (!validDate(y, mo, d)) return undefined;
    return localToEpoch(y, mo, d + (options.end ? 1 : 0), 0, 0, 0, 0, options.timeZone);
  }
  m = DATE_TIME.exec(t);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const h = Number(m[4]);
    const mi = Number(m[5]);
    const s = m[6] === undefined ? 0 : Number(m[6]);
    const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
    if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined;
    const zone = m[8];
    if (zone === undefined) return localToEpoch(y, mo, d, h, mi, s, ms, options.timeZone);
    let offset = 0;
    if (zone.toUpperCase() !== 'Z') {
      const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
      const oh = Number(z[2]);
      const om = Number(z[3]);
      if (oh > 23 || om > 59) return undefined;
      offset = (z[1] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
    }
    return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offset;
  }
  return undefined;
}
