// PromQL pieces over the metric and label names of @tokenmeter/semconv (never written as literals),
// shared by `tokenmeter rules` and `tokenmeter grafana`.
import {
  LABEL_FEATURE,
  LABEL_MODEL,
  LABEL_ORG_ID,
  LABEL_PROVIDER,
  LABEL_USER,
  METRIC_LLM_COST_USD_DESCRIPTOR,
  METRIC_LLM_REQUESTS_DESCRIPTOR,
  METRIC_LLM_TOKENS_DESCRIPTOR,
} from '@tokenmeter/semconv';

export const COST = METRIC_LLM_COST_USD_DESCRIPTOR.prometheusName;
export const REQUESTS = METRIC_LLM_REQUESTS_DESCRIPTOR.prometheusName;
export const TOKENS = METRIC_LLM_TOKENS_DESCRIPTOR.prometheusName;

/** A budget as Prometheus can check it: scope as label matchers, the period as a range. */
export interface PromBudget {
  /** Shown in alert labels: the budget's name, else its scope and period. */
  name: string;
  /** day, week, month or rolling:<N>h. */
  period: string;
  limitNanos: number;
  /** Percent thresholds, ascending. */
  alertAt: number[];
  provider?: string | null;
  model?: string | null;
  feature?: string | null;
  user?: string | null;
  tenant?: string | null;
  service?: string | null;
}

/** A label value inside double quotes (PromQL string escaping). */
export function quote(v: string): string {
  return JSON.stringify(v);
}

/** `{provider="openai",org_id="acme"}` for a budget's scope; null when a field has no label (service). */
export function budgetMatchers(b: PromBudget): string | null {
  if (b.service) return null;
  const m: string[] = [];
  if (b.provider) m.push(`${LABEL_PROVIDER}=${quote(b.provider)}`);
  // The exporter lower-cases the model label.
  if (b.model) m.push(`${LABEL_MODEL}=${quote(b.model.toLowerCase())}`);
  if (b.tenant) m.push(`${LABEL_ORG_ID}=${quote(b.tenant)}`);
  if (b.feature) m.push(`${LABEL_FEATURE}=${quote(b.feature)}`);
  if (b.user) m.push(`${LABEL_USER}=${quote(b.user)}`);
  return m.length ? `{${m.join(',')}}` : '';
}

/**
 * The Prometheus range of a period and its length in seconds. Prometheus has no calendar: a day,
 * week or month budget is checked over the last 24 h, 7 d or 30 d (a rolling window).
 */
export function periodRange(period: string): { range: string; seconds: number } {
  const rolling = /^rolling:(\d+)h$/.exec(period);
  if (rolling) return { range: `${rolling[1]}h`, seconds: Number(rolling[1]) * 3600 };
  if (period === 'day') return { range: '1d', seconds: 86_400 };
  if (period === 'week') return { range: '7d', seconds: 7 * 86_400 };
  return { range: '30d', seconds: 30 * 86_400 };
}

/** A number as PromQL writes it (no exponent for the amounts we use). */
export function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)));
}
