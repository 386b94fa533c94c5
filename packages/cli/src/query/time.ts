// Dates, times and durations as people type them (`2026-11-01`, `2026-11-01T14:00`, `7d`, `now`),
// read in a chosen IANA time zone. Shared by the CLI flags and the REST parameters, so both mean the
// same instant by the same text.
import { formatDateTime, isTimeZone, localTimeZone, localToEpoch, parseDuration } from '@tokenmeter/store';

// The wall-clock helpers are the store's (one set for the CLI, the REST API and the store's own
// calendar periods); re-exported here under the names the CLI uses.
export { formatDateTime, isTimeZone, localTimeZone as machineTimeZone, localToEpoch };

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
