// The dashboard's state lives in the URL's query string: view, period, breakdown, filters, the open
// call, budget or alert. Any state can be bookmarked and shared; Back and Forward work.
import { h } from './dom.js';

export const VIEWS = ['overview', 'breakdown', 'calls', 'budgets', 'alerts', 'reconcile'];
export const PERIODS = ['today', 'week', 'month', 'all', 'custom'];
export const GROUPS = ['model', 'provider', 'feature', 'user', 'tenant', 'day'];
export const FILTERS = ['provider', 'model', 'feature', 'user', 'tenant', 'minCost'];
export const FLAGS = ['errors', 'unpriced', 'estimated'];
export const ALERT_STATES = ['all', 'firing', 'resolved'];

export function readState() {
  const q = new URLSearchParams(location.search);
  const pick = (name, allowed, fallback) => (allowed.includes(q.get(name)) ? q.get(name) : fallback);
  const filters = {};
  for (const f of FILTERS) if (q.get(f)) filters[f] = q.get(f);
  for (const f of FLAGS) if (q.get(f) === 'true') filters[f] = 'true';
  const id = (name) => (/^\d+$/.test(q.get(name) ?? '') ? Number(q.get(name)) : null);
  return {
    view: pick('view', VIEWS, 'overview'),
    period: pick('period', PERIODS, 'month'),
    since: q.get('since') ?? '',
    until: q.get('until') ?? '',
    groupBy: pick('groupBy', GROUPS, 'model'),
    filters,
    call: id('call'),
    budget: /^(store|file):[\w.:-]{1,120}$/.test(q.get('budget') ?? '') ? q.get('budget') : null,
    alert: id('alert'),
    alertState: pick('state', ALERT_STATES, 'all'),
  };
}

export function stateQuery(s) {
  const q = new URLSearchParams();
  if (s.view !== 'overview') q.set('view', s.view);
  if (s.period !== 'month') q.set('period', s.period);
  if (s.period === 'custom') {
    if (s.since) q.set('since', s.since);
    if (s.until) q.set('until', s.until);
  }
  if (s.view === 'breakdown' && s.groupBy !== 'model') q.set('groupBy', s.groupBy);
  for (const [k, v] of Object.entries(s.filters)) q.set(k, v);
  if (s.view === 'budgets' && s.budget) q.set('budget', s.budget);
  if (s.view === 'alerts' && s.alertState !== 'all') q.set('state', s.alertState);
  if (s.view === 'alerts' && s.alert !== null) q.set('alert', String(s.alert));
  if (s.call !== null) q.set('call', String(s.call));
  const text = q.toString();
  return text ? `?${text}` : location.pathname;
}

/** The current state (a live binding: read it, change it with navigate). */
export let state = readState();

let onChange = () => {};

/** What runs after every change of state (the app's render). */
export function onNavigate(fn) {
  onChange = fn;
}

export function navigate(changes, { replace = false } = {}) {
  state = { ...state, ...changes };
  const url = stateQuery(state);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  onChange();
}

/** Back / Forward: the state is read again from the URL. */
export function reloadState() {
  state = readState();
}

/** An <a> to `changes` that navigates without reloading (ctrl/cmd-click opens a new tab). */
export function linkTo(changes, ...children) {
  return h(
    'a',
    {
      href: stateQuery({ ...state, ...changes }),
      onclick: (e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(changes);
      },
    },
    ...children,
  );
}
