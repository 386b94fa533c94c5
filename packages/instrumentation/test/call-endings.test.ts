// Calls ended in batches (the distro's setting): a call that ended waits a few milliseconds for its
// span, price, metrics and record, and whatever reads them drains the batch first. Nothing is lost
// or late for a reader: the tracer provider's forceFlush (through the CostSpanProcessor placed
// before the exporting processor), a metric collection, disable(); the span keeps the call's own
// times and the parent active when the request was made; a budget reservation is settled at once.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  METRIC_LLM_REQUESTS,
} from '@tokenmeter/semconv';
import type OpenAIType from 'openai';
import { callEndings } from '../src/call-endings.js';
import type { CallRecord } from '../src/call-record.js';
import { CostSpanProcessor } from '../src/cost-span-processor.js';
import { estimateUsage, loadTokenCounter } from '../src/estimate/index.js';
import { type Harness, points, requireSdk, startHarness, tokenmeterSpans, waitFor } from './helpers/otel.js';

let h: Harness;
let client: OpenAIType;

before(async () => {
  h = await startHarness({ processors: [new CostSpanProcessor()] });
  h.instrumentation.runtime.endCallsInBatches = true;
  const { OpenAI } = requireSdk('openai') as typeof import('openai');
  client = new OpenAI({ baseURL: h.openaiBaseURL, apiKey: 'x', maxRetries: 0 });
});
after(() => h.close());
beforeEach(() => {
  callEndings().drain();
  h.reset();
});

const ask = () =>
  client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello' }],
  });

const nowMs = () => performance.timeOrigin + performance.now();
const hrMs = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

/** Keeps the thread busy (no timer runs meanwhile, so the batch cannot complete on its own). */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

test('forceFlush of the tracer provider ends the spans of calls still in the batch, with their own times and parent', async () => {
  const tracer = trace.getTracer('app');
  const parent = tracer.startSpan('handle request');
  const t0 = nowMs();
  await context.with(trace.setSpan(context.active(), parent), () => ask());
  const t1 = nowMs();
  assert.equal(callEndings().size, 1, 'the call waits in the batch');
  assert.equal(tokenmeterSpans(h.spans).length, 0);
  assert.equal(h.records.length, 0);
  busy(30); // a span ended at the time of the flush would end after t1 + 30 ms
  await h.tracerProvider.forceFlush();
  parent.end();
  const [span] = tokenmeterSpans(h.spans);
  assert.ok(span, 'the span was exported by the flush');
  assert.equal(callEndings().size, 0);
  assert.equal(h.records.length, 1, 'the record was made with the span');
  assert.equal(span.parentSpanContext?.spanId, parent.spanContext().spanId, 'parent kept');
  assert.equal(span.spanContext().traceId, parent.spanContext().traceId);
  assert.ok(hrMs(span.startTime) >= t0 - 1, 'started when the request was made');
  assert.ok(hrMs(span.endTime) <= t1 + 1, 'ended when the response was read, not when the batch ran');
  assert.ok((span.attributes[ATTR_GEN_AI_USAGE_COST] as number) > 0, 'priced');
});

test('a metric collection completes the calls in the batch first: llm.requests counts a call that just ended', async () => {
  await ask();
  assert.equal(callEndings().size, 1, 'the call waits in the batch');
  const m = await h.collect();
  const requests = points(m, METRIC_LLM_REQUESTS);
  assert.equal(
    requests.reduce((n, p) => n + (p.value as number), 0),
    1,
  );
  assert.equal(h.records.length, 1);
});

test('disable() completes the calls waiting in the batch', async () => {
  await ask();
  assert.equal(callEndings().size, 1);
  h.instrumentation.disable();
  try {
    assert.equal(h.records.length, 1);
    assert.equal(tokenmeterSpans(h.spans).length, 1);
  } finally {
    h.instrumentation.enable();
  }
});

test('with nobody reading, the batch completes by itself a moment later', async () => {
  await ask();
  assert.equal(h.records.length, 0);
  await waitFor(() => h.records.length === 1);
  assert.equal(tokenmeterSpans(h.spans).length, 1);
  assert.equal(callEndings().size, 0);
});

test('a call holding a budget reservation completes at once: the ledger has its real cost when the app’s await returns', async () => {
  const settled: CallRecord[] = [];
  h.instrumentation.setBeforeSend(() => ({ action: 'proceed', settle: (r) => settled.push(r) }));
  try {
    await ask();
    assert.equal(settled.length, 1, 'settled before the await returned');
    assert.ok((settled[0]!.cost?.totalNanos ?? 0) > 0);
    assert.equal(callEndings().size, 0);
  } finally {
    h.instrumentation.setBeforeSend(undefined);
  }
});

test('a peer span of a call still in the batch is not priced a second time (its response id is known at once)', async () => {
  const completion = await ask();
  assert.equal(callEndings().size, 1);
  const peer = trace.getTracer('peer-instrumentation');
  const attributes = (id: string) => ({
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
    [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
    [ATTR_GEN_AI_RESPONSE_ID]: id,
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 7,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 20,
  });
  peer.startSpan('chat covered', { attributes: attributes(completion.id) }).end();
  peer.startSpan('chat other', { attributes: attributes('chatcmpl-not-ours') }).end();
  const byName = (name: string) => h.spans.getFinishedSpans().find((s) => s.name === name)!;
  assert.equal(byName('chat covered').attributes[ATTR_GEN_AI_USAGE_COST], undefined);
  assert.ok(
    (byName('chat other').attributes[ATTR_GEN_AI_USAGE_COST] as number) > 0,
    'a call not ours is priced',
  );
});

test('a stream whose usage tokenmeter counts itself waits in the batch like any call, and a flush right after its last read records the count', async () => {
  const body = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user' as const, content: 'Say hello' }],
    stream: true as const,
    stream_options: { include_usage: false },
  };
  const read = async () => {
    let text = '';
    for await (const chunk of await client.chat.completions.create(body))
      text += chunk.choices[0]?.delta?.content ?? '';
    return text;
  };
  await read();
  // The first count of a model waits for its tokenizer to load (seconds under tsx on a busy machine).
  await waitFor(() => {
    callEndings().drain();
    return h.records.length === 1;
  }, 30_000);
  h.reset();
  const text = await read();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(callEndings().size, 1, 'the call waits in the batch');
  assert.equal(h.records.length, 0);
  await h.tracerProvider.forceFlush();
  assert.equal(h.records.length, 1, 'the flush completed it');
  const r = h.records[0]!;
  assert.equal(r.usageEstimated, true);
  const count = (await loadTokenCounter('o200k_base'))!;
  const expected = await estimateUsage({
    provider: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
    model: 'gpt-4o-mini',
    api: 'openai.chat',
    requestBody: body,
    outputText: text,
  });
  assert.ok(text.length > 0);
  assert.deepEqual(r.usage, { inputTokens: expected.usage.inputTokens, outputTokens: count(text) });
  const [span] = tokenmeterSpans(h.spans);
  assert.equal(span?.attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], count(text));
  assert.ok((span?.attributes[ATTR_GEN_AI_USAGE_COST] as number) > 0, 'priced');
});
