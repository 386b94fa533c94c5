// Reconcile: the provider's own cost per UTC day (its admin cost and usage reports, read by the
// server with the admin key of its environment) beside tokenmeter's, with the drift highlighted.
// Nothing is asked of the provider until "Compare" is pressed: GET /v1/reconcile runs only then.
import { api, rangeLabel, rangeParams } from '../api.js';
import { $, h } from '../dom.js';
import { formatInt, formatUsd } from '../format.js';
import { state } from '../state.js';

/** Drift beyond this share of the provider's cost is highlighted. */
export const DRIFT_HIGHLIGHT_PERCENT = 5;

let seq = 0;

function driftText(r) {
  if (r.driftPercent === null) return r.tokenmeter.costNanos > 0 ? 'not billed' : '—';
  const p = r.driftPercent;
  return `${p > 0 ? '+' : ''}${p.toFixed(1)}%`;
}

function highlighted(r) {
  return r.driftPercent === null
    ? r.tokenmeter.costNanos > 0
    : Math.abs(r.driftPercent) > DRIFT_HIGHLIGHT_PERCENT;
}

function signedUsd(nanos) {
  return nanos > 0 ? `+${formatUsd(nanos)}` : formatUsd(nanos);
}

/** Two bars on one scale: the provider's cost and tokenmeter's. */
function bars(r, scale) {
  const el = h(
    'div',
    {
      class: 'recon-bars',
      role: 'img',
      'aria-label': `provider ${formatUsd(r.provider.costNanos)}, tokenmeter ${formatUsd(r.tokenmeter.costNanos)}`,
    },
    h('span', { class: 'provider' }),
    h('span', { class: 'tokenmeter' }),
  );
  const [p, t] = el.children;
  p.style.width = `${scale > 0 ? ((r.provider.costNanos / scale) * 100).toFixed(2) : 0}%`;
  t.style.width = `${scale > 0 ? ((r.tokenmeter.costNanos / scale) * 100).toFixed(2) : 0}%`;
  return el;
}

function row(r, scale, total) {
  return h(
    'tr',
    { class: highlighted(r) ? 'drift-high' : '', dataset: { day: r.day ?? 'total' } },
    h('td', { class: 'key' }, total ? 'Total' : r.day),
    h(
      'td',
      { class: 'num', dataset: { role: 'provider', nanos: r.provider.costNanos } },
      formatUsd(r.provider.costNanos),
    ),
    h(
      'td',
      { class: 'num', dataset: { role: 'tokenmeter', nanos: r.tokenmeter.costNanos } },
      formatUsd(r.tokenmeter.costNanos),
    ),
    h('td', { class: 'num', dataset: { role: 'drift', nanos: r.driftNanos } }, signedUsd(r.driftNanos)),
    h('td', { class: 'num', dataset: { role: 'drift-pct' } }, driftText(r)),
    h('td', { class: 'num' }, formatInt(r.provider.inputTokens + r.provider.outputTokens)),
    h('td', { class: 'num' }, formatInt(r.tokenmeter.inputTokens + r.tokenmeter.outputTokens)),
    h(
      'td',
      { class: 'num', dataset: { role: 'never-saw', nanos: r.neverSawNanos } },
      r.neverSawNanos > 0 ? formatUsd(r.neverSawNanos) : '—',
    ),
    h('td', {}, total ? '' : bars(r, scale)),
  );
}

function table(result) {
  const scale = Math.max(
    0,
    ...result.rows.map((r) => Math.max(r.provider.costNanos, r.tokenmeter.costNanos)),
  );
  const th = (text, num = true) => h('th', num ? { class: 'num', scope: 'col' } : { scope: 'col' }, text);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data', id: 'reconcile-table' },
      h(
        'caption',
        { class: 'visually-hidden' },
        `${result.provider} cost per UTC day beside tokenmeter's, ${result.since.slice(0, 10)} to ${result.until.slice(0, 10)}`,
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          th('Day (UTC)', false),
          th(result.provider),
          th('tokenmeter'),
          th('Drift'),
          th('Drift %'),
          th(`${result.provider} tokens`),
          th('tokenmeter tokens'),
          th('Never saw'),
          th('', false),
        ),
      ),
      h(
        'tbody',
        {},
        result.rows.map((r) => row(r, scale, false)),
      ),
      h('tfoot', {}, row(result.totals, scale, true)),
    ),
  );
}

/** The range of the dashboard's period, as UTC days (the providers' buckets). */
function reconcileParams() {
  const r = rangeParams(state);
  if (state.period === 'all') return null;
  return { ...r, tz: 'UTC' };
}

async function compare() {
  const mine = ++seq;
  const out = $('#reconcile-result');
  const provider = $('#reconcile-provider').value;
  const params = reconcileParams();
  if (!params) {
    out.replaceChildren(
      h('p', { class: 'note' }, 'Pick a period (reconcile compares whole UTC days, at most 190).'),
    );
    return;
  }
  out.dataset.state = 'loading';
  out.replaceChildren(h('p', { class: 'note' }, `Reading ${provider}'s cost and usage reports…`));
  try {
    const result = await api('/v1/reconcile', { provider, by: 'day', ...params });
    if (mine !== seq) return;
    const t = result.totals;
    out.replaceChildren(
      h(
        'p',
        { class: 'recon-summary', dataset: { role: 'summary' } },
        `tokenmeter recorded ${formatUsd(t.tokenmeter.costNanos)}; ${provider} reports ${formatUsd(t.provider.costNanos)} (drift ${signedUsd(t.driftNanos)}, ${driftText(t)})`,
        t.neverSawNanos > 0 ? `; about ${formatUsd(t.neverSawNanos)} on calls tokenmeter never saw.` : '.',
      ),
      result.rows.length
        ? table(result)
        : h('p', { class: 'empty' }, `Neither ${provider} nor the store has spend in this period.`),
    );
    out.dataset.state = 'ready';
  } catch (e) {
    if (mine !== seq) return;
    out.dataset.state = 'error';
    out.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Could not reconcile: ${e.message ?? e}`));
  }
}

let wired = false;

export async function renderReconcile() {
  if (!wired) {
    wired = true;
    $('#reconcile-run').addEventListener('click', () => compare());
  }
  // A new period makes an earlier comparison stale: asked again only on "Compare".
  seq++;
  $('#view-reconcile [data-role=range]').textContent = `· ${rangeLabel(state)}`;
  const out = $('#reconcile-result');
  out.dataset.state = 'idle';
  out.replaceChildren(
    h(
      'p',
      { class: 'note' },
      'Press Compare to read the provider\u2019s reports for this period (UTC days).',
    ),
  );
}
