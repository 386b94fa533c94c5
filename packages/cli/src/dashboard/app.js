// The tokenmeter dashboard: plain ES modules, no framework. Every number comes from the REST API of
// `tokenmeter serve` (aggregated and paginated server-side, so it stays fast on millions of calls);
// the URL's query string holds the view, period, breakdown, filters and open call, so any state can
// be bookmarked and shared. Text is always set with textContent (never HTML from data).
import { categoryBars, dayBars } from './charts.js';
import {
  formatDate,
  formatDateTime,
  formatDuration,
  formatInt,
  formatShare,
  formatTime,
  formatUsd,
} from './format.js';

const VIEWS = ['overview', 'breakdown', 'calls'];
const PERIODS = ['today', 'week', 'month', 'all', 'custom'];
const GROUPS = ['model', 'provider', 'feature', 'user', 'tenant', 'day'];
const FILTERS = ['provider', 'model', 'feature', 'user', 'tenant', 'minCost'];
const FLAGS = ['errors', 'unpriced', 'estimated'];
const TZ = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const LIVE_ROWS = 15;
const PAGE = 50;

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** Builds an element: h('td', { class: 'num', dataset: { nanos: 1 } }, 'text', child). */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Number.POSITIVE_INFINITY)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// ---------------------------------------------------------------- state in the URL

function readState() {
  const q = new URLSearchParams(location.search);
  const pick = (name, allowed, fallback) => (allowed.includes(q.get(name)) ? q.get(name) : fallback);
  const filters = {};
  for (const f of FILTERS) if (q.get(f)) filters[f] = q.get(f);
  for (const f of FLAGS) if (q.get(f) === 'true') filters[f] = 'true';
  const call = /^\d+$/.test(q.get('call') ?? '') ? Number(q.get('call')) : null;
  return {
    view: pick('view', VIEWS, 'overview'),
    period: pick('period', PERIODS, 'month'),
    since: q.get('since') ?? '',
    until: q.get('until') ?? '',
    groupBy: pick('groupBy', GROUPS, 'model'),
    filters,
    call,
  };
}

function stateQuery(s) {
  const q = new URLSearchParams();
  if (s.view !== 'overview') q.set('view', s.view);
  if (s.period !== 'month') q.set('period', s.period);
  if (s.period === 'custom') {
    if (s.since) q.set('since', s.since);
    if (s.until) q.set('until', s.until);
  }
  if (s.view === 'breakdown' && s.groupBy !== 'model') q.set('groupBy', s.groupBy);
  for (const [k, v] of Object.entries(s.filters)) q.set(k, v);
  if (s.call !== null) q.set('call', String(s.call));
  const text = q.toString();
  return text ? `?${text}` : location.pathname;
}

let state = readState();

function navigate(changes, { replace = false } = {}) {
  state = { ...state, ...changes };
  const url = stateQuery(state);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

// ---------------------------------------------------------------- API

async function api(path, params = {}) {
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
function rangeParams(s = state) {
  if (s.period === 'all') return { tz: TZ };
  if (s.period === 'custom') return { since: s.since || undefined, until: s.until || undefined, tz: TZ };
  return { period: s.period, tz: TZ };
}

function rangeLabel(s = state) {
  if (s.period === 'today') return 'today';
  if (s.period === 'week') return 'this week';
  if (s.period === 'month') return 'this month';
  if (s.period === 'all') return 'all time';
  return `${s.since || 'start'} → ${s.until || 'now'}`;
}

function showError(e) {
  const el = $('#error');
  if (!e) {
    el.hidden = true;
    return;
  }
  el.textContent = `Could not load data: ${e.message ?? e}`;
  el.hidden = false;
}

// ---------------------------------------------------------------- theme

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  const btn = $('#theme-toggle');
  btn.setAttribute('aria-pressed', String(theme === 'dark'));
  $('.theme-label', btn).textContent = theme === 'dark' ? 'Light mode' : 'Dark mode';
}

function initTheme() {
  let stored = null;
  try {
    stored = localStorage.getItem('tokenmeter-theme');
  } catch {
    // storage disabled
  }
  const media = matchMedia('(prefers-color-scheme: dark)');
  applyTheme(stored ?? (media.matches ? 'dark' : 'light'));
  media.addEventListener('change', (e) => {
    let saved = null;
    try {
      saved = localStorage.getItem('tokenmeter-theme');
    } catch {}
    if (!saved) {
      applyTheme(e.matches ? 'dark' : 'light');
      redrawCharts();
    }
  });
  $('#theme-toggle').addEventListener('click', () => {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem('tokenmeter-theme', next);
    } catch {}
    applyTheme(next);
    redrawCharts();
  });
}

// ---------------------------------------------------------------- charts (kept to redraw on theme change)

const charts = new Map();
function drawChart(id, draw) {
  charts.get(id)?.chart.destroy();
  const el = document.getElementById(id);
  charts.set(id, { draw, chart: draw(el) });
}
function redrawCharts() {
  for (const [id, c] of charts) {
    c.chart.destroy();
    c.chart = c.draw(document.getElementById(id));
  }
}

/** Local midnight of a 'YYYY-MM-DD' key. */
function dayStart(key) {
  const [y, m, d] = key.split('-').map(Number);
  return new Date(y, m - 1, d).getTime();
}

/**
 * Cost per day with the days without calls as zeros, from the range start (or the first day) to
 * its end (or the last day), at most 400 days.
 */
function dayData(groups, sinceMs = null, untilMs = null) {
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

// ---------------------------------------------------------------- shared bits

const NOT_SET = '(not set)';

function modelOf(c) {
  return c.responseModel ?? c.requestModel ?? '—';
}

function costCell(c) {
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
function errorText(c) {
  if (c.httpStatus === null) return c.errorType;
  return c.errorType === String(c.httpStatus) ? `HTTP ${c.httpStatus}` : `${c.httpStatus} ${c.errorType}`;
}

function statusCell(c) {
  if (c.errorType) return h('td', { class: 'status-error' }, errorText(c));
  return h('td', { class: 'status-ok' }, 'ok');
}

function callHref(id) {
  return stateQuery({ ...state, call: id });
}

function callLink(c, text) {
  return h(
    'a',
    {
      href: callHref(c.id),
      onclick: (e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate({ call: c.id });
      },
    },
    text,
  );
}

function exportButtons(container) {
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

function totalsLine(el, t, extra = []) {
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

// ---------------------------------------------------------------- overview

const BUDGET_PERIOD = { today: 'day', week: 'week', month: 'month' };
const PERIOD_END = { today: 'end of day', week: 'end of week', month: 'end of month' };

function renderCard(card, summary, budgets) {
  const period = card.dataset.period;
  const t = summary.totals;
  const spent = $('[data-role=spent]', card);
  spent.textContent = formatUsd(t.costNanos);
  spent.dataset.nanos = String(t.costNanos);
  $('[data-role=calls]', card).textContent =
    `${formatInt(t.calls)} calls${t.errors ? ` · ${formatInt(t.errors)} errors` : ''}`;
  const budget = budgets.find(
    (b) =>
      b.period === BUDGET_PERIOD[period] && b.tenant === null && b.feature === null && b.provider === null,
  );
  const box = $('[data-role=budget]', card);
  box.replaceChildren();
  let projected;
  if (budget) {
    const pct = budget.limitNanos > 0 ? (budget.spentNanos / budget.limitNanos) * 100 : 0;
    box.append(
      h(
        'div',
        {
          class: `meter ${budget.state}`,
          role: 'progressbar',
          'aria-label': `Budget used, ${card.querySelector('h2').textContent}`,
          'aria-valuemin': 0,
          'aria-valuemax': 100,
          'aria-valuenow': Math.min(100, Math.round(pct)),
        },
        h('span'),
      ),
      h(
        'div',
        { class: 'budget-line' },
        h('span', {}, `${Math.round(pct)}% of ${formatUsd(budget.limitNanos)} budget`),
        h('span', { class: `state-${budget.state}` }, budget.state),
      ),
    );
    box.querySelector('.meter > span').style.width = `${Math.min(100, pct)}%`;
    projected = budget.projectedNanos;
  } else if (summary.sinceMs !== null && summary.untilMs !== null) {
    const elapsed = Math.max(3_600_000, Date.now() - summary.sinceMs);
    const length = summary.untilMs - summary.sinceMs;
    projected = Math.round((t.costNanos * length) / Math.min(length, elapsed));
  }
  const proj = $('[data-role=projection]', card);
  proj.textContent =
    projected !== undefined ? `Projected ${formatUsd(projected)} by ${PERIOD_END[period]}` : '';
  if (projected !== undefined) proj.dataset.nanos = String(projected);
}

async function loadOverviewNumbers() {
  const [today, week, month, budgets] = await Promise.all([
    api('/v1/telemetry/summary', { period: 'today', tz: TZ }),
    api('/v1/telemetry/summary', { period: 'week', tz: TZ }),
    api('/v1/telemetry/summary', { period: 'month', tz: TZ }),
    api('/v1/budgets', { tz: TZ }),
  ]);
  const byPeriod = { today, week, month };
  for (const card of $$('#cards .card')) renderCard(card, byPeriod[card.dataset.period], budgets.budgets);
}

async function loadOverviewCharts() {
  const [days, models] = await Promise.all([
    api('/v1/telemetry/summary', { period: 'month', tz: TZ, groupBy: 'day' }),
    api('/v1/telemetry/summary', { period: 'month', tz: TZ, groupBy: 'model', limit: '8' }),
  ]);
  drawChart('daily-chart', (el) => dayBars(el, dayData(days.groups, days.sinceMs, days.untilMs)));
  drawChart('models-chart', (el) =>
    categoryBars(el, {
      labels: models.groups.map((g) => g.key ?? NOT_SET),
      nanos: models.groups.map((g) => g.costNanos),
    }),
  );
}

function liveRow(c, isNew) {
  return h(
    'tr',
    { class: isNew ? 'new' : undefined, dataset: { id: c.id } },
    h('td', { title: formatDateTime(c.startTimeMs) }, callLink(c, formatTime(c.startTimeMs))),
    h('td', {}, c.provider),
    h('td', { title: modelOf(c) }, modelOf(c)),
    h('td', {}, c.feature ?? '—'),
    h('td', {}, c.tenant ?? '—'),
    h('td', { class: 'num' }, formatInt(c.inputTokens + c.outputTokens)),
    costCell(c),
    statusCell(c),
  );
}

let live = null;
let refreshTimer = null;

function startLive(afterId) {
  if (live) return;
  const status = $('#live-status');
  const url = new URL('/v1/telemetry/stream', location.origin);
  if (afterId !== undefined) url.searchParams.set('after', String(afterId));
  live = new EventSource(url);
  live.addEventListener('open', () => {
    status.textContent = 'live';
    status.classList.add('on');
  });
  live.addEventListener('error', () => {
    status.textContent = 'reconnecting…';
    status.classList.remove('on');
  });
  live.addEventListener('call', (e) => {
    const c = JSON.parse(e.data);
    const body = $('#live-table tbody');
    $('tr.empty-row', body)?.remove();
    body.prepend(liveRow(c, true));
    while (body.rows.length > LIVE_ROWS) body.deleteRow(body.rows.length - 1);
    // New spend: refresh the cards (at most every 2 s).
    if (!refreshTimer)
      refreshTimer = setTimeout(() => {
        refreshTimer = null;
        if (state.view === 'overview') loadOverviewNumbers().catch(showError);
      }, 2000);
  });
}

async function renderOverview() {
  const [page] = await Promise.all([
    api('/v1/telemetry/sessions', { limit: String(LIVE_ROWS) }),
    loadOverviewNumbers(),
    loadOverviewCharts(),
  ]);
  const body = $('#live-table tbody');
  body.replaceChildren(...page.calls.map((c) => liveRow(c, false)));
  if (page.calls.length === 0)
    body.append(
      h(
        'tr',
        { class: 'empty-row' },
        h('td', { colspan: 8, class: 'muted' }, 'No calls yet. They appear here as your app makes them.'),
      ),
    );
  startLive(page.calls[0]?.id ?? undefined);
}

// ---------------------------------------------------------------- breakdown

function filterChips(container) {
  const active = Object.entries(state.filters);
  const old = $('.chips', container);
  old?.remove();
  if (active.length === 0) return;
  container.append(
    h(
      'span',
      { class: 'chips' },
      'Filtered by ',
      active.map(([k, v]) => h('span', { class: 'badge' }, FLAGS.includes(k) ? k : `${k}=${v}`)),
      ' ',
      h(
        'a',
        {
          href: stateQuery({ ...state, filters: {} }),
          onclick: (e) => {
            e.preventDefault();
            navigate({ filters: {} });
          },
        },
        'clear',
      ),
    ),
  );
}

async function renderBreakdown() {
  const view = $('#view-breakdown');
  $('[data-role=range]', view).textContent = `· ${rangeLabel()}`;
  exportButtons($('[data-role=export]', view));
  for (const b of $$('#group-by button'))
    b.setAttribute('aria-pressed', String(b.dataset.group === state.groupBy));
  const groupBy = state.groupBy;
  const s = await api('/v1/telemetry/summary', { ...rangeParams(), ...state.filters, groupBy, limit: '100' });
  totalsLine($('#breakdown-totals'), s.totals);
  filterChips($('#breakdown-totals'));
  if (groupBy === 'day') {
    drawChart('breakdown-chart', (el) => dayBars(el, dayData(s.groups, s.sinceMs, s.untilMs)));
  } else {
    const top = s.groups.slice(0, 15);
    drawChart('breakdown-chart', (el) =>
      categoryBars(el, { labels: top.map((g) => g.key ?? NOT_SET), nanos: top.map((g) => g.costNanos) }),
    );
  }
  const table = $('#breakdown-table');
  const heads = [groupBy, 'Calls', 'Errors', 'Input tokens', 'Output tokens', 'Cache read', 'Cost', 'Share'];
  $('thead', table).replaceChildren(
    h(
      'tr',
      {},
      heads.map((t, i) =>
        h(
          'th',
          { scope: 'col', class: i > 0 ? 'num' : undefined },
          i === 0 ? t[0].toUpperCase() + t.slice(1) : t,
        ),
      ),
    ),
  );
  const total = s.totals.costNanos;
  $('tbody', table).replaceChildren(
    ...s.groups.map((g) => {
      const key = g.key ?? NOT_SET;
      let link;
      if (groupBy === 'day') {
        link = { view: 'calls', period: 'custom', since: g.key, until: g.key };
      } else if (g.key !== null) {
        link = { view: 'calls', filters: { ...state.filters, [groupBy]: g.key } };
      }
      const keyCell = link
        ? h(
            'a',
            {
              href: stateQuery({ ...state, ...link }),
              onclick: (e) => {
                e.preventDefault();
                navigate(link);
              },
            },
            key,
          )
        : key;
      const share = total > 0 ? (g.costNanos / total) * 100 : 0;
      const bar = h('span', { class: 'share', 'aria-hidden': 'true' }, h('span', { class: 'share-fill' }));
      bar.firstChild.style.width = `${share}%`;
      return h(
        'tr',
        { dataset: { key } },
        h('td', { class: 'key', title: key }, keyCell),
        h('td', { class: 'num' }, formatInt(g.calls)),
        h('td', { class: 'num' }, formatInt(g.errors)),
        h('td', { class: 'num' }, formatInt(g.inputTokens)),
        h('td', { class: 'num' }, formatInt(g.outputTokens)),
        h('td', { class: 'num' }, formatInt(g.cacheReadTokens)),
        h('td', { class: 'num cost', dataset: { nanos: g.costNanos } }, formatUsd(g.costNanos)),
        h('td', { class: 'num' }, bar, formatShare(g.costNanos, total)),
      );
    }),
  );
  const t = s.totals;
  $('tfoot', table).replaceChildren(
    h(
      'tr',
      {},
      h('td', {}, 'Total'),
      h('td', { class: 'num' }, formatInt(t.calls)),
      h('td', { class: 'num' }, formatInt(t.errors)),
      h('td', { class: 'num' }, formatInt(t.inputTokens)),
      h('td', { class: 'num' }, formatInt(t.outputTokens)),
      h('td', { class: 'num' }, formatInt(t.cacheReadTokens)),
      h('td', { class: 'num cost', dataset: { nanos: t.costNanos } }, formatUsd(t.costNanos)),
      h('td', { class: 'num' }, total > 0 ? '100.0%' : '—'),
    ),
  );
  const shown = s.groups.reduce((n, g) => n + g.calls, 0);
  $('#breakdown-note').textContent =
    shown < t.calls && groupBy !== 'day'
      ? `Showing the ${s.groups.length} most expensive; the total covers all ${formatInt(t.calls)} calls.`
      : '';
}

// ---------------------------------------------------------------- calls

let nextCursor = null;

function callRow(c) {
  return h(
    'tr',
    { dataset: { id: c.id } },
    h('td', { title: `Call ${c.id}` }, callLink(c, formatDateTime(c.startTimeMs))),
    h('td', {}, c.provider),
    h('td', { title: modelOf(c) }, modelOf(c)),
    h('td', {}, c.feature ?? '—'),
    h('td', {}, c.user ?? '—'),
    h('td', {}, c.tenant ?? '—'),
    h('td', { class: 'num' }, formatInt(c.inputTokens)),
    h('td', { class: 'num' }, formatInt(c.outputTokens)),
    costCell(c),
    statusCell(c),
  );
}

function fillForm() {
  const form = $('#filters');
  for (const f of FILTERS) form.elements[f].value = state.filters[f] ?? '';
  for (const f of FLAGS) form.elements[f].checked = state.filters[f] === 'true';
}

async function fillDatalists() {
  const dims = ['provider', 'model', 'feature', 'tenant'];
  const results = await Promise.all(
    dims.map((g) => api('/v1/telemetry/summary', { ...rangeParams(), groupBy: g, limit: '50' })),
  );
  dims.forEach((d, i) => {
    $(`#dl-${d}`).replaceChildren(
      ...results[i].groups.filter((g) => g.key).map((g) => h('option', { value: g.key })),
    );
  });
}

async function renderCalls() {
  const view = $('#view-calls');
  $('[data-role=range]', view).textContent = `· ${rangeLabel()}`;
  exportButtons($('[data-role=export]', view));
  fillForm();
  const params = { ...rangeParams(), ...state.filters };
  const [summary, page] = await Promise.all([
    api('/v1/telemetry/summary', params),
    api('/v1/telemetry/sessions', { ...params, limit: String(PAGE) }),
  ]);
  totalsLine($('#calls-totals'), summary.totals);
  const body = $('#calls-table tbody');
  body.replaceChildren(...page.calls.map(callRow));
  if (page.calls.length === 0)
    body.append(
      h('tr', {}, h('td', { colspan: 10, class: 'muted' }, 'No calls match these filters in this period.')),
    );
  nextCursor = page.nextCursor;
  $('#load-more').hidden = !nextCursor;
  fillDatalists().catch(() => {});
}

async function loadMore() {
  if (!nextCursor) return;
  const btn = $('#load-more');
  btn.disabled = true;
  try {
    const page = await api('/v1/telemetry/sessions', {
      ...rangeParams(),
      ...state.filters,
      limit: String(PAGE),
      cursor: nextCursor,
    });
    $('#calls-table tbody').append(...page.calls.map(callRow));
    nextCursor = page.nextCursor;
    btn.hidden = !nextCursor;
  } catch (e) {
    showError(e);
  } finally {
    btn.disabled = false;
  }
}

// ---------------------------------------------------------------- detail dialog

function kv(rows) {
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

async function renderDetail() {
  const dialog = $('#detail');
  if (state.call === null) {
    if (dialog.open) dialog.close();
    return;
  }
  const body = $('#detail-body');
  body.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  $('#detail-title').textContent = `Call ${state.call}`;
  if (!dialog.open) dialog.showModal();
  let c;
  try {
    c = await api(`/v1/telemetry/sessions/${state.call}`);
  } catch (e) {
    body.replaceChildren(h('p', { class: 'status-error' }, e.message));
    return;
  }
  $('#detail-title').textContent = `Call ${c.id} · ${c.provider} ${c.operation} ${modelOf(c)}`;
  const uncached = Math.max(0, c.inputTokens - c.cacheReadTokens - c.cacheWriteTokens);
  const parts = c.inputCostNanos + c.cacheReadCostNanos + c.cacheWriteCostNanos + c.outputCostNanos;
  const tokenRows = [
    ['Input (uncached)', uncached, c.inputCostNanos, 'input'],
    ['Cache read', c.cacheReadTokens, c.cacheReadCostNanos, 'cacheRead'],
    ['Cache write', c.cacheWriteTokens, c.cacheWriteCostNanos, 'cacheWrite'],
    ['Output', c.outputTokens, c.outputCostNanos, 'output'],
    ['of which reasoning', c.reasoningTokens, null, 'reasoning'],
  ];
  const tokens = h(
    'table',
    { class: 'data', id: 'detail-tokens' },
    h('caption', { class: 'visually-hidden' }, 'Tokens and cost by kind'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Kind'),
        h('th', { scope: 'col', class: 'num' }, 'Tokens'),
        h('th', { scope: 'col', class: 'num' }, 'Cost'),
      ),
    ),
    h(
      'tbody',
      {},
      tokenRows.map(([label, n, nanos, kind]) =>
        h(
          'tr',
          { dataset: { kind } },
          h('td', {}, label),
          h('td', { class: 'num' }, formatInt(n)),
          h(
            'td',
            { class: 'num', dataset: nanos === null ? {} : { nanos } },
            nanos === null ? '' : formatUsd(nanos),
          ),
        ),
      ),
      c.costNanos !== parts
        ? h(
            'tr',
            {},
            h('td', {}, 'Per-request fee'),
            h('td'),
            h('td', { class: 'num' }, formatUsd(c.costNanos - parts)),
          )
        : null,
    ),
    h(
      'tfoot',
      {},
      h(
        'tr',
        {},
        h('td', {}, 'Total'),
        h('td', { class: 'num' }, formatInt(c.inputTokens + c.outputTokens)),
        h(
          'td',
          { class: 'num', dataset: { field: 'total', nanos: c.costNanos } },
          c.priced ? formatUsd(c.costNanos) : 'unpriced',
        ),
      ),
    ),
  );
  body.replaceChildren(
    ...[
      h('h3', {}, 'Call'),
      kv([
        ['Time', `${formatDateTime(c.startTimeMs)} (${TZ})`, 'time'],
        [
          'Duration',
          `${formatDuration(c.durationMs)}${c.timeToFirstChunkMs !== null ? ` · first chunk after ${formatDuration(c.timeToFirstChunkMs)}` : ''}`,
          'duration',
        ],
        [
          'Status',
          c.errorType ? errorText(c) : `ok${c.httpStatus ? ` (HTTP ${c.httpStatus})` : ''}`,
          'status',
        ],
        ['Request model', c.requestModel, 'requestModel'],
        ['Response model', c.responseModel, 'responseModel'],
        ['Streamed', c.stream ? 'yes' : 'no', 'stream'],
        ['Finish reasons', c.finishReasons.join(', ') || '—', 'finishReasons'],
        ['Service', c.service, 'service'],
        ['Feature', c.feature, 'feature'],
        ['User', c.user, 'user'],
        ['Tenant', c.tenant, 'tenant'],
      ]),
      h('h3', {}, 'Tokens and cost'),
      tokens,
      c.estimated
        ? h(
            'p',
            { class: 'note' },
            'Tokens were counted locally (the provider did not report them): the cost is an estimate.',
          )
        : null,
      h('h3', {}, 'Pricing'),
      kv(
        c.priced
          ? [
              ['Match', c.pricingMatch, 'pricingMatch'],
              ['Catalog entry', `${c.pricingProvider} / ${c.pricingModelId}`, 'pricingEntry'],
              ['Source', `${c.pricingSource} (${c.pricingVersion})`, 'pricingSource'],
              ['Tier', c.pricingTier, 'pricingTier'],
            ]
          : [
              ['Match', c.pricingMatch, 'pricingMatch'],
              [
                'Why no cost',
                'No price is known for this model. Add one in a pricing file (TOKENMETER_PRICING_FILE).',
                'pricingWhy',
              ],
            ],
      ),
      h('h3', {}, 'Trace'),
      kv([
        ['Trace id', c.traceId, 'traceId', true],
        ['Span id', c.spanId, 'spanId', true],
        ['Response id', c.responseId, 'responseId', true],
        ['Server', c.serverAddress, 'server'],
      ]),
    ].filter(Boolean),
  );
}

// ---------------------------------------------------------------- routing

let renderSeq = 0;

async function render() {
  const seq = ++renderSeq;
  document.title = `tokenmeter · ${state.view[0].toUpperCase()}${state.view.slice(1)}`;
  for (const a of $$('.tabs a')) {
    a.href = stateQuery({ ...state, view: a.dataset.view, call: null });
    if (a.dataset.view === state.view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  $('#period').value = state.period;
  $('#custom-range').hidden = state.period !== 'custom';
  $('#since').value = state.since;
  $('#until').value = state.until;
  for (const v of VIEWS) $(`#view-${v}`).hidden = v !== state.view;
  const section = $(`#view-${state.view}`);
  section.dataset.state = 'loading';
  showError(null);
  try {
    if (state.view === 'overview') await renderOverview();
    else if (state.view === 'breakdown') await renderBreakdown();
    else await renderCalls();
    if (seq === renderSeq) section.dataset.state = 'ready';
  } catch (e) {
    if (seq === renderSeq) {
      section.dataset.state = 'error';
      showError(e);
    }
  }
  renderDetail();
}

function init() {
  initTheme();
  $('#period').addEventListener('change', (e) => {
    const period = e.target.value;
    if (period === 'custom') {
      $('#custom-range').hidden = false;
      $('#since').focus();
      return;
    }
    navigate({ period, since: '', until: '' });
  });
  $('#apply-range').addEventListener('click', () =>
    navigate({ period: 'custom', since: $('#since').value, until: $('#until').value }),
  );
  for (const a of $$('.tabs a'))
    a.addEventListener('click', (e) => {
      if (e.metaKey || e.ctrlKey || e.shiftKey) return;
      e.preventDefault();
      navigate({ view: a.dataset.view, call: null });
    });
  for (const b of $$('#group-by button'))
    b.addEventListener('click', () => navigate({ groupBy: b.dataset.group }));
  $('#filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const form = e.target;
    const filters = {};
    for (const f of FILTERS) {
      const v = form.elements[f].value.trim();
      if (v) filters[f] = v;
    }
    for (const f of FLAGS) if (form.elements[f].checked) filters[f] = 'true';
    navigate({ filters });
  });
  $('#clear-filters').addEventListener('click', () => navigate({ filters: {} }));
  $('#load-more').addEventListener('click', loadMore);
  const dialog = $('#detail');
  $('#detail-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    if (state.call !== null) navigate({ call: null });
  });
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });
  window.addEventListener('popstate', () => {
    state = readState();
    render();
  });
  render();
}

init();
// For tests and the curious: the dashboard's own formatting, to compare with the CLI's.
window.tokenmeter = { formatUsd, formatDate };
