// The tokenmeter dashboard: plain ES modules, no framework, no build step. This module routes: it
// shows the view of the URL's state and wires the header. Each view is one module in views/; every
// number comes from the REST API of `tokenmeter serve` (api.js), and the state lives in the URL
// (state.js), so any state can be bookmarked and shared.
import { api, showError, TZ } from './api.js';
import { $, $$ } from './dom.js';
import { formatDate, formatUsd } from './format.js';
import { navigate, onNavigate, reloadState, state, stateQuery, VIEWS } from './state.js';
import { initTheme } from './theme.js';
import { initAlerts, renderAlerts } from './views/alerts.js';
import { initBreakdown, renderBreakdown } from './views/breakdown.js';
import { renderBudgets } from './views/budgets.js';
import { initDetail, renderDetail } from './views/call-detail.js';
import { initCalls, renderCalls } from './views/calls.js';
import { renderOverview } from './views/overview.js';
import { renderReconcile } from './views/reconcile.js';

const RENDER = {
  overview: renderOverview,
  breakdown: renderBreakdown,
  calls: renderCalls,
  budgets: renderBudgets,
  alerts: renderAlerts,
  reconcile: renderReconcile,
};

let renderSeq = 0;

/** The number of firing alerts on the Alerts tab (refreshed on each render). */
async function alertBadge() {
  const badge = $('#alerts-badge');
  try {
    const { firing } = await api('/v1/alerts', { since: '1h', limit: '1', tz: TZ });
    badge.textContent = String(firing);
    badge.hidden = firing === 0;
    badge.setAttribute('aria-label', `${firing} firing`);
  } catch {
    badge.hidden = true;
  }
}

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
  alertBadge();
  try {
    await RENDER[state.view]();
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
  initBreakdown();
  initCalls();
  initDetail();
  initAlerts();
  onNavigate(render);
  window.addEventListener('popstate', () => {
    reloadState();
    render();
  });
  render();
}

init();
// For tests and the curious: the dashboard's own formatting, to compare with the CLI's.
window.tokenmeter = { formatUsd, formatDate };
