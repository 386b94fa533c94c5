// Calls ended in batches (the distro's setting) parse a non-streamed body the app read as text in
// their batch, not on the app's continuation. What a user sees must not change: the app's own
// results, and the call's span, record and metrics, are those of a call whose body was parsed when
// read; a body that is not JSON is still recorded as malformed; the span still ends when the body
// was read. (No other span in this process: coverage stays off, the case where the parse waits.)
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_TOKENMETER_PRICING_MATCH,
} from '@tokenmeter/semconv';
import type OpenAIType from 'openai';
import { ERROR_TYPE_MALFORMED_RESPONSE } from '../src/call.js';
import { callEndings } from '../src/call-endings.js';
import type { CallRecord } from '../src/call-record.js';
import { CostSpanProcessor } from '../src/cost-span-processor.js';
import { coverage } from '../src/coverage.js';
import { type Harness, requireSdk, startHarness, tokenmeterSpans } from './helpers/otel.js';

let h: Harness;
let client: OpenAIType;

before(async () => {
  // The distro's order: the CostSpanProcessor drains the batch before the exporting processor flushes.
  h = await startHarness({ processors: [new CostSpanProcessor()] });
  const { OpenAI } = requireSdk('openai') as typeof import('openai');
  client = new OpenAI({ baseURL: h.openaiBaseURL, apiKey: 'x', maxRetries: 0 });
});
after(() => h.close());
beforeEach(() => {
  callEndings().drain();
  h.instrumentation.runtime.endCallsInBatches = false;
  h.reset();
});

const ask = () =>
  client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello' }],
  });

const hrMs = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

/** What a record says about the call, without its times and ids of its own. */
function outcome(r: CallRecord) {
  return {
    provider: r.provider,
    usage: r.usage,
    cost: r.cost,
    pricingMatch: r.pricingMatch,
    responseModel: r.responseModel,
    finishReasons: r.finishReasons,
    httpStatus: r.httpStatus,
    errorType: r.errorType,
    usageEstimated: r.usageEstimated,
  };
}

test('a body read as text and parsed in the batch gives the span, record and answer of a body parsed when read', async () => {
  const atOnce = await ask();
  assert.equal(h.records.length, 1, 'calls ending one by one complete when the body is read');
  const [atOnceRecord] = h.records;
  const [atOnceSpan] = tokenmeterSpans(h.spans);
  h.reset();

  h.instrumentation.runtime.endCallsInBatches = true;
  const later = await ask();
  const readAt = performance.timeOrigin + performance.now();
  assert.equal(coverage().active, false, 'no span of anyone else: nothing to cover');
  assert.equal(callEndings().size, 1, 'the call ended when its body was read, and waits in the batch');
  assert.equal(h.records.length, 0);
  await h.tracerProvider.forceFlush();
  assert.equal(h.records.length, 1);
  const [laterRecord] = h.records;
  const [laterSpan] = tokenmeterSpans(h.spans);

  assert.deepEqual(Object.keys(later), Object.keys(atOnce), 'the app reads the same answer');
  assert.equal(later.usage?.total_tokens, atOnce.usage?.total_tokens);
  assert.deepEqual(outcome(laterRecord!), outcome(atOnceRecord!));
  assert.equal(laterRecord!.responseId, later.id);
  assert.ok((laterRecord!.usage?.inputTokens ?? 0) > 0, 'usage read from the body');
  for (const key of [
    ATTR_GEN_AI_RESPONSE_MODEL,
    ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
    ATTR_GEN_AI_USAGE_INPUT_TOKENS,
    ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
    ATTR_GEN_AI_USAGE_COST,
    ATTR_TOKENMETER_PRICING_MATCH,
  ])
    assert.deepEqual(laterSpan!.attributes[key], atOnceSpan!.attributes[key], key);
  assert.equal(laterSpan!.attributes[ATTR_GEN_AI_RESPONSE_ID], later.id);
  assert.deepEqual(Object.keys(laterSpan!.attributes).sort(), Object.keys(atOnceSpan!.attributes).sort());
  assert.ok(hrMs(laterSpan!.endTime) <= readAt + 1, 'the span ends when the body was read, not when parsed');
});

test('a 2xx body that is not JSON, parsed in the batch, is recorded as malformed_response without usage', async () => {
  h.instrumentation.runtime.endCallsInBatches = true;
  const body = '{"id":"chatcmpl-cut","model":"gpt-4o-mini","usage":{"prompt_tokens":5,';
  const fake = async () =>
    new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  const { instrumentFetch } = await import('../src/fetch/instrument-fetch.js');
  const f = instrumentFetch(fake as typeof fetch, h.instrumentation.runtime);
  const res = await f('https://api.openai.com/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(await res.text(), body, 'the app reads the very bytes');
  assert.equal(callEndings().size, 1);
  await h.tracerProvider.forceFlush();
  assert.equal(h.records.length, 1);
  const [r] = h.records;
  assert.equal(r!.errorType, ERROR_TYPE_MALFORMED_RESPONSE);
  assert.equal(r!.httpStatus, 200);
  assert.equal(r!.usage, undefined);
  assert.equal(r!.pricingMatch, 'no_usage');
  assert.equal(tokenmeterSpans(h.spans)[0]!.attributes[ATTR_ERROR_TYPE], ERROR_TYPE_MALFORMED_RESPONSE);
});

test('a body read as json() is read at once (the app may change the object it got), and still priced', async () => {
  h.instrumentation.runtime.endCallsInBatches = true;
  const { instrumentFetch } = await import('../src/fetch/instrument-fetch.js');
  const f = instrumentFetch(globalThis.fetch, h.instrumentation.runtime);
  const res = await f(`${h.openaiBaseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const json = (await res.json()) as { usage?: unknown; id: string };
  const reported = json.usage;
  delete json.usage; // the app's own object: what it does with it later is not the call's usage
  await h.tracerProvider.forceFlush();
  assert.equal(h.records.length, 1);
  assert.ok(reported !== undefined);
  assert.ok((h.records[0]!.usage?.inputTokens ?? 0) > 0, 'usage read when the body was read');
  assert.equal(h.records[0]!.responseId, json.id);
});
