// Breakdown by model, provider, feature, user, tenant or day: a chart and a table, each row linking
// to the calls behind it.
import { api, rangeLabel, rangeParams } from '../api.js';
import { drawChart } from '../chart-host.js';
import { categoryBars, dayBars } from '../charts.js';
import { $, $$, h } from '../dom.js';
import { formatInt, formatShare, formatUsd } from '../format.js';
import { dayData, exportButtons, NOT_SET, totalsLine } from '../shared.js';
import { FLAGS, linkTo, navigate, state } from '../state.js';

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
      linkTo({ filters: {} }, 'clear'),
    ),
  );
}

export async function renderBreakdown() {
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
      const keyCell = link ? linkTo(link, key) : key;
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

export function initBreakdown() {
  for (const b of $$('#group-by button'))
    b.addEventListener('click', () => navigate({ groupBy: b.dataset.group }));
}
