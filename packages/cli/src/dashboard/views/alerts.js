// Alerts: the alert log (every alert still firing, and those of the last 30 days), with what each
// said, since when, its top contributors, and where its notices went. `?alert=ID` opens one.
import { api, TZ } from '../api.js';
import { $, $$, h } from '../dom.js';
import { formatDateTime, formatInt, formatUsd } from '../format.js';
import { kv, NOT_SET } from '../shared.js';
import { linkTo, navigate, state } from '../state.js';

const DIMENSIONS = ['model', 'feature', 'user', 'tenant'];

/** An alert's value or baseline in its unit. */
function measure(v, unit) {
  if (v === null || v === undefined) return '—';
  if (unit === 'nanos') return formatUsd(v);
  if (unit === 'nanos_per_request') return `${formatUsd(Math.round(v))} per call`;
  if (unit === 'requests') return `${formatInt(v)} calls`;
  if (unit === 'ratio') return `${Math.round(v * 100)}%`;
  return String(v);
}

function contributorValue(v, unit) {
  if (unit === 'nanos') return formatUsd(v);
  return `${formatInt(v)} ${unit === 'requests' ? 'calls' : 'tokens'}`;
}

function deliverySummary(d) {
  if (d.length === 0) return 'no sink';
  const n = (s) => d.filter((x) => x.state === s).length;
  return [
    n('delivered') ? `${n('delivered')} delivered` : '',
    n('pending') ? `${n('pending')} pending` : '',
    n('failed') ? `${n('failed')} failed` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function alertRow(a) {
  return h(
    'tr',
    { dataset: { id: a.id, kind: a.kind }, class: state.alert === a.id ? 'selected' : undefined },
    h('td', {}, h('span', { class: `badge ${a.severity}` }, a.severity)),
    h('td', { class: a.state === 'firing' ? 'status-error' : 'status-ok' }, a.state),
    h('td', { title: formatDateTime(a.openedMs) }, formatDateTime(a.openedMs).slice(0, 16)),
    h('td', { class: 'title' }, linkTo({ alert: a.id }, a.title ?? a.key)),
    h(
      'td',
      { class: a.deliveries.some((d) => d.state === 'failed') ? 'status-error' : undefined },
      deliverySummary(a.deliveries),
    ),
  );
}

function contributorsTable(a) {
  const dims = DIMENSIONS.filter((d) => a.contributors?.[d]?.length);
  if (dims.length === 0) return h('p', { class: 'muted' }, 'No contributors recorded.');
  return h(
    'div',
    { class: 'contributors' },
    dims.map((d) =>
      h(
        'table',
        { class: 'data', dataset: { dimension: d } },
        h('caption', {}, `Top ${d}s`),
        h(
          'tbody',
          {},
          a.contributors[d].map((c) =>
            h(
              'tr',
              {},
              h('td', {}, c.key ?? NOT_SET),
              h('td', { class: 'num' }, contributorValue(c.value, a.contributorUnit)),
              h('td', { class: 'num' }, `${Math.round(c.share * 100)}%`),
            ),
          ),
        ),
      ),
    ),
  );
}

function deliveriesTable(a) {
  if (a.deliveries.length === 0)
    return h('p', { class: 'muted' }, 'No sink got this alert (add one with `tokenmeter alerts add`).');
  return h(
    'table',
    { class: 'data', id: 'alert-deliveries' },
    h('caption', { class: 'visually-hidden' }, 'Notices'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Sink', 'Notice', 'State', 'Attempts', 'When', 'Last error'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      a.deliveries.map((d) =>
        h(
          'tr',
          { dataset: { state: d.state } },
          h('td', {}, d.sinkLabel),
          h('td', {}, d.notice),
          h(
            'td',
            {
              class:
                d.state === 'failed' ? 'status-error' : d.state === 'delivered' ? 'status-ok' : undefined,
            },
            d.state,
          ),
          h('td', { class: 'num' }, formatInt(d.attempts)),
          h('td', {}, formatDateTime(d.doneMs ?? d.nextAttemptMs ?? d.createdMs)),
          h('td', {}, d.lastError ?? ''),
        ),
      ),
    ),
  );
}

function renderAlertDetail(a) {
  const box = $('#alert-detail');
  if (!a) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  $('#alert-detail-title').textContent = a.title ?? a.key;
  $('#alert-detail-body').replaceChildren(
    kv([
      ['Severity', a.severity, 'severity'],
      ['State', a.state === 'resolved' ? `resolved ${formatDateTime(a.resolvedMs)}` : 'firing', 'state'],
      ['Since', formatDateTime(a.openedMs), 'since'],
      ['Value', measure(a.value, a.unit), 'value'],
      a.baseline !== null && a.baseline !== undefined
        ? ['Compared with', measure(a.baseline, a.unit), 'baseline']
        : null,
      ['Runbook', a.runbook, 'runbook'],
      ['Key', a.key, 'key', true],
    ]),
    a.path
      ? h('p', {}, h('a', { class: 'button', href: a.path, dataset: { role: 'data-link' } }, 'Show the data'))
      : null,
    h('h3', {}, 'Top contributors'),
    contributorsTable(a),
    h('h3', {}, 'Notices'),
    deliveriesTable(a),
  );
}

export async function renderAlerts() {
  for (const b of $$('#alert-state button'))
    b.setAttribute('aria-pressed', String(b.dataset.state === state.alertState));
  const params = { since: '30d', tz: TZ, limit: '500' };
  if (state.alertState !== 'all') params.state = state.alertState;
  const log = await api('/v1/alerts', params);
  const body = $('#alerts-table tbody');
  body.replaceChildren(...log.alerts.map(alertRow));
  if (log.alerts.length === 0)
    body.append(
      h(
        'tr',
        {},
        h(
          'td',
          { colspan: 5, class: 'muted' },
          'No alerts. They are evaluated every minute by `tokenmeter serve` (and `tokenmeter watch`).',
        ),
      ),
    );
  let selected = log.alerts.find((a) => a.id === state.alert);
  if (state.alert !== null && !selected)
    selected = await api(`/v1/alerts/${state.alert}`).catch(() => undefined);
  renderAlertDetail(selected);
}

export function initAlerts() {
  for (const b of $$('#alert-state button'))
    b.addEventListener('click', () => navigate({ alertState: b.dataset.state, alert: null }));
}
