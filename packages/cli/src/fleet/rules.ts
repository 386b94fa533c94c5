// `tokenmeter rules`: Prometheus recording and alerting rules over the llm_* metrics, with the same
// thresholds as tokenmeter's own alerts (@tokenmeter/alerts ANOMALY_DEFAULTS): spend spike against
// the same hour last week, unpriced calls, cache-hit drop, and for each budget of the budgets file
// its burn (thresholds) and projected exhaustion. Printed as YAML; strings are JSON-quoted (valid YAML).
import { ANOMALY_DEFAULTS } from '@tokenmeter/alerts';
import {
  LABEL_MODEL,
  LABEL_ORG_ID,
  LABEL_PRICED,
  LABEL_PROVIDER,
  LABEL_TOKEN_TYPE,
  LABEL_TOKEN_TYPE_VALUE_CACHE_READ,
  LABEL_TOKEN_TYPE_VALUE_CACHE_WRITE,
  LABEL_TOKEN_TYPE_VALUE_INPUT,
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

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Group {
  name: string;
  rules: Rule[];
  comment?: string;
}

const INPUT_ALL = `${LABEL_TOKEN_TYPE}=~${quote(`${LABEL_TOKEN_TYPE_VALUE_INPUT}|${LABEL_TOKEN_TYPE_VALUE_CACHE_READ}|${LABEL_TOKEN_TYPE_VALUE_CACHE_WRITE}`)}`;
const CACHE_READ = `${LABEL_TOKEN_TYPE}=${quote(LABEL_TOKEN_TYPE_VALUE_CACHE_READ)}`;
const BY_MODEL = `by (${LABEL_PROVIDER}, ${LABEL_MODEL})`;

/** The cache-read share of input tokens per provider and model over `range` (ending `offset` ago). */
function cacheRatio(range: string, offset = ''): string {
  const o = offset ? ` offset ${offset}` : '';
  return (
    `sum ${BY_MODEL} (increase(${TOKENS}{${CACHE_READ}}[${range}]${o}))\n` +
    `  / sum ${BY_MODEL} (increase(${TOKENS}{${INPUT_ALL}}[${range}]${o}))`
  );
}

function recordingRules(): Rule[] {
  return [
    {
      record: 'tokenmeter:llm_cost_usd:rate5m',
      expr: `sum by (${LABEL_PROVIDER}, ${LABEL_MODEL}, ${LABEL_ORG_ID}) (rate(${COST}[5m]))`,
    },
    { record: 'tokenmeter:llm_cost_usd:increase1h', expr: `sum(increase(${COST}[1h]))` },
    { record: 'tokenmeter:llm_requests:increase1h', expr: `sum(increase(${REQUESTS}[1h]))` },
    { record: 'tokenmeter:llm_cache_hit_ratio:1h', expr: cacheRatio('1h') },
  ];
}

function anomalyRules(): Rule[] {
  const s = ANOMALY_DEFAULTS.spike;
  const c = ANOMALY_DEFAULTS.cacheHitRate;
  const now = `sum(increase(${COST}[1h]))`;
  const ratio = `${now}\n  / sum(increase(${COST}[1h] offset 1w))`;
  const floor = `and on() ${now} > ${num(s.minSpendNanos / 1e9)}`;
  const spike = (severity: 'warning' | 'critical', filter: string): Rule => ({
    alert: 'LLMSpendSpike',
    expr: `(\n  ${ratio}\n) ${filter}\n${floor}`,
    for: '10m',
    labels: { severity },
    annotations: {
      summary: `LLM spend of the last hour is {{ $value | printf "%.1f" }}× the same hour last week`,
      description: `Spend over the last hour against the same hour one week earlier (${severity} from ${s[severity]}×; no data last week, no alert). The hour must cost more than $${(s.minSpendNanos / 1e9).toFixed(2)}.`,
      runbook:
        'Look at spend by feature and user (tokenmeter cost --today --by feature): a loop, a retry storm or a new traffic source.',
    },
  });
  const cache = (severity: 'warning' | 'critical'): Rule => {
    const line = c[severity];
    return {
      alert: 'LLMCacheHitRateDrop',
      expr:
        `(\n  ${cacheRatio('1h')}\n) < ${line}${severity === 'warning' ? ` >= ${c.critical}` : ''}\n` +
        `and (\n  ${cacheRatio('1d', '1h')}\n) >= ${line}\n` +
        `and sum ${BY_MODEL} (increase(${TOKENS}{${INPUT_ALL}}[1h])) > ${c.minInputTokens}`,
      for: '15m',
      labels: { severity },
      annotations: {
        summary: `Prompt-cache hit rate of {{ $labels.${LABEL_MODEL} }} fell to {{ $value | humanizePercentage }} (below ${Math.round(line * 100)}%, where the day before was above)`,
        runbook:
          'Something at the start of the prompt changes per call now (a timestamp, an id, reordered tools): keep the cached prefix byte-identical.',
      },
    };
  };
  return [
    spike('warning', `>= ${s.warning} < ${s.critical}`),
    spike('critical', `>= ${s.critical}`),
    {
      alert: 'LLMUnpricedCalls',
      expr: `sum ${BY_MODEL} (increase(${REQUESTS}{${LABEL_PRICED}="false"}[15m])) > 0`,
      labels: { severity: 'warning' },
      annotations: {
        summary:
          'Calls to {{ $labels.model }} ({{ $labels.provider }}) have no price: their cost is not counted',
        runbook:
          'Run `tokenmeter price <model>` for the closest catalog names, then add the model to the pricing file (TOKENMETER_PRICING_FILE).',
      },
    },
    cache('warning'),
    cache('critical'),
  ];
}

function budgetRules(b: PromBudget): { rules: Rule[]; skipped?: string } {
  const matchers = budgetMatchers(b);
  if (matchers === null)
    return {
      rules: [],
      skipped: `budget ${b.name}: its service scope is not a metric label; not checked by Prometheus`,
    };
  const { range, seconds } = periodRange(b.period);
  const limit = b.limitNanos / 1e9;
  const spend = `sum(increase(${COST}${matchers}[${range}]))`;
  const labels = { budget: b.name, period: b.period };
  const rules: Rule[] = [
    { record: 'tokenmeter:budget_spend_usd', expr: spend, labels },
    { record: 'tokenmeter:budget_limit_usd', expr: `vector(${num(limit)})`, labels },
  ];
  const thresholds = [...new Set(b.alertAt)].sort((x, y) => x - y);
  thresholds.forEach((pct, i) => {
    const next = thresholds[i + 1];
    const upper = next === undefined ? '' : ` < ${num((limit * next) / 100)}`;
    rules.push({
      alert: 'LLMBudgetBurn',
      expr: `${spend} >= ${num((limit * pct) / 100)}${upper}`,
      labels: { severity: pct >= 100 ? 'critical' : 'warning', ...labels, threshold: String(pct) },
      annotations: {
        summary: `Budget ${b.name}: \${{ $value | printf "%.2f" }} of $${limit.toFixed(2)} spent (${pct >= 100 ? 'exceeded' : `past ${pct}%`})`,
        description: `Spend over the last ${range} (Prometheus checks a ${b.period} budget as a rolling window).`,
        runbook:
          'Find what spends (spend by feature, tenant and model), then raise the limit or slow it down.',
      },
    });
  });
  rules.push({
    alert: 'LLMBudgetProjectedExhaustion',
    expr: `sum(rate(${COST}${matchers}[6h])) * ${seconds} > ${num(limit)}\nunless ${spend} >= ${num(limit)}`,
    for: '15m',
    labels: { severity: 'warning', ...labels },
    annotations: {
      summary: `Budget ${b.name}: at the last 6 hours' rate a ${b.period} costs \${{ $value | printf "%.2f" }}, over its $${limit.toFixed(2)} limit`,
      runbook: 'Slow the top contributor down or raise the limit before it runs out.',
    },
  });
  return { rules };
}

export function prometheusRules(budgets: readonly PromBudget[] = []): Group[] {
  const groups: Group[] = [
    { name: 'tokenmeter-recording', rules: recordingRules() },
    { name: 'tokenmeter-alerts', rules: anomalyRules() },
  ];
  if (budgets.length) {
    const rules: Rule[] = [];
    const skipped: string[] = [];
    for (const b of budgets) {
      const r = budgetRules(b);
      rules.push(...r.rules);
      if (r.skipped) skipped.push(r.skipped);
    }
    groups.push({
      name: 'tokenmeter-budgets',
      rules,
      ...(skipped.length ? { comment: skipped.join('\n') } : {}),
    });
  }
  return groups;
}

function yamlValue(v: string, indent: string): string {
  if (!v.includes('\n')) return JSON.stringify(v);
  return `|-\n${v
    .split('\n')
    .map((l) => `${indent}  ${l}`)
    .join('\n')}`;
}

/** The rule file as YAML. */
export function rulesYaml(groups: readonly Group[], header: string[]): string {
  const out: string[] = header.map((l) => `# ${l}`);
  out.push('groups:');
  for (const g of groups) {
    if (g.comment) for (const l of g.comment.split('\n')) out.push(`  # ${l}`);
    out.push(`  - name: ${JSON.stringify(g.name)}`, '    rules:');
    for (const r of g.rules) {
      out.push(
        r.record
          ? `      - record: ${JSON.stringify(r.record)}`
          : `      - alert: ${JSON.stringify(r.alert)}`,
      );
      out.push(`        expr: ${yamlValue(r.expr, '        ')}`);
      if (r.for) out.push(`        for: ${r.for}`);
      for (const key of ['labels', 'annotations'] as const) {
        const m = r[key];
        if (!m) continue;
        out.push(`        ${key}:`);
        for (const [k, v] of Object.entries(m)) out.push(`          ${k}: ${JSON.stringify(v)}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}
