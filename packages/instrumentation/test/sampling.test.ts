// Metrics and CallRecords do not depend on trace sampling: with every span dropped by the sampler,
// calls still reach the metrics and onCallRecord (and no span attributes are built).
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { AlwaysOffSampler } from '@opentelemetry/sdk-trace-base';
import {
  LABEL_TOKEN_TYPE,
  LABEL_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_LLM_REQUESTS,
  METRIC_LLM_TOKENS,
} from '@tokenmeter/semconv';
import { type Harness, points, requireSdk, startHarness, waitFor } from './helpers/otel.js';

let h: Harness;

before(async () => {
  h = await startHarness({ sampler: new AlwaysOffSampler() });
});
after(() => h.close());
beforeEach(() => h.reset());

test('unsampled calls still reach onCallRecord and the metrics', async () => {
  const { OpenAI } = requireSdk('openai') as typeof import('openai');
  const client = new OpenAI({ baseURL: h.openaiBaseURL, apiKey: 'x', maxRetries: 0 });
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  for await (const _ of stream) {
    // drain
  }
  await waitFor(() => h.records.length === 2);
  assert.equal(h.spans.getFinishedSpans().length, 0, 'nothing sampled');
  for (const r of h.records) {
    assert.equal(r.sampled, false);
    assert.equal(r.traceId, undefined);
    assert.ok(r.cost !== null && r.cost.totalUsd > 0);
  }
  const m = await h.collect();
  assert.equal(points(m, METRIC_LLM_REQUESTS)[0]?.value, 2);
  const output = points(m, METRIC_LLM_TOKENS).find(
    (p) => p.attributes[LABEL_TOKEN_TYPE] === LABEL_TOKEN_TYPE_VALUE_OUTPUT,
  );
  assert.equal(output?.value, 40);
});
