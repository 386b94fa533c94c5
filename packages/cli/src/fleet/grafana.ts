// `tokenmeter grafana`: a Grafana dashboard over the llm_* metrics and the GenAI histograms the
// preload exports: spend by model, provider, tenant and feature, burn rate against each budget,
// tokens by type, unpriced calls, cache hit rate, latency. Every query uses names from
// @tokenmeter/semconv; a test checks each metric and label against a real scrape of the distro.
import {
  ATTR_GEN_AI_REQUEST_MODEL,
  LABEL_FEATURE,
  LABEL_MODEL,
  LABEL_ORG_ID,
  LABEL_PRICED,
  LABEL_PROVIDER,
  LABEL_TOKEN_TYPE,
  LABEL_TOKEN_TYPE_VALUE_CACHE_READ,
  LABEL_TOKEN_TYPE_VALUE_CACHE_WRITE,
  LABEL_TOKEN_TYPE_VALUE_INPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR,
  METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR,
} from '@tokenmeter/semconv';
import {
  budgetMatchers,
  COST,
  num,
  type PromBudget,
  periodRange,
  quote,
  REQUESTS,
  TOKENS,
} from './promql.js';

// biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable, not a JS template
const DS = { type: 'prometheus', uid: '${datasource}' };
const DURATION = METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR.prometheusName;
const ROLLING = METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR.prometheusName;
/** OTel attributes become Prometheus labels with dots replaced. */
const REQUEST_MODEL = ATTR_GEN_AI_REQUEST_MODEL.replace(/\./g, '_');

interface Target {
  expr: string;
  legendFormat: string;
}

interface PanelSpec {
  title: string;
  description?: string;
  type: 'timeseries' | 'stat' | 'table';
  unit: string;
  targets: Target[];
  w: number;
  h?: number;
  thresholds?: { value: number; color: string }[];
  stack?: boolean;
}

function panel(id: number, spec: PanelSpec, x: number, y: number): Record<string, unknown> {
  const steps = [{ color: 'green', value: null }, ...(spec.thresholds ?? [])];
  return {
    id,
    type: spec.type,
    title: spec.title,
    ...(spec.description ? { description: spec.description } : {}),
    datasource: DS,
    gridPos: { x, y, w: spec.w, h: spec.h ?? 8 },
    targets: spec.targets.map((t, i) => ({
      datasource: DS,
      refId: String.fromCharCode(65 + i),
      expr: t.expr,
      legendFormat: t.legendFormat,
      range: true,
    })),
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        thresholds: { mode: 'absolute', steps },
        ...(spec.type === 'timeseries'
          ? {
              custom: {
                drawStyle: 'line',
                fillOpacity: spec.stack ? 30 : 10,
                stacking: { mode: spec.stack ? 'normal' : 'none' },
                ...(spec.thresholds?.length ? { thresholdsStyle: { mode: 'line' } } : {}),
              },
            }
          : {}),
      },
      overrides: [],
    },
    options:
      spec.type === 'stat'
        ? { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value', graphMode: 'area' }
        : {
            legend: { displayMode: 'table', placement: 'right', calcs: ['sum'] },
            tooltip: { mode: 'multi' },
          },
  };
}

const perHour = (by: string) => `sum by (${by}) (rate(${COST}[$__rate_interval])) * 3600`;

function budgetPanels(budgets: readonly PromBudget[]): PanelSpec[] {
  const out: PanelSpec[] = [];
  for (const b of budgets) {
    const m = budgetMatchers(b);
    if (m === null) continue;
    const { range, seconds } = periodRange(b.period);
    const limit = b.limitNanos / 1e9;
    out.push({
      title: `Budget ${b.name}: burn rate against its $${num(limit)} limit`,
      description: `Spend over the last ${range}, and what a whole ${b.period} would cost at the last hour's rate. The lines are the budget's alert thresholds. Prometheus checks a ${b.period} budget as a rolling window.`,
      type: 'timeseries',
      unit: 'currencyUSD',
      w: 12,
      targets: [
        { expr: `sum(increase(${COST}${m}[${range}]))`, legendFormat: `spent (last ${range})` },
        {
          expr: `sum(rate(${COST}${m}[1h])) * ${seconds}`,
          legendFormat: `a ${b.period} at the current rate`,
        },
      ],
      thresholds: [...new Set(b.alertAt)]
        .sort((x, y) => x - y)
        .map((p) => ({ value: (limit * p) / 100, color: p >= 100 ? 'red' : 'orange' })),
    });
  }
  return out;
}

export function grafanaDashboard(budgets: readonly PromBudget[] = [], version = ''): Record<string, unknown> {
  const inputKinds = `${LABEL_TOKEN_TYPE_VALUE_INPUT}|${LABEL_TOKEN_TYPE_VALUE_CACHE_READ}|${LABEL_TOKEN_TYPE_VALUE_CACHE_WRITE}`;
  const specs: PanelSpec[] = [
    {
      title: 'Spend, last 24 hours',
      type: 'stat',
      unit: 'currencyUSD',
      w: 6,
      h: 5,
      targets: [{ expr: `sum(increase(${COST}[24h]))`, legendFormat: 'spend' }],
    },
    {
      title: 'A 30-day month at the current rate',
      description: "The last hour's spend rate over 30 days: the burn rate.",
      type: 'stat',
      unit: 'currencyUSD',
      w: 6,
      h: 5,
      targets: [{ expr: `sum(rate(${COST}[1h])) * ${30 * 86_400}`, legendFormat: 'projected' }],
    },
    {
      title: 'Requests per second',
      type: 'stat',
      unit: 'reqps',
      w: 6,
      h: 5,
      targets: [{ expr: `sum(rate(${REQUESTS}[$__rate_interval]))`, legendFormat: 'requests/s' }],
    },
    {
      title: 'Unpriced calls, last 24 hours',
      description:
        'Calls to models with no known price: their cost is missing from every total. Add a price with a pricing file (TOKENMETER_PRICING_FILE).',
      type: 'stat',
      unit: 'short',
      w: 6,
      h: 5,
      targets: [
        { expr: `sum(increase(${REQUESTS}{${LABEL_PRICED}="false"}[24h]))`, legendFormat: 'unpriced' },
      ],
      thresholds: [{ value: 1, color: 'orange' }],
    },
    {
      title: 'Spend per hour by model',
      type: 'timeseries',
      unit: 'currencyUSD',
      w: 12,
      stack: true,
      targets: [{ expr: perHour(LABEL_MODEL), legendFormat: `{{${LABEL_MODEL}}}` }],
    },
    {
      title: 'Spend per hour by provider',
      type: 'timeseries',
      unit: 'currencyUSD',
      w: 12,
      stack: true,
      targets: [{ expr: perHour(LABEL_PROVIDER), legendFormat: `{{${LABEL_PROVIDER}}}` }],
    },
    {
      title: 'Spend per hour by tenant',
      type: 'timeseries',
      unit: 'currencyUSD',
      w: 12,
      stack: true,
      targets: [{ expr: perHour(LABEL_ORG_ID), legendFormat: `{{${LABEL_ORG_ID}}}` }],
    },
    {
      title: 'Spend per hour by feature',
      description: 'Needs the feature label on the metrics: TOKENMETER_METRIC_LABELS=feature in the app.',
      type: 'timeseries',
      unit: 'currencyUSD',
      w: 12,
      stack: true,
      targets: [{ expr: perHour(LABEL_FEATURE), legendFormat: `{{${LABEL_FEATURE}}}` }],
    },
    ...budgetPanels(budgets),
    {
      title: 'Tokens per second by type',
      type: 'timeseries',
      unit: 'short',
      w: 12,
      stack: true,
      targets: [
        {
          expr: `sum by (${LABEL_TOKEN_TYPE}) (rate(${TOKENS}[$__rate_interval]))`,
          legendFormat: `{{${LABEL_TOKEN_TYPE}}}`,
        },
      ],
    },
    {
      title: 'Prompt-cache hit rate by model',
      description: 'Cache-read share of input tokens. A drop means the cached prefix changes per call.',
      type: 'timeseries',
      unit: 'percentunit',
      w: 12,
      targets: [
        {
          expr:
            `sum by (${LABEL_MODEL}) (rate(${TOKENS}{${LABEL_TOKEN_TYPE}=${quote(LABEL_TOKEN_TYPE_VALUE_CACHE_READ)}}[$__rate_interval]))\n` +
            `  / sum by (${LABEL_MODEL}) (rate(${TOKENS}{${LABEL_TOKEN_TYPE}=~${quote(inputKinds)}}[$__rate_interval]))`,
          legendFormat: `{{${LABEL_MODEL}}}`,
        },
      ],
    },
    {
      title: 'Unpriced calls per minute by model',
      type: 'timeseries',
      unit: 'short',
      w: 12,
      targets: [
        {
          expr: `sum by (${LABEL_PROVIDER}, ${LABEL_MODEL}) (rate(${REQUESTS}{${LABEL_PRICED}="false"}[$__rate_interval])) * 60`,
          legendFormat: `{{${LABEL_PROVIDER}}} {{${LABEL_MODEL}}}`,
        },
      ],
    },
    {
      title: 'Latency by model (p50, p95)',
      description: 'gen_ai.client.operation.duration of each call, in seconds.',
      type: 'timeseries',
      unit: 's',
      w: 12,
      targets: [0.5, 0.95].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le, ${REQUEST_MODEL}) (rate(${DURATION}_bucket[$__rate_interval])))`,
        legendFormat: `p${Math.round(q * 100)} {{${REQUEST_MODEL}}}`,
      })),
    },
    {
      title: 'Spend of the last 24 hours by tenant (as each process sees it)',
      type: 'timeseries',
      unit: 'currencyUSD',
      w: 12,
      targets: [{ expr: `sum by (${LABEL_ORG_ID}) (${ROLLING})`, legendFormat: `{{${LABEL_ORG_ID}}}` }],
    },
  ];
  const panels: Record<string, unknown>[] = [];
  let x = 0;
  let y = 0;
  let rowH = 0;
  specs.forEach((s, i) => {
    if (x + s.w > 24) {
      x = 0;
      y += rowH;
      rowH = 0;
    }
    panels.push(panel(i + 1, s, x, y));
    x += s.w;
    rowH = Math.max(rowH, s.h ?? 8);
  });
  return {
    title: 'tokenmeter: LLM cost',
    uid: 'tokenmeter-llm-cost',
    description: `LLM spend, tokens, unpriced calls and latency from tokenmeter's metrics${version ? ` (generated by tokenmeter ${version})` : ''}.`,
    tags: ['tokenmeter', 'llm', 'cost'],
    editable: true,
    schemaVersion: 39,
    time: { from: 'now-24h', to: 'now' },
    refresh: '1m',
    templating: {
      list: [
        { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {} },
      ],
    },
    panels,
  };
}
