// Calendar arithmetic in an IANA time zone (day, ISO week, month boundaries) and `parseDuration`.
// Uses only Intl: local midnight is found by searching the instant at which the local date changes,
// so days of 23 or 25 hours (DST) and zones whose midnight is skipped come out right.
import { StoreQueryError } from './errors/store-query-error.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The machine's IANA time zone. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new StoreQueryError(`unknown time zone "${timeZone}" (use an IANA name such as Europe/Paris)`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws StoreQueryError when `timeZone` is not a time zone this runtime knows. */
export function checkTimeZone(timeZone: string): void {
  formatter(timeZone);
}

/** True when this runtime knows the IANA zone `timeZone` (at most 64 characters). */
export function isTimeZone(timeZone: string): boolean {
  if (!timeZone || timeZone.length > 64) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock date and time (to the second) at instant `ms` in `timeZone`. */
export function localDateTime(ms: number, timeZone: string): LocalDateTime {
  const out: LocalDateTime = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type in out) out[p.type as keyof LocalDateTime] = Number(p.value);
  }
  return out;
}

/** Offset of local time from UTC at instant `ms`, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const p = localDateTime(ms, timeZone);
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
  const p = localDateTime(ms, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}

export interface LocalDate {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
}

/** The calendar date at instant `ms` in `timeZone`. */
export function localDate(ms: number, timeZone: string): LocalDate {
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  let year = 0;
  let month = 0;
  let day = 0;
  for (const p of parts) {
    if (p.type === 'year') year = Number(p.value);
    else if (p.type === 'month') month = Number(p.value);
    else if (p.type === 'day') day = Number(p.value);
  }
  return { year, month, day };
}

/** Orders dates as integers (yyyymmdd, months normalised through Date.UTC). */
function ordinal(d: LocalDate): number {
  const u = new Date(Date.UTC(d.year, d.month - 1, d.day));
  return u.getUTCFullYear() * 10_000 + (u.getUTCMonth() + 1) * 100 + u.getUTCDate();
}

/**
 * First instant (epoch ms) of calendar date `d` in `timeZone`. `d` may be denormalised
 * (day 32, month 13): it is normalised as Date.UTC does.
 */
export function startOfLocalDate(d: LocalDate, timeZone: string): number {
  const target = ordinal(d);
  const utcMidnight = Date.UTC(d.year, d.month - 1, d.day);
  // Offsets lie within ±18 h: the local midnight sits in this window. Search whole seconds.
  let lo = Math.floor((utcMidnight - 19 * HOUR_MS) / 1000);
  let hi = Math.floor((utcMidnight + 19 * HOUR_MS) / 1000);
  // Invariant: ordinal(localDate(lo)) < target <= ordinal(localDate(hi)).
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ordinal(localDate(mid * 1000, timeZone)) < target) lo = mid;
    else hi = mid;
  }
  return hi * 1000;
}

export function startOfDay(ms: number, timeZone: string): number {
  return startOfLocalDate(localDate(ms, timeZone), timeZone);
}

export function addLocalDays(d: LocalDate, days: number): LocalDate {
  const u = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: u.getUTCFullYear(), month: u.getUTCMonth() + 1, day: u.getUTCDate() };
}

/** 'YYYY-MM-DD' */
export function formatLocalDate(d: LocalDate): string {
  const n = ordinal(d);
  const y = Math.floor(n / 10_000);
  const m = Math.floor(n / 100) % 100;
  const day = n % 100;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export type CalendarPeriod = 'day' | 'week' | 'month';

/** [start, end) of the day, ISO week (Monday first) or month holding `ms`, in `timeZone`. */
export function periodBounds(
  period: CalendarPeriod,
  ms: number,
  timeZone: string,
): { startMs: number; endMs: number } {
  const d = localDate(ms, timeZone);
  let first: LocalDate;
  let next: LocalDate;
  if (period === 'day') {
    first = d;
    next = addLocalDays(d, 1);
  } else if (period === 'week') {
    const weekday = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay(); // 0 = Sunday
    first = addLocalDays(d, -((weekday + 6) % 7));
    next = addLocalDays(first, 7);
  } else {
    first = { year: d.year, month: d.month, day: 1 };
    next = { year: d.year, month: d.month + 1, day: 1 };
  }
  return { startMs: startOfLocalDate(first, timeZone), endMs: startOfLocalDate(next, timeZone) };
}

/**
 * Splits [since, until) at local midnights of `timeZone`: one segment per calendar day,
 * keyed 'YYYY-MM-DD'.
 */
export function daySegments(
  since: number,
  until: number,
  timeZone: string,
): { key: string; startMs: number; endMs: number }[] {
  const out: { key: string; startMs: number; endMs: number }[] = [];
  let d = localDate(since, timeZone);
  let start = since;
  while (start < until) {
    const next = addLocalDays(d, 1);
    const nextStart = startOfLocalDate(next, timeZone);
    const end = Math.min(nextStart, until);
    if (end > start) out.push({ key: formatLocalDate(d), startMs: start, endMs: end });
    start = Math.max(end, start + 1);
    d = next;
  }
  return out;
}

const DURATION = /^\s*(\d+)\s*(h|d|w|m|y)\s*$/i;

/**
 * Parses a retention such as `12h`, `30d`, `2w`, `3m` (calendar months) or `1y` (12 calendar
 * months) into milliseconds before `nowMs`. Hours, days and weeks are fixed lengths (a day is
 * 24 h). Months and years count back on the UTC calendar from `nowMs`, clamping the day to the
 * month's length (May 31 minus 3m is Feb 28 or 29), so the result depends on `nowMs`.
 * `now - parseDuration(text, now)` is the cutoff for `prune({ olderThan })`.
 * Throws StoreQueryError on anything else.
 */
export function parseDuration(text: string, nowMs: number = Date.now()): number {
  const m = DURATION.exec(String(text));
  if (!m) {
    throw new StoreQueryError(
      `invalid duration "${text}": use a number and a unit, h (hours), d (days), w (weeks), m (months) or y (years), e.g. 30d or 3m`,
    );
  }
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  if (unit === 'h') return n * HOUR_MS;
  if (unit === 'd') return n * DAY_MS;
  if (unit === 'w') return n * 7 * DAY_MS;
  const months = unit === 'm' ? n : n * 12;
  const now = new Date(nowMs);
  const y = now.getUTCFullYear();
  const mo = now.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
  const back = Date.UTC(
    y,
    mo,
    Math.min(now.getUTCDate(), lastDay),
    now.getUTCHours(),
    now.getUTCMinutes(),
    now.getUTCSeconds(),
    now.getUTCMilliseconds(),
  );
  return nowMs - back;
}
