// Metrics through a real MeterProvider: the semconv histograms with their advised buckets, the
// llm.* counters and the rolling 24h gauge, labels (lowercase, unknown dropped, allowlist, cap),
// unpriced calls, and attribution (withAttribution and W3C baggage).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { context, propagation } from '@opentelemetry/api';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import {
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_OTEL_METRIC_OVERFLOW,
  ATTR_TOKENMETER_FEATURE,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_TENANT_ID,
  ATTR_TOKENMETER_USER_ID,
  ATTRIBUTION_BAGGAGE_KEYS,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  LABEL_FEATURE,
  LABEL_MODEL,
  LABEL_ORG_ID,
  LABEL_PRICED,
  LABEL_PROVIDER,
  LABEL_TOKEN_TYPE,
  LABEL_USER,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE_DESCRIPTOR,
  METRIC_LLM_COST_USD,
  METRIC_LLM_COST_USD_ROLLING_24H,
  METRIC_LLM_REQUESTS,
  METRIC_LLM_TOKENS,
  METRIC_TOKENMETER_CLIENT_OPERATION_COST,
} from '@tokenmeter/semconv';
import type OpenAIType from 'openai';
import { withAttribution } from '../src/attribution.js';
import { sharedMetrics } from '../src/metrics/recorder.js';
import { type Harness, points, requireSdk, startHarness, tokenmeterSpans, waitFor } from './helpers/otel.js';

let h: Harness;
let client: OpenAIType;

before(async () => {
  h = await startHarness({ config: { metricLabels: ['feature'] } });
  const { OpenAI } = requireSdk('openai') as typeof import('openai');
  client = new OpenAI({ baseURL: h.openaiBaseURL, apiKey: 'x', maxRetries: 0 });
});
after(() => h.close());
beforeEach(() => h.reset());

const ask = (model = 'gpt-4o-mini', content = 'Say hello') =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content }] });

describe('metrics of a call', () => {
  test('histograms with the advised buckets, counters with provider and lowercase request model', async () => {
    await ask('GPT-4o-mini');
    await waitFor(() => h.records.length === 1);
    const m = await h.collect();
    const usage = points(m, METRIC_GEN_AI_CLIENT_TOKEN_USAGE);
    assert.equal(usage.length, 2, 'input and output');
    const input = usage.find((p) => p.attributes[ATTR_GEN_AI_TOKEN_TYPE] === GEN_AI_TOKEN_TYPE_VALUE_INPUT)!;
    assert.equal((input.value as Histogram).sum, 7);
    assert.deepEqual(
      (input.value as Histogram).buckets.boundaries,
      METRIC_GEN_AI_CLIENT_TOKEN_USAGE_DESCRIPTOR.buckets,
    );
    assert.equal(input.attributes[ATTR_GEN_AI_REQUEST_MODEL], 'GPT-4o-mini');
    const duration = points(m, METRIC_GEN_AI_CLIENT_OPERATION_DURATION)[0]!;
    assert.deepEqual(
      (duration.value as Histogram).buckets.boundaries,
      METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR.buckets,
    );
    assert.equal((duration.value as Histogram).count, 1);
    assert.equal(points(m, METRIC_TOKENMETER_CLIENT_OPERATION_COST).length, 1);

    const requests = points(m, METRIC_LLM_REQUESTS);
    assert.deepEqual(
      requests.map((p) => [p.attributes, p.value]),
      [[{ [LABEL_PROVIDER]: 'openai', [LABEL_MODEL]: 'gpt-4o-mini', [LABEL_PRICED]: true }, 1]],
    );
    const tokens = Object.fromEntries(
      points(m, METRIC_LLM_TOKENS).map((p) => [p.attributes[LABEL_TOKEN_TYPE], p.value]),
    );
    assert.deepEqual(tokens, { input: 7, output: 20 });
    const cost = points(m, METRIC_LLM_COST_USD)[0]!;
    assert.ok(Math.abs((cost.value as number) - h.records[0]!.cost!.totalUsd) < 1e-15);
    const rolling = points(m, METRIC_LLM_COST_USD_ROLLING_24H);
    assert.equal(rolling.length, 1);
    assert.deepEqual(rolling[0]!.attributes, {}, 'no org_id label without a tenant');
    assert.ok(Math.abs((rolling[0]!.value as number) - h.records[0]!.cost!.totalUsd) < 1e-15);
  });

  test('a stream records time to first chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    for await (const _ of stream) {
      // drain
    }
    await waitFor(() => h.records.length === 1);
    const ttfc = points(await h.collect(), METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK);
    assert.equal(ttfc.length, 1);
    assert.equal((ttfc[0]!.value as Histogram).count, 1);
  });

  test('calls whose labels change from one call to the next are each counted in their own label set', async () => {
    // The recorder remembers the last call's label sets: a change of model or feature must not
    // reuse them.
    await ask('gpt-4o-mini');
    await ask('gpt-4o-mini');
    await ask('gpt-4o');
    await withAttribution({ feature: 'search' }, () => ask('gpt-4o'));
    await ask('gpt-4o-mini');
    await waitFor(() => h.records.length === 5);
    const m = await h.collect();
    const requests = points(m, METRIC_LLM_REQUESTS)
      .map((p) => [p.attributes[LABEL_MODEL], p.attributes[LABEL_FEATURE] ?? '-', p.value])
      .sort((a, b) => (String(a) < String(b) ? -1 : 1));
    assert.deepEqual(requests, [
      ['gpt-4o', '-', 1],
      ['gpt-4o', 'search', 1],
      ['gpt-4o-mini', '-', 3],
    ]);
    const durations = points(m, METRIC_GEN_AI_CLIENT_OPERATION_DURATION)
      .map((p) => [p.attributes[ATTR_GEN_AI_REQUEST_MODEL], (p.value as Histogram).count])
      .sort((a, b) => (String(a) < String(b) ? -1 : 1));
    assert.deepEqual(durations, [
      ['gpt-4o', 2],
      ['gpt-4o-mini', 3],
    ]);
  });

  test('an unknown model: no cost attribute, the match says why, counted as priced=false', async () => {
    await ask('acme-secret-model-9');
    await waitFor(() => h.records.length === 1);
    const span = tokenmeterSpans(h.spans)[0]!;
    assert.equal(span.attributes[ATTR_GEN_AI_USAGE_COST], undefined);
    assert.equal(span.attributes[ATTR_TOKENMETER_PRICING_MATCH], 'unknown_model');
    assert.equal(h.records[0]!.cost, null);
    const m = await h.collect();
    const requests = points(m, METRIC_LLM_REQUESTS);
    assert.deepEqual(
      requests.map((p) => [p.attributes[LABEL_PRICED], p.value]),
      [[false, 1]],
    );
    assert.equal(points(m, METRIC_LLM_COST_USD).length, 0, 'never a silent $0');
    assert.equal(points(m, METRIC_TOKENMETER_CLIENT_OPERATION_COST).length, 0);
  });
});

describe('attribution', () => {
  test('withAttribution tags the span, the record and (allowlisted) metric labels, across awaits', async () => {
    await withAttribution({ feature: 'search', user: 'u_1', tenant: 'acme' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      await withAttribution({ feature: 'search-summary' }, () => ask());
    });
    await waitFor(() => h.records.length === 1);
    const a = tokenmeterSpans(h.spans)[0]!.attributes;
    assert.equal(a[ATTR_TOKENMETER_FEATURE], 'search-summary', 'inner value wins');
    assert.equal(a[ATTR_TOKENMETER_USER_ID], 'u_1', 'outer value inherited');
    assert.equal(a[ATTR_TOKENMETER_TENANT_ID], 'acme');
    assert.deepEqual(h.records[0]!.attribution, { feature: 'search-summary', user: 'u_1', tenant: 'acme' });
    const m = await h.collect();
    const requests = points(m, METRIC_LLM_REQUESTS)[0]!;
    assert.equal(requests.attributes[LABEL_ORG_ID], 'acme');
    assert.equal(requests.attributes[LABEL_FEATURE], 'search-summary', 'feature is allowlisted here');
    assert.equal(requests.attributes[LABEL_USER], undefined, 'user is not');
    const rolling = points(m, METRIC_LLM_COST_USD_ROLLING_24H);
    assert.deepEqual(
      rolling.map((p) => p.attributes),
      [{ [LABEL_ORG_ID]: 'acme' }],
    );
  });

  test('W3C baggage with the same keys tags the call (as from an upstream service)', async () => {
    const bag = propagation.createBaggage({
      [ATTRIBUTION_BAGGAGE_KEYS.feature]: { value: 'checkout' },
      [ATTRIBUTION_BAGGAGE_KEYS.tenant]: { value: 'globex' },
    });
    await context.with(propagation.setBaggage(context.active(), bag), () => ask());
    await waitFor(() => h.records.length === 1);
    assert.deepEqual(h.records[0]!.attribution, { feature: 'checkout', tenant: 'globex' });
  });

  test('withAttribution(..., { baggage: true }) also writes the baggage entries', () => {
    withAttribution(
      { user: 'u_9' },
      () => {
        const bag = propagation.getBaggage(context.active());
        assert.equal(bag?.getEntry(ATTRIBUTION_BAGGAGE_KEYS.user)?.value, 'u_9');
      },
      { baggage: true },
    );
    withAttribution({ user: 'u_9' }, () => {
      assert.equal(propagation.getBaggage(context.active()), undefined, 'not by default');
    });
  });
});

describe('label cap', () => {
  test('past maxMetricSeries, new models fold into model="other"; memory stays bounded', async () => {
    const recorder = sharedMetrics();
    recorder.configure({ maxMetricSeries: 3 });
    try {
      for (let i = 0; i < 6; i++) await ask(`custom-model-${i}`);
      await waitFor(() => h.records.length === 6);
      assert.ok(recorder.seriesCount <= 4);
      const requests = points(await h.collect(), METRIC_LLM_REQUESTS);
      const byModel = Object.fromEntries(requests.map((p) => [p.attributes[LABEL_MODEL], p.value]));
      assert.deepEqual(byModel, { 'custom-model-0': 1, 'custom-model-1': 1, 'custom-model-2': 1, other: 3 });
    } finally {
      recorder.configure({ maxMetricSeries: 2000 });
    }
  });

  test('one budget for every metric: each holds at most maxMetricSeries series (a histogram label set counts buckets + 3), the rest goes to its overflow set', async () => {
    const recorder = sharedMetrics();
    recorder.configure({ maxMetricSeries: 40 });
    try {
      for (let i = 0; i < 12; i++) await ask(`gpt-4o-mini-custom-${i}`);
      await waitFor(() => h.records.length === 12);
      const m = await h.collect();
      const own = (name: string) =>
        points(m, name).filter((p) => p.attributes[ATTR_OTEL_METRIC_OVERFLOW] !== true);
      const overflow = (name: string) =>
        points(m, name).filter((p) => p.attributes[ATTR_OTEL_METRIC_OVERFLOW] === true);
      // 17 series per token-usage label set (14 buckets, +Inf, _sum, _count): 2 fit in 40.
      assert.equal(own(METRIC_GEN_AI_CLIENT_TOKEN_USAGE).length, 2);
      assert.equal(own(METRIC_GEN_AI_CLIENT_OPERATION_DURATION).length, 2);
      // llm.tokens: input and output per model, 1 series each: all 24 fit.
      assert.equal(own(METRIC_LLM_TOKENS).length, 24);
      assert.equal(overflow(METRIC_LLM_TOKENS).length, 0);
      assert.equal(own(METRIC_LLM_REQUESTS).length, 12);
      const usageOverflow = overflow(METRIC_GEN_AI_CLIENT_TOKEN_USAGE);
      assert.equal(usageOverflow.length, 2, 'one overflow set per token type');
      assert.equal(usageOverflow[0]!.attributes[ATTR_GEN_AI_REQUEST_MODEL], 'other');
      const counted = points(m, METRIC_GEN_AI_CLIENT_OPERATION_DURATION).reduce(
        (a, p) => a + (p.value as Histogram).count,
        0,
      );
      assert.equal(counted, 12, 'every call counted once');
      assert.deepEqual(recorder.overflowed[METRIC_GEN_AI_CLIENT_OPERATION_DURATION], 10);
    } finally {
      recorder.configure({ maxMetricSeries: 2000 });
    }
  });
});
