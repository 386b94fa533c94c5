// Pieces several views use: cells of a call, links, export buttons, the totals line, days.
import { rangeParams } from './api.js';
import { h } from './dom.js';
import { formatDate, formatInt, formatUsd } from './format.js';
import { linkTo, state } from './state.js';

export const NOT_SET = '(not set)';

export function modelOf(c) {
  return c.responseModel ?? c.requestModel ?? '—';
}

export function costCell(c) {
  // A failed call without usage costs nothing; it is not "unpriced".
  if (!c.priced && !c.usageKnown) return h('td', { class: 'num muted', dataset: { nanos: 0 } }, '—');
  if (!c.priced)
    return h(
      'td',
      { class: 'num', dataset: { nanos: c.costNanos } },
      h('span', { class: 'badge warn', text: 'unpriced' }),
    );
  return h(
    'td',
    { class: 'num cost', dataset: { nanos: c.costNanos } },
    formatUsd(c.costNanos),
    c.estimated ? '~' : '',
  );
}

/** "429", "429 rate_limit_exceeded", "timeout": the status code once, then the error type if it says more. */
export function errorText(c) {
  if (c.httpStatus === null) return c.errorType;
  return c.errorType === String(c.httpStatus) ? `HTTP ${c.httpStatus}` : `${c.httpStatus} ${c.errorType}`;
}

export function statusCell(c) {
  if (c.errorType) return h('td', { class: 'status-error' }, errorText(c));
  return h('td', { class: 'status-ok' }, 'ok');
}

/** A link that opens the call's detail dialog. */
export function callLink(c, text) {
  return linkTo({ call: c.id }, text);
}

export function exportButtons(container) {
  container.replaceChildren();
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...rangeParams(), ...state.filters })) if (v) params.set(k, v);
  for (const format of ['csv', 'json']) {
    const q = new URLSearchParams(params);
    q.set('format', format);
    container.append(
      h(
        'a',
        { class: 'button', href: `/v1/telemetry/export?${q}`, download: '', dataset: { format } },
        `Export ${format.toUpperCase()}`,
      ),
    );
  }
}

export function totalsLine(el, t, extra = []) {
  el.replaceChildren(
    h('span', {}, h('strong', { dataset: { role: 'calls' } }, formatInt(t.calls)), ' calls'),
    h(
      'span',
      {},
      h('strong', { dataset: { role: 'cost', nanos: t.costNanos } }, formatUsd(t.costNanos)),
      ' total',
    ),
    h(
      'span',
      {},
      h('strong', {}, formatInt(t.inputTokens)),
      ' input / ',
      h('strong', {}, formatInt(t.outputTokens)),
      ' output tokens',
    ),
    t.errors ? h('span', {}, h('strong', {}, formatInt(t.errors)), ' errors') : null,
    ...extra,
  );
}

/** Local midnight of a 'YYYY-MM-DD' key. */
export function dayStart(key) {
  const [y, m, d] = key.split('-').map(Number);
  return new Date(y, m - 1, d).getTime();
}

/**
 * Cost per day with the days without calls as zeros, from the range start (or the first day) to
 * its end (or the last day), at most 400 days.
 */
export function dayData(groups, sinceMs = null, untilMs = null) {
  const byDay = new Map();
  for (const g of groups) if (g.key) byDay.set(dayStart(g.key), g.costNanos);
  const known = [...byDay.keys()].sort((a, b) => a - b);
  if (known.length === 0 && (sinceMs === null || untilMs === null)) return { days: [], nanos: [] };
  let first = sinceMs !== null ? dayStart(formatDate(sinceMs)) : known[0];
  const last = untilMs !== null ? dayStart(formatDate(untilMs - 1)) : known[known.length - 1];
  if (known.length && last - first > 400 * 86_400_000) first = known[0];
  const days = [];
  const nanos = [];
  for (let d = new Date(first); d.getTime() <= last && days.length < 400; d.setDate(d.getDate() + 1)) {
    days.push(d.getTime());
    nanos.push(byDay.get(d.getTime()) ?? 0);
  }
  return { days, nanos };
}

/** A definition list of [label, value, data-field, monospace?] rows (falsy rows left out). */
export function kv(rows) {
  return h(
    'dl',
    { class: 'kv' },
    rows
      .filter(Boolean)
      .map(([k, v, field, mono]) => [
        h('dt', {}, k),
        h('dd', { dataset: { field }, class: mono ? 'mono' : undefined }, v ?? '—'),
      ]),
  );
}
