// Budgets: each budget of the store and of the budgets file with its spend, what calls in flight
// have reserved, its limit and alert thresholds, the forecast band to the period's end and its
// state. `?budget=ID` opens one: its cumulative spend per day and forecast, and its alerts.
import { api, TZ } from '../api.js';
import { drawChart } from '../chart-host.js';
import { budgetChart } from '../charts.js';
import { $, h } from '../dom.js';
import { formatDateTime, formatUsd } from '../format.js';
import { dayStart } from '../shared.js';
import { linkTo, state } from '../state.js';

const SCOPE = ['provider', 'model', 'feature', 'user', 'tenant', 'service'];

function pct(part, whole) {
  return whole > 0 ? (part / whole) * 100 : 0;
}

/** Spent, reserved and the forecast band on one track scaled to the larger of limit and forecast. */
function track(b) {
  const scale = Math.max(b.limitNanos, b.forecast.highNanos, b.spentNanos + b.reservedNanos) * 1.05;
  const at = (n) => `${Math.min(100, pct(n, scale)).toFixed(2)}%`;
  const el = h(
    'div',
    {
      class: `budget-track ${b.state}`,
      role: 'img',
      'aria-label': `Spent ${formatUsd(b.spentNanos)}, reserved ${formatUsd(b.reservedNanos)}, forecast ${formatUsd(b.forecast.lowNanos)} to ${formatUsd(b.forecast.highNanos)}, limit ${formatUsd(b.limitNanos)}`,
    },
    h('span', { class: 'spent' }),
    h('span', { class: 'reserved' }),
    h('span', { class: 'band' }),
    h('span', { class: 'limit' }),
    b.alertAt.map(() => h('span', { class: 'tick' })),
  );
  const [spent, reserved, band, limit, ...ticks] = el.children;
  spent.style.width = at(b.spentNanos);
  reserved.style.left = at(b.spentNanos);
  reserved.style.width = at(b.reservedNanos);
  band.style.left = at(b.forecast.lowNanos);
  band.style.width = `${Math.max(0.5, pct(b.forecast.highNanos - b.forecast.lowNanos, scale)).toFixed(2)}%`;
  limit.style.left = at(b.limitNanos);
  b.alertAt.forEach((p, i) => {
    ticks[i].style.left = at((b.limitNanos * p) / 100);
    ticks[i].title = `${p}%`;
  });
  return el;
}

function money(label, nanos, role) {
  return h(
    'div',
    { class: 'fig' },
    h('span', { class: 'fig-label' }, label),
    h('strong', { dataset: { role, nanos } }, formatUsd(nanos)),
  );
}

/** The calls view filtered to a budget's scope and period (service is not a dashboard filter). */
function callsLink(b) {
  const filters = {};
  for (const f of SCOPE) if (f !== 'service' && b[f] !== null) filters[f] = b[f];
  const day = (ms) => new Date(ms).toLocaleDateString('en-CA');
  return linkTo(
    {
      view: 'calls',
      period: 'custom',
      since: day(b.periodStartMs),
      until: day(Math.min(Date.now(), b.periodEndMs - 1)),
      filters,
      budget: null,
    },
    'Calls in this budget',
  );
}

function budgetCard(b, alerts) {
  const rolling = b.period.startsWith('rolling:');
  const f = b.forecast;
  const firing = alerts.filter((a) => a.state === 'firing' && a.scope?.budget === b.id);
  return h(
    'article',
    { class: `card budget-card${state.budget === b.id ? ' selected' : ''}`, dataset: { budget: b.id } },
    h(
      'div',
      { class: 'budget-head' },
      h('h2', {}, linkTo({ budget: b.id }, b.name ?? b.label)),
      h('span', { class: `badge state-${b.state}`, dataset: { role: 'state' } }, b.state),
    ),
    h(
      'p',
      { class: 'sub' },
      `${b.scope} · ${rolling ? `the last ${b.period.slice(8, -1)} hours` : `${b.period} of ${formatDateTime(b.periodStartMs).slice(0, 10)} (${b.timeZone})`} · ${b.action}${b.source === 'file' ? ' · budgets file' : ''}`,
    ),
    h(
      'div',
      { class: 'figs' },
      money('Spent', b.spentNanos, 'spent'),
      money('Reserved', b.reservedNanos, 'reserved'),
      money('Limit', b.limitNanos, 'limit'),
      h(
        'div',
        { class: 'fig' },
        h('span', { class: 'fig-label' }, 'Used'),
        h('strong', { dataset: { role: 'used' } }, `${Math.floor(pct(b.spentNanos, b.limitNanos))}%`),
      ),
    ),
    track(b),
    h(
      'p',
      {
        class: 'sub',
        title: f.note ?? '',
        dataset: {
          role: 'forecast',
          expected: f.expectedNanos,
          low: f.lowNanos,
          high: f.highNanos,
          method: f.method,
        },
      },
      `${rolling ? `The next ${b.period.slice(8, -1)} hours` : `Forecast by the end of the ${b.period}`}: ${formatUsd(f.expectedNanos)} (p10–p90 ${formatUsd(f.lowNanos)} – ${formatUsd(f.highNanos)}, ${f.method})`,
      f.exhaustsAtMs !== null && b.state !== 'exceeded'
        ? h(
            'span',
            { class: 'state-warning' },
            ` · runs out around ${formatDateTime(f.exhaustsAtMs).slice(0, 16)}`,
          )
        : null,
    ),
    firing.length
      ? h(
          'p',
          { class: 'sub' },
          firing.map((a) =>
            h(
              'span',
              { class: `badge ${a.severity}` },
              linkTo({ view: 'alerts', alert: a.id, budget: null }, a.kind.replace('budget_', '')),
            ),
          ),
        )
      : null,
    h('p', { class: 'sub' }, callsLink(b)),
  );
}

async function renderBudgetDetail(b) {
  const box = $('#budget-detail');
  if (!b) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  $('#budget-detail-title').textContent = `${b.name ?? b.label}: spend and forecast`;
  if (b.period.startsWith('rolling:')) {
    drawChart('budget-chart', (el) => {
      el.replaceChildren(
        h(
          'p',
          { class: 'empty' },
          'A rolling window has no calendar period to chart: see its numbers above.',
        ),
      );
      return { destroy() {} };
    });
    return;
  }
  const scope = {};
  for (const f of SCOPE) if (b[f] !== null) scope[f] = b[f];
  const now = Date.now();
  const days = await api('/v1/telemetry/summary', {
    ...scope,
    since: String(b.periodStartMs),
    until: String(Math.min(now, b.periodEndMs)),
    groupBy: 'day',
    tz: b.timeZone,
  });
  const byDay = new Map(days.groups.map((g) => [g.key, g.costNanos]));
  const xs = [];
  const spent = [];
  let total = 0;
  for (const key of [...byDay.keys()].sort()) {
    total += byDay.get(key);
    xs.push(dayStart(key));
    spent.push(total);
  }
  const low = xs.map(() => null);
  const high = xs.map(() => null);
  // The band starts at today's spend and reaches the forecast at the period's end.
  xs.push(now, b.periodEndMs);
  spent.push(b.spentNanos, null);
  low.push(b.spentNanos + b.reservedNanos, b.forecast.lowNanos);
  high.push(b.spentNanos + b.reservedNanos, b.forecast.highNanos);
  drawChart('budget-chart', (el) => budgetChart(el, { xs, spent, low, high, limitNanos: b.limitNanos }));
}

export async function renderBudgets() {
  const [budgets, alerts] = await Promise.all([
    api('/v1/budgets', { tz: TZ }),
    api('/v1/alerts', { since: '1h', state: 'firing', tz: TZ }),
  ]);
  const list = $('#budget-list');
  list.replaceChildren(...budgets.budgets.map((b) => budgetCard(b, alerts.alerts)));
  if (budgets.budgets.length === 0)
    list.append(
      h(
        'p',
        { class: 'muted' },
        'No budgets. Set one with `tokenmeter budget set 50 --period day`, or list them in a budgets file (TOKENMETER_BUDGETS).',
      ),
    );
  await renderBudgetDetail(budgets.budgets.find((b) => b.id === state.budget));
}
