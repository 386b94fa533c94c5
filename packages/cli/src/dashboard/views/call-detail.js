// The detail dialog of one call: tokens and cost by kind, pricing provenance, trace and span ids.
import { api, TZ } from '../api.js';
import { $, h } from '../dom.js';
import { formatDateTime, formatDuration, formatInt, formatUsd } from '../format.js';
import { errorText, kv, modelOf } from '../shared.js';
import { navigate, state } from '../state.js';

export async function renderDetail() {
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
      // A gateway reports a total only: the parts above are tokenmeter's own price, not a fee.
      c.costNanos !== parts && !c.costReported
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
          c.priced
            ? formatUsd(c.costNanos) + (c.costReported ? ' (reported by the gateway)' : '')
            : 'unpriced',
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
              ...(c.costReported
                ? [
                    [
                      'tokenmeter’s own price',
                      c.localCostNanos === null
                        ? 'none (model not in the price list)'
                        : formatUsd(c.localCostNanos),
                      'localCost',
                    ],
                  ]
                : []),
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
        ['AI gateway', c.gateway, 'gateway'],
        ...(c.batch
          ? [
              ['Batch', c.batchId ?? 'id not known', 'batchId', true],
              ['Custom id', c.batchCustomId, 'batchCustomId', true],
            ]
          : []),
      ]),
    ].filter(Boolean),
  );
}

export function initDetail() {
  const dialog = $('#detail');
  $('#detail-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    if (state.call !== null) navigate({ call: null });
  });
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });
}
