import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as semconv from '../src/index.js';
import {
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  LABEL_MODEL,
  LABEL_ORG_ID,
  LABEL_PROVIDER,
  METRIC_LLM_COST_USD_DESCRIPTOR,
  METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR,
  METRIC_LLM_REQUESTS_DESCRIPTOR,
  METRIC_LLM_TOKENS_DESCRIPTOR,
  type MetricDescriptor,
} from '../src/index.js';

describe('@tokenmeter/semconv', () => {
  test('the cost metrics render under the Prometheus names users query', () => {
    assert.deepEqual(
      [
        METRIC_LLM_REQUESTS_DESCRIPTOR,
        METRIC_LLM_TOKENS_DESCRIPTOR,
        METRIC_LLM_COST_USD_DESCRIPTOR,
        METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR,
      ].map((d) => d.prometheusName),
      ['llm_requests_total', 'llm_tokens_total', 'llm_cost_usd_total', 'llm_cost_usd_rolling_24h'],
    );
    // OTel JS's Prometheus exporter appends _total to counters and never the unit.
    for (const d of [
      METRIC_LLM_REQUESTS_DESCRIPTOR,
      METRIC_LLM_TOKENS_DESCRIPTOR,
      METRIC_LLM_COST_USD_DESCRIPTOR,
    ]) {
      assert.equal(d.instrument, 'counter');
      assert.equal(`${d.name.replace(/\./g, '_')}_total`, d.prometheusName);
    }
    assert.equal(METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR.instrument, 'gauge');
  });

  test('the metric labels are the plain Prometheus label names', () => {
    assert.deepEqual([LABEL_PROVIDER, LABEL_MODEL, LABEL_ORG_ID], ['provider', 'model', 'org_id']);
  });

  test('the total cost uses the name Langfuse and OpenLIT read, and usage the GenAI semconv names', () => {
    assert.equal(ATTR_GEN_AI_USAGE_COST, 'gen_ai.usage.cost');
    assert.equal(ATTR_GEN_AI_USAGE_INPUT_TOKENS, 'gen_ai.usage.input_tokens');
  });

  test('every attribute constant is unique and well formed', () => {
    const attrs = Object.entries(semconv).filter(([k]) => k.startsWith('ATTR_') || k.startsWith('LABEL_'));
    assert.ok(attrs.length > 40);
    const values = attrs.map(([, v]) => v as string);
    assert.equal(new Set(values).size, values.length);
    for (const v of values) assert.match(v, /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/);
  });

  test('histograms carry their advised buckets in ascending order', () => {
    const descriptors = Object.values(semconv).filter(
      (v): v is MetricDescriptor => typeof v === 'object' && v !== null && 'prometheusName' in v,
    );
    for (const d of descriptors.filter((x) => x.instrument === 'histogram')) {
      assert.ok(d.buckets && d.buckets.length > 3, d.name);
      assert.deepEqual(
        [...d.buckets].sort((a, b) => a - b),
        [...d.buckets],
        d.name,
      );
    }
  });
});
