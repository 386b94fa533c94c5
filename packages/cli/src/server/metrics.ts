// GET /metrics: the preload's cost metrics, computed from the store, in the Prometheus text format.
// Names, help and labels come from @tokenmeter/semconv, so a scrape of `tokenmeter serve` and of an
// app's own Prometheus endpoint give the same series.
import {
  LABEL_MODEL,
  LABEL_ORG_ID,
  LABEL_PRICED,
  LABEL_PROVIDER,
  LABEL_TOKEN_TYPE,
  LABEL_TOKEN_TYPE_VALUE_CACHE_READ,
  LABEL_TOKEN_TYPE_VALUE_CACHE_WRITE,
  LABEL_TOKEN_TYPE_VALUE_INPUT,
  LABEL_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_LLM_COST_USD_DESCRIPTOR,
  METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR,
  METRIC_LLM_REQUESTS_DESCRIPTOR,
  METRIC_LLM_TOKENS_DESCRIPTOR,
  type MetricDescriptor,
} from '@tokenmeter/semconv';
import type { CostStore } from '@tokenmeter/store';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const DAY_MS = 86_400_000;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

type Labels = [string, string | null | undefined][];

function sample(name: string, labels: Labels, value: number): string {
  const set = labels.filter(([, v]) => v !== null && v !== undefined && v !== '');
  const text = set.map(([k, v]) => `${k}="${escapeLabel(v as string)}"`).join(',');
  return `${name}${text ? `{${text}}` : ''} ${Number.isFinite(value) ? value : 0}`;
}

/** The family name as exposed: counters keep the `_total` of their Prometheus name. */
function header(d: MetricDescriptor, type: 'counter' | 'gauge'): string[] {
  return [`# HELP ${d.prometheusName} ${escapeHelp(d.description)}`, `# TYPE ${d.prometheusName} ${type}`];
}

/** The exposition of the llm_* metrics for the whole store (all-time counters, 24 h gauge). */
export function renderMetrics(store: CostStore, now: number): string {
  // One row per label set: the store applies the label rule (semconv's modelLabel) and merges rows.
  const series = store
    .metricTotals()
    .map((r) => ({ provider: r.provider, model: r.model, org: r.tenant, r }));
  const lines: string[] = [];

  const req = METRIC_LLM_REQUESTS_DESCRIPTOR.prometheusName;
  lines.push(...header(METRIC_LLM_REQUESTS_DESCRIPTOR, 'counter'));
  for (const s of series) {
    const base: Labels = [
      [LABEL_PROVIDER, s.provider],
      [LABEL_MODEL, s.model],
      [LABEL_ORG_ID, s.org],
    ];
    if (s.r.priced > 0) lines.push(sample(req, [...base, [LABEL_PRICED, 'true']], s.r.priced));
    const unpriced = s.r.requests - s.r.priced;
    if (unpriced > 0) lines.push(sample(req, [...base, [LABEL_PRICED, 'false']], unpriced));
  }

  const tok = METRIC_LLM_TOKENS_DESCRIPTOR.prometheusName;
  lines.push(...header(METRIC_LLM_TOKENS_DESCRIPTOR, 'counter'));
  for (const s of series) {
    const base: Labels = [
      [LABEL_PROVIDER, s.provider],
      [LABEL_MODEL, s.model],
      [LABEL_ORG_ID, s.org],
    ];
    const kinds: [string, number][] = [
      [
        LABEL_TOKEN_TYPE_VALUE_INPUT,
        Math.max(0, s.r.inputTokens - s.r.cacheReadTokens - s.r.cacheWriteTokens),
      ],
      [LABEL_TOKEN_TYPE_VALUE_CACHE_READ, s.r.cacheReadTokens],
      [LABEL_TOKEN_TYPE_VALUE_CACHE_WRITE, s.r.cacheWriteTokens],
      [LABEL_TOKEN_TYPE_VALUE_OUTPUT, s.r.outputTokens],
    ];
    for (const [kind, n] of kinds) if (n > 0) lines.push(sample(tok, [...base, [LABEL_TOKEN_TYPE, kind]], n));
  }

  const cost = METRIC_LLM_COST_USD_DESCRIPTOR.prometheusName;
  lines.push(...header(METRIC_LLM_COST_USD_DESCRIPTOR, 'counter'));
  for (const s of series) {
    if (s.r.costNanos <= 0) continue;
    lines.push(
      sample(
        cost,
        [
          [LABEL_PROVIDER, s.provider],
          [LABEL_MODEL, s.model],
          [LABEL_ORG_ID, s.org],
        ],
        s.r.costNanos / 1e9,
      ),
    );
  }

  const rolling = METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR.prometheusName;
  lines.push(...header(METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR, 'gauge'));
  for (const w of store.rollingWindow(now - DAY_MS)) {
    lines.push(sample(rolling, [[LABEL_ORG_ID, w.tenant]], w.costNanos / 1e9));
  }
  return `${lines.join('\n')}\n`;
}
