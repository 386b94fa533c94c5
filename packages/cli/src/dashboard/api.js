// The REST API of `tokenmeter serve`: every number of the dashboard comes from it (aggregated and
// paginated server-side, so it stays fast on millions of calls).
import { $ } from './dom.js';
import { state } from './state.js';

export const TZ = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export async function api(path, params = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') url.searchParams.set(k, v);
  const res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      if (body?.error?.message)
        message = body.error.parameter
          ? `${body.error.parameter}: ${body.error.message}`
          : body.error.message;
    } catch {
      // not JSON
    }
    throw new Error(message);
  }
  return res.json();
}

/** since/until/period of the selected range, for the API. */
export function rangeParams(s = state) {
  if (s.period === 'all') return { tz: TZ };
  if (s.period === 'custom') return { since: s.since || undefined, until: s.until || undefined, tz: TZ };
  return { period: s.period, tz: TZ };
}

export function rangeLabel(s = state) {
  if (s.period === 'today') return 'today';
  if (s.period === 'week') return 'this week';
  if (s.period === 'month') return 'this month';
  if (s.period === 'all') return 'all time';
  return `${s.since || 'start'} → ${s.until || 'now'}`;
}

export function showError(e) {
  const el = $('#error');
  if (!e) {
    el.hidden = true;
    return;
  }
  el.textContent = `Could not load data: ${e.message ?? e}`;
  el.hidden = false;
}
