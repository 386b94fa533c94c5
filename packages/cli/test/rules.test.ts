// `tokenmeter rules` checked by the real promtool: `promtool check rules` on the printed file, and
// `promtool test rules` unit tests that feed series and expect (or do not expect) each alert.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  LABEL_MODEL,
  LABEL_ORG_ID,
  LABEL_PRICED,
  LABEL_PROVIDER,
  LABEL_TOKEN_TYPE,
  LABEL_TOKEN_TYPE_VALUE_CACHE_READ,
  LABEL_TOKEN_TYPE_VALUE_INPUT,
} from '@tokenmeter/semconv';
import { COST, type PromBudget, REQUESTS, TOKENS } from '../src/fleet/promql.js';
import { prometheusRules, rulesYaml } from '../src/fleet/rules.js';
import { run, tempDir } from './helpers.js';

const available = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
const skip =
  !available && !process.env.TOKENMETER_CI && 'promtool not installed (apt-get install prometheus)';

function promtool(args: string[], cwd: string): { ok: boolean; output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** `name{a="b",...}` */
function series(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
}

const OPENAI_4O = { [LABEL_PROVIDER]: 'openai', [LABEL_MODEL]: 'gpt-4o', [LABEL_ORG_ID]: 'acme' };

const BUDGETS: PromBudget[] = [
  { name: 'acme daily', period: 'day', limitNanos: 2e9, alertAt: [50, 80, 100], tenant: 'acme' },
  { name: 'hourly cap', period: 'rolling:1h', limitNanos: 0.05e9, alertAt: [100] },
  { name: 'burning', period: 'day', limitNanos: 2e9, alertAt: [80, 100], tenant: 'globex' },
  { name: 'per service', period: 'day', limitNanos: 1e9, alertAt: [100], service: 'api' },
];

interface ExpAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

/**
 * One YAML test case (JSON is YAML). Series segments of decimals end one step early and the next
 * starts at the exact value: repeated float additions may overshoot it, which reads as a reset.
 */
interface Case {
  interval: string;
  input_series: { series: string; values: string }[];
  alert_rule_test: { eval_time: string; alertname: string; exp_alerts: ExpAlert[] }[];
}

/**
 * An expected alert: its labels, and the annotations of its rule with `summary` as given (the
 * summary is the one rendered with the alert's value: the point of the check).
 */
function expect(
  alert: string,
  labels: Record<string, string>,
  summary: string,
  budgets: PromBudget[] = [],
): ExpAlert {
  const rule = prometheusRules(budgets)
    .flatMap((g) => g.rules)
    .find((r) => r.alert === alert && Object.entries(r.labels ?? {}).every(([k, v]) => labels[k] === v));
  assert.ok(rule, `no rule ${alert} with ${JSON.stringify(labels)}`);
  const annotations = { ...rule.annotations, summary };
  for (const [k, v] of Object.entries(annotations)) if (k !== 'summary') assert.doesNotMatch(v, /\{\{/, k);
  return { exp_labels: labels, exp_annotations: annotations };
}

function runCases(dir: string, rules: string, cases: Case[]): { ok: boolean; output: string } {
  writeFileSync(path.join(dir, 'rules.yml'), rules);
  writeFileSync(
    path.join(dir, 'test.yml'),
    JSON.stringify({ rule_files: ['rules.yml'], evaluation_interval: '10m', tests: cases }, null, 2),
  );
  return promtool(['test', 'rules', 'test.yml'], dir);
}

describe('tokenmeter rules (promtool)', { skip }, () => {
  it('prints rules that `promtool check rules` accepts, with and without budgets', async (t) => {
    const dir = tempDir(t);
    const out = await run(['rules']);
    assert.equal(out.code, 0, out.stderr);
    writeFileSync(path.join(dir, 'plain.yml'), out.stdout);
    const plain = promtool(['check', 'rules', 'plain.yml'], dir);
    assert.ok(plain.ok, plain.output);
    assert.match(plain.output, /SUCCESS: 9 rules found/);
    writeFileSync(path.join(dir, 'budgets.yml'), rulesYaml(prometheusRules(BUDGETS), ['test']));
    const withBudgets = promtool(['check', 'rules', 'budgets.yml'], dir);
    assert.ok(withBudgets.ok, withBudgets.output);
    assert.match(out.stdout, /LLMSpendSpike/);
    const text = rulesYaml(prometheusRules(BUDGETS), []);
    assert.match(
      text,
      /# budget per service: its service scope is not a metric label; not checked by Prometheus/,
    );
  });

  it('--budgets FILE: each budget of the file gets its burn and exhaustion rules; a bad entry is one warning', async (t) => {
    const dir = tempDir(t);
    writeFileSync(
      path.join(dir, 'budgets.yaml'),
      'budgets:\n' +
        '  - { name: acme-month, limit_usd: 500, period: month, tenant: acme, alert_at: [50, 80, 100] }\n' +
        '  - { name: broken, limit_usd: -1, period: day }\n',
    );
    const out = await run(['rules', '--budgets', 'budgets.yaml'], { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stderr,
      /warning: .*budgets\.yaml: budgets\[1\]\.limit_usd: .*; budget \(broken\) left out/,
    );
    assert.match(out.stdout, /org_id=\\"acme\\"\}\[30d\]\)\) >= 250 < 400/);
    writeFileSync(path.join(dir, 'out.yml'), out.stdout);
    const check = promtool(['check', 'rules', 'out.yml'], dir);
    assert.ok(check.ok, check.output);
    assert.match(check.output, /SUCCESS: 15 rules found/);
    const missing = await run(['rules', '--budgets', 'nope.yaml'], { cwd: dir });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.yaml: cannot read: no such file/);
  });

  it('spend spike: critical at 4× the same hour last week, warning at 2×, nothing without last week', async (t) => {
    const dir = tempDir(t);
    // Samples every 5 minutes. $0.60/h for a week, then $2.40/h (4×) for two hours.
    const fourTimes = `0+0.05x2015 100.8+0.2x24`;
    // The same week, then $1.20/h (2×).
    const double = `0+0.05x2015 100.8+0.1x24`;
    const spike = (severity: string, ratio: string) =>
      expect(
        'LLMSpendSpike',
        { severity },
        `LLM spend of the last hour is ${ratio}× the same hour last week`,
      );
    const result = runCases(dir, rulesYaml(prometheusRules(), []), [
      {
        interval: '5m',
        input_series: [{ series: series(COST, OPENAI_4O), values: fourTimes }],
        alert_rule_test: [
          { eval_time: '168h75m', alertname: 'LLMSpendSpike', exp_alerts: [spike('critical', '4.0')] },
          // Cold start: a day in, there is no "same hour last week": no alert whatever the rate.
          { eval_time: '24h', alertname: 'LLMSpendSpike', exp_alerts: [] },
        ],
      },
      {
        interval: '5m',
        input_series: [{ series: series(COST, OPENAI_4O), values: double }],
        alert_rule_test: [
          { eval_time: '168h75m', alertname: 'LLMSpendSpike', exp_alerts: [spike('warning', '2.0')] },
        ],
      },
    ]);
    assert.ok(result.ok, result.output);
  });

  it('unpriced calls: an alert per model that has calls without a price', async (t) => {
    const dir = tempDir(t);
    const unpriced = { [LABEL_PROVIDER]: 'openai', [LABEL_MODEL]: 'ft:acme-tuned', [LABEL_PRICED]: 'false' };
    const priced = { [LABEL_PROVIDER]: 'openai', [LABEL_MODEL]: 'gpt-4o', [LABEL_PRICED]: 'true' };
    const result = runCases(dir, rulesYaml(prometheusRules(), []), [
      {
        interval: '5m',
        input_series: [
          { series: series(REQUESTS, unpriced), values: '0x12 1+5x6' },
          { series: series(REQUESTS, priced), values: '0+25x18' },
        ],
        alert_rule_test: [
          { eval_time: '30m', alertname: 'LLMUnpricedCalls', exp_alerts: [] },
          {
            eval_time: '80m',
            alertname: 'LLMUnpricedCalls',
            exp_alerts: [
              expect(
                'LLMUnpricedCalls',
                { severity: 'warning', [LABEL_PROVIDER]: 'openai', [LABEL_MODEL]: 'ft:acme-tuned' },
                'Calls to ft:acme-tuned (openai) have no price: their cost is not counted',
              ),
            ],
          },
        ],
      },
    ]);
    assert.ok(result.ok, result.output);
  });

  it('cache hit rate: critical when it falls from 80% to 10%; a model that never cached well stays quiet', async (t) => {
    const dir = tempDir(t);
    const tok = (model: string, type: string) =>
      series(TOKENS, { [LABEL_PROVIDER]: 'anthropic', [LABEL_MODEL]: model, [LABEL_TOKEN_TYPE]: type });
    const result = runCases(dir, rulesYaml(prometheusRules(), []), [
      {
        interval: '5m',
        input_series: [
          // 26 h at 4000 cache-read + 1000 uncached input tokens per 5 minutes (80 %), then 500 + 4500 (10 %).
          {
            series: tok('claude-sonnet-4-5', LABEL_TOKEN_TYPE_VALUE_CACHE_READ),
            values: '0+4000x312 1248000+500x24',
          },
          {
            series: tok('claude-sonnet-4-5', LABEL_TOKEN_TYPE_VALUE_INPUT),
            values: '0+1000x312 312000+4500x24',
          },
          // Never above 40 %: 1500 + 3500, then 500 + 4500.
          {
            series: tok('claude-haiku-4-5', LABEL_TOKEN_TYPE_VALUE_CACHE_READ),
            values: '0+1500x312 468000+500x24',
          },
          {
            series: tok('claude-haiku-4-5', LABEL_TOKEN_TYPE_VALUE_INPUT),
            values: '0+3500x312 1092000+4500x24',
          },
        ],
        alert_rule_test: [
          {
            eval_time: '1635m',
            alertname: 'LLMCacheHitRateDrop',
            exp_alerts: [
              expect(
                'LLMCacheHitRateDrop',
                { severity: 'critical', [LABEL_PROVIDER]: 'anthropic', [LABEL_MODEL]: 'claude-sonnet-4-5' },
                'Prompt-cache hit rate of claude-sonnet-4-5 fell to 10% (below 40%, where the day before was above)',
              ),
            ],
          },
          { eval_time: '1500m', alertname: 'LLMCacheHitRateDrop', exp_alerts: [] },
        ],
      },
    ]);
    assert.ok(result.ok, result.output);
  });

  it('budgets: the threshold band crossed fires once, an exceeded budget is critical, a fast burn warns early', async (t) => {
    const dir = tempDir(t);
    const acme = series(COST, OPENAI_4O);
    const globex = series(COST, { ...OPENAI_4O, [LABEL_ORG_ID]: 'globex' });
    const result = runCases(dir, rulesYaml(prometheusRules(BUDGETS), []), [
      {
        interval: '5m',
        input_series: [
          // acme: $0.06/h all day ($1.44 a day: 72 % of $2); the whole fleet spends over $0.05/h too.
          { series: acme, values: '0+0.005x288' },
          // globex: $0.03/h for 16 h, then $0.12/h: $1.44 in the day, but a day at that rate is $2.88.
          { series: globex, values: '0+0.0025x191 0.48+0.01x96' },
        ],
        alert_rule_test: [
          {
            eval_time: '24h',
            alertname: 'LLMBudgetBurn',
            exp_alerts: [
              expect(
                'LLMBudgetBurn',
                { severity: 'warning', budget: 'acme daily', period: 'day', threshold: '50' },
                'Budget acme daily: $1.44 of $2.00 spent (past 50%)',
                BUDGETS,
              ),
              expect(
                'LLMBudgetBurn',
                { severity: 'critical', budget: 'hourly cap', period: 'rolling:1h', threshold: '100' },
                'Budget hourly cap: $0.18 of $0.05 spent (exceeded)',
                BUDGETS,
              ),
            ],
          },
          {
            eval_time: '24h',
            alertname: 'LLMBudgetProjectedExhaustion',
            exp_alerts: [
              expect(
                'LLMBudgetProjectedExhaustion',
                { severity: 'warning', budget: 'burning', period: 'day' },
                "Budget burning: at the last 6 hours' rate a day costs $2.88, over its $2.00 limit",
                BUDGETS,
              ),
            ],
          },
        ],
      },
    ]);
    assert.ok(result.ok, result.output);
  });
});
