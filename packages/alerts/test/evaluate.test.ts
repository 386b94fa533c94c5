// The evaluators on real SQLite stores filled with synthetic history: each condition fires at its
// thresholds, names what, how much, since when and the top contributors, and stays quiet without a
// baseline or below its floors.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { type BudgetDefinition, listBudgets, parseBudgetsFile } from '@tokenmeter/budgets';
import { type CallInput, type CostStore, openStore } from '@tokenmeter/store';
import { anomalyOptions } from '../src/defaults.js';
import type { EvalContext } from '../src/evaluate/context.js';
import { evaluateAll } from '../src/evaluate/index.js';
import { seasonalForecast } from '../src/forecast/seasonal.js';
import type { Finding } from '../src/types.js';
import { call, DAY, HOUR, spread, tempDir, WEEK } from './helpers.js';

/** Wednesday 2026-11-18 15:00 UTC. */
const T = Date.UTC(2026, 10, 18, 15);

function storeWith(t: Parameters<typeof tempDir>[0], calls: CallInput[]): CostStore {
  const store = openStore(path.join(tempDir(t), 's.db'));
  store.insertMany(calls);
  t.after(() => store.close());
  return store;
}

function evaluate(store: CostStore, now = T, file: BudgetDefinition[] = []): Finding[] {
  const ctx: EvalContext = {
    store,
    now,
    options: anomalyOptions(),
    forecast: seasonalForecast,
    budgets: listBudgets(store, { timeZone: 'UTC', file }),
  };
  const { findings, errors } = evaluateAll(ctx);
  assert.deepEqual(errors, []);
  return findings;
}

const byKind = (fs: Finding[], kind: string) => fs.filter((f) => f.kind === kind);

/** 30 calls ($0.50) in the evaluated hour of each of `weeks` earlier weeks. */
function baselineWeeks(weeks: number): CallInput[] {
  const out: CallInput[] = [];
  for (let k = 1; k <= weeks; k++)
    out.push(...spread(30, T - HOUR - k * WEEK, HOUR, { costNanos: 16_666_667, feature: 'chat' }));
  return out;
}

test('spend and request spikes against the same hour of earlier weeks: critical at 2.5×, with contributors', (t) => {
  const store = storeWith(t, [
    ...baselineWeeks(4),
    // This hour: 90 calls, 3× the calls and the spend; two thirds from one tenant and feature.
    ...spread(60, T - HOUR, HOUR, { costNanos: 16_666_667, feature: 'agent', tenant: 'acme', user: 'u1' }),
    ...spread(30, T - HOUR, HOUR, { costNanos: 16_666_667, feature: 'chat', tenant: 'globex', user: 'u2' }),
  ]);
  const fs = evaluate(store);
  const [spend] = byKind(fs, 'spend_spike');
  assert.ok(spend, JSON.stringify(fs.map((f) => f.title)));
  assert.equal(spend.severity, 'critical');
  assert.equal(spend.value, 90 * 16_666_667);
  assert.equal(spend.baseline, 30 * 16_666_667);
  assert.equal(spend.sinceMs, T - HOUR);
  assert.match(
    spend.title,
    /^Spend spike: \$1\.50 in the last hour, 3\.0× the usual \$0\.50 \(the median of the same hour in 4 earlier weeks\)$/,
  );
  assert.deepEqual(
    spend.contributors.tenant?.map((c) => [c.key, Math.round(c.share * 100)]),
    [
      ['acme', 67],
      ['globex', 33],
    ],
  );
  assert.equal(spend.contributors.feature?.[0]?.key, 'agent');
  assert.equal(spend.contributorUnit, 'nanos');
  assert.ok(spend.runbook.length > 20);
  assert.equal(spend.path, '/?view=breakdown&period=today&groupBy=feature');
  const [volume] = byKind(fs, 'volume_spike');
  assert.equal(volume?.severity, 'critical');
  assert.equal(volume?.value, 90);
  assert.equal(volume?.contributorUnit, 'requests');
});

test('a spike of 1.5× to 2.5× is a warning; below 1.5× nothing', (t) => {
  const warn = storeWith(t, [...baselineWeeks(3), ...spread(54, T - HOUR, HOUR, { costNanos: 16_666_667 })]);
  assert.deepEqual(
    evaluate(warn).map((f) => [f.kind, f.severity]),
    [
      ['spend_spike', 'warning'],
      ['volume_spike', 'warning'],
    ],
  );
  const calm = storeWith(t, [...baselineWeeks(3), ...spread(40, T - HOUR, HOUR, { costNanos: 16_666_667 })]);
  assert.deepEqual(evaluate(calm), []);
});

test('cold start: with fewer than 2 earlier weeks there is no baseline and no spike alert, even at 10×', (t) => {
  const store = storeWith(t, [
    ...baselineWeeks(1),
    ...spread(300, T - HOUR, HOUR, { costNanos: 16_666_667 }),
  ]);
  assert.deepEqual(byKind(evaluate(store), 'spend_spike'), []);
  assert.deepEqual(byKind(evaluate(store), 'volume_spike'), []);
});

test('a week when the app was not running does not count as a zero baseline', (t) => {
  // Weeks 1 and 3 have traffic; week 2 has none at all that day: 2 weeks of baseline, not 3.
  const calls = [
    ...spread(30, T - HOUR - WEEK, HOUR, { costNanos: 16_666_667 }),
    ...spread(30, T - HOUR - 3 * WEEK, HOUR, { costNanos: 16_666_667 }),
    ...spread(90, T - HOUR, HOUR, { costNanos: 16_666_667 }),
  ];
  const [spend] = byKind(evaluate(storeWith(t, calls)), 'spend_spike');
  assert.match(spend?.title ?? '', /in 2 earlier weeks/);
  assert.equal(spend?.baseline, 30 * 16_666_667);
});

test('small amounts never alert: below the floors a tripled hour is not a spike', (t) => {
  const calls: CallInput[] = [];
  for (let k = 1; k <= 3; k++) calls.push(...spread(3, T - HOUR - k * WEEK, HOUR, { costNanos: 1000 }));
  calls.push(...spread(9, T - HOUR, HOUR, { costNanos: 1000 }));
  assert.deepEqual(evaluate(storeWith(t, calls)), []);
});

test('cost per request of a feature up 2.2× against the trailing 7 days is critical; others quiet', (t) => {
  const store = storeWith(t, [
    ...spread(100, T - 3 * HOUR - 7 * DAY, 7 * DAY, { feature: 'search', costNanos: 1_000_000 }),
    ...spread(100, T - 3 * HOUR - 7 * DAY, 7 * DAY, { feature: 'chat', costNanos: 1_000_000 }),
    ...spread(30, T - 3 * HOUR, 3 * HOUR, {
      feature: 'search',
      costNanos: 2_200_000,
      model: 'gpt-4o',
      user: 'u9',
    }),
    ...spread(30, T - 3 * HOUR, 3 * HOUR, { feature: 'chat', costNanos: 1_100_000 }),
  ]);
  const found = byKind(evaluate(store), 'cost_per_request');
  assert.deepEqual(
    found.map((f) => [f.key, f.severity, f.value, f.baseline]),
    [['cost_per_request:feature=search', 'critical', 2_200_000, 1_000_000]],
  );
  assert.equal(found[0]!.scope.feature, 'search');
  assert.equal(found[0]!.contributors.feature, undefined, 'the feature itself is not a contributor');
  assert.equal(found[0]!.contributors.model?.[0]?.key, 'gpt-4o');
  assert.equal(found[0]!.contributors.user?.[0]?.key, 'u9');
  assert.equal(found[0]!.path, '/?view=calls&period=today&feature=search');
});

test('model mix drift of a feature toward the expensive model is found with per-model prices held fixed', (t) => {
  const base = T - 3 * HOUR - 7 * DAY;
  const store = storeWith(t, [
    ...spread(90, base, 7 * DAY, { model: 'gpt-4o-mini', costNanos: 300_000, feature: 'support' }),
    ...spread(10, base, 7 * DAY, { model: 'gpt-4o', costNanos: 5_000_000, feature: 'support' }),
    ...spread(30, T - 3 * HOUR, 3 * HOUR, { model: 'gpt-4o-mini', costNanos: 300_000, feature: 'support' }),
    ...spread(30, T - 3 * HOUR, 3 * HOUR, {
      model: 'gpt-4o',
      costNanos: 5_000_000,
      feature: 'support',
      tenant: 'acme',
    }),
    // Another feature's cheap calls in the same hours do not hide it.
    ...spread(300, T - 3 * HOUR, 3 * HOUR, {
      model: 'gemini-2.5-flash-lite',
      costNanos: 50_000,
      feature: 'classify',
    }),
  ]);
  const mixes = byKind(evaluate(store), 'model_mix');
  assert.deepEqual(
    mixes.map((m) => [m.key, m.severity]),
    [['model_mix:feature=support', 'critical']],
  );
  assert.match(
    mixes[0]!.title,
    /^Model mix of feature "support" drifted toward expensive models: gpt-4o went from 10% to 50% of its calls/,
  );
  assert.deepEqual(mixes[0]!.scope, { feature: 'support', model: 'gpt-4o' });
  assert.equal(mixes[0]!.contributors.tenant?.[0]?.key, 'acme');
});

test('the same mix at higher prices is not a model-mix drift', (t) => {
  const base = T - 3 * HOUR - 7 * DAY;
  const store = storeWith(t, [
    ...spread(90, base, 7 * DAY, { model: 'gpt-4o-mini', costNanos: 300_000, feature: 'support' }),
    ...spread(10, base, 7 * DAY, { model: 'gpt-4o', costNanos: 5_000_000, feature: 'support' }),
    ...spread(27, T - 3 * HOUR, 3 * HOUR, { model: 'gpt-4o-mini', costNanos: 900_000, feature: 'support' }),
    ...spread(3, T - 3 * HOUR, 3 * HOUR, { model: 'gpt-4o', costNanos: 15_000_000, feature: 'support' }),
  ]);
  assert.deepEqual(byKind(evaluate(store), 'model_mix'), []);
});

test('cache hit rate below 40 % where it was 80 % is critical; a feature that never cached well is quiet', (t) => {
  const base = T - 3 * HOUR - 7 * DAY;
  const store = storeWith(t, [
    ...spread(100, base, 7 * DAY, { feature: 'support', input: 5000, cacheRead: 4000 }),
    ...spread(30, T - 3 * HOUR, 3 * HOUR, {
      feature: 'support',
      input: 5000,
      cacheRead: 1000,
      model: 'claude-sonnet-4-5',
    }),
    ...spread(100, base, 7 * DAY, { feature: 'rag', input: 5000, cacheRead: 1500 }),
    ...spread(30, T - 3 * HOUR, 3 * HOUR, { feature: 'rag', input: 5000, cacheRead: 500 }),
  ]);
  const found = byKind(evaluate(store), 'cache_hit_rate');
  assert.deepEqual(
    found.map((f) => [f.key, f.severity, f.value, f.baseline]),
    [['cache_hit_rate:feature=support', 'critical', 0.2, 0.8]],
  );
  assert.match(found[0]!.title, /fell to 20% in the last 3 hours \(was 80%/);
  assert.equal(found[0]!.contributorUnit, 'tokens');
  assert.equal(found[0]!.contributors.model?.[0]?.key, 'claude-sonnet-4-5');
});

test('cache hit rate between 40 % and 60 % where it was above 60 % is a warning', (t) => {
  const base = T - 3 * HOUR - 7 * DAY;
  const store = storeWith(t, [
    ...spread(100, base, 7 * DAY, { feature: 'support', input: 5000, cacheRead: 3500 }),
    ...spread(30, T - 3 * HOUR, 3 * HOUR, { feature: 'support', input: 5000, cacheRead: 2500 }),
  ]);
  assert.deepEqual(
    byKind(evaluate(store), 'cache_hit_rate').map((f) => f.severity),
    ['warning'],
  );
});

test('unpriced calls appearing: one alert per model, since its first unpriced call, with where they come from', (t) => {
  const store = storeWith(t, [
    call({ at: T - 3 * DAY, model: 'ft:acme-tuned', costNanos: null, feature: 'triage' }),
    ...spread(5, T - 2 * HOUR, HOUR, {
      model: 'ft:acme-tuned',
      costNanos: null,
      feature: 'triage',
      tenant: 'acme',
    }),
    ...spread(5, T - 2 * HOUR, HOUR, { model: 'gpt-4o-mini' }),
  ]);
  const found = byKind(evaluate(store), 'unpriced_calls');
  assert.equal(found.length, 1);
  const f = found[0]!;
  assert.equal(f.key, 'unpriced_calls:openai/ft:acme-tuned');
  assert.equal(f.value, 5);
  assert.equal(f.sinceMs, T - 3 * DAY);
  assert.match(f.title, /5 calls to ft:acme-tuned \(openai\)/);
  assert.match(f.runbook, /tokenmeter price ft:acme-tuned/);
  assert.equal(f.contributors.tenant?.[0]?.key, 'acme');
  assert.equal(f.contributors.model, undefined);
});

test('budget thresholds: past 80 % is a warning at level 80, past 100 % critical; projected exhaustion warns', (t) => {
  const monthStart = Date.UTC(2026, 10, 1);
  const store = storeWith(t, [
    ...spread(85, monthStart + DAY, 10 * DAY, { costNanos: 100_000_000, tenant: 'acme' }),
    ...spread(60, monthStart + DAY, 10 * DAY, { costNanos: 100_000_000, tenant: 'globex' }),
    // globex burns $1/h over the last 6 hours: $6 of a $12 budget left... runs out before month end.
    ...spread(6, T - 6 * HOUR, 6 * HOUR, { costNanos: 1_000_000_000, tenant: 'globex' }),
  ]);
  const acme = store.setBudget({ period: 'month', limitNanos: 10e9, tenant: 'acme', warnAt: 0.8 });
  const globex = store.setBudget({ period: 'month', limitNanos: 18e9, tenant: 'globex' });
  const all = store.setBudget({ period: 'month', limitNanos: 20e9 });
  const fs = evaluate(store);
  const threshold = (id: number) => fs.find((f) => f.key === `budget_threshold:store:${id}`);
  assert.deepEqual([threshold(acme.id)?.severity, threshold(acme.id)?.level], ['warning', 80]);
  assert.match(
    threshold(acme.id)!.title,
    /^Monthly budget for tenant=acme past 80%: \$8\.50 of \$10\.00 spent \(85%\)$/,
  );
  assert.equal(threshold(acme.id)!.path, `/?view=budgets&budget=store%3A${acme.id}`);
  assert.deepEqual([threshold(all.id)?.severity, threshold(all.id)?.level], ['critical', 100]);
  const exhaust = fs.find((f) => f.key === `budget_exhaustion:store:${globex.id}`);
  assert.ok(exhaust, JSON.stringify(fs.map((f) => f.key)));
  assert.match(exhaust.title, /will run out in about 6\.0 hours/);
  assert.equal(exhaust.contributors.tenant, undefined);
  assert.equal(
    fs.find((f) => f.key === `budget_exhaustion:store:${acme.id}`),
    undefined,
    'acme is slow',
  );
  assert.equal(
    fs.find((f) => f.key === `budget_exhaustion:store:${all.id}`),
    undefined,
    'already exceeded',
  );
});

test('a rolling budget of the budgets file: burning $0.50/h, a 24-hour window will pass its $5 limit in 3 hours', (t) => {
  const store = storeWith(t, [
    ...spread(10, T - 20 * HOUR, 10 * HOUR, { costNanos: 50_000_000, feature: 'batch' }),
    ...spread(30, T - 6 * HOUR, 6 * HOUR, { costNanos: 100_000_000, feature: 'agent' }),
  ]);
  const { budgets, problems } = parseBudgetsFile(
    'budgets: [{ name: agents-24h, limit_usd: 5, period: "rolling:24h", alert_at: [50, 100] }]',
  );
  assert.deepEqual(problems, []);
  const fs = evaluate(store, T, budgets);
  const threshold = fs.find((f) => f.key === 'budget_threshold:file:agents-24h');
  assert.equal(threshold?.level, 50);
  assert.match(threshold!.title, /^Budget "agents-24h" past 50%: \$3\.50 of \$5\.00 spent \(70%\)$/);
  const exhaust = fs.find((f) => f.key === 'budget_exhaustion:file:agents-24h');
  assert.ok(exhaust, JSON.stringify(fs.map((f) => f.key)));
  assert.match(
    exhaust.title,
    /will run out in about 3\.0 hours.*\$0\.50\/h over the last 6 hours, \$1\.50 left/,
  );
  assert.equal(exhaust.contributors.feature?.[0]?.key, 'agent');
});
