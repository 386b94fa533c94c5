// Overview: spend today / this week / this month against their budgets, each with its forecast to the
// period's end (the REST summary's seasonal forecast), cost per day this month, top models, and the
// calls arriving live through the event stream.
import { api, showError, TZ } from '../api.js';
import { drawChart } from '../chart-host.js';
import { categoryBars, dayBars } from '../charts.js';
import { $, $$, h } from '../dom.js';
import { formatDateTime, formatInt, formatTime, formatUsd } from '../format.js';
import { callLink, costCell, dayData, modelOf, NOT_SET, statusCell } from '../shared.js';
import { state } from '../state.js';

const LIVE_ROWS = 15;

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
  const budget = budgets.find((b) => b.period === BUDGET_PERIOD[period] && b.scope === 'all calls');
  const box = $('[data-role=budget]', card);
  box.replaceChildren();
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
  }
  // The same forecast as `tokenmeter cost --forecast` and the budgets (for an all-calls budget).
  const f = summary.forecast?.total;
  const proj = $('[data-role=projection]', card);
  proj.textContent = f
    ? `Forecast ${formatUsd(f.expectedNanos)} by ${PERIOD_END[period]} (${formatUsd(f.lowNanos)} – ${formatUsd(f.highNanos)})`
    : '';
  proj.title = f ? `${f.method}${f.note ? `: ${f.note}` : ''}` : '';
  if (f) {
    proj.dataset.nanos = String(f.expectedNanos);
    proj.dataset.low = String(f.lowNanos);
    proj.dataset.high = String(f.highNanos);
    proj.dataset.method = f.method;
  }
}

async function loadOverviewNumbers() {
  const [today, week, month, budgets] = await Promise.all([
    api('/v1/telemetry/summary', { period: 'today', tz: TZ, forecast: 'true' }),
    api('/v1/telemetry/summary', { period: 'week', tz: TZ, forecast: 'true' }),
    api('/v1/telemetry/summary', { period: 'month', tz: TZ, forecast: 'true' }),
    api('/v1/budgets', { tz: TZ }),
  ]);
  const byPeriod = { today, week, month };
  for (const card of $$('#cards .card')) renderCard(card, byPeriod[card.dataset.period], budgets.budgets);
  renderCostSourceNote(month);
}

/** Says which cost the totals hold when a gateway reported its own for some calls this month. */
function renderCostSourceNote(month) {
  const note = $('#cost-source-note');
  const n = month.reportedCalls ?? 0;
  note.hidden = n === 0;
  note.textContent =
    n === 0
      ? ''
      : `Totals use the cost the AI gateway reported (OpenRouter, LiteLLM) for ${formatInt(n)} call${n === 1 ? '' : 's'} this month; tokenmeter’s own price of each is in its call detail (tokenmeter cost --source local totals those).`;
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

export async function renderOverview() {
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
