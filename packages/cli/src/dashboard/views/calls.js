// Calls: the explorer with filters, newest first, 50 per page with "Load more".
import { api, rangeLabel, rangeParams, showError } from '../api.js';
import { $, h } from '../dom.js';
import { formatDateTime, formatInt } from '../format.js';
import { callLink, costCell, exportButtons, modelOf, statusCell, totalsLine } from '../shared.js';
import { FILTERS, FLAGS, navigate, state } from '../state.js';

const PAGE = 50;

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

export async function renderCalls() {
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

export function initCalls() {
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
}
