// The real @anthropic-ai/sdk (1.x, CommonJS build) against the mock provider. The SDK traces itself
// when a tracer provider is registered (as here): its span and ours must not count the call twice.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type AnthropicType from '@anthropic-ai/sdk';
import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_TOKENMETER_COST_CACHE_READ,
  ATTR_TOKENMETER_COST_CACHE_WRITE,
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
} from '@tokenmeter/semconv';
import { CostSpanProcessor } from '../src/cost-span-processor.js';
import { ANTHROPIC_SDK_SCOPE } from '../src/patches/anthropic.js';
import {
  type Harness,
  pricedSpans,
  requireSdk,
  startHarness,
  tokenmeterSpans,
  waitFor,
} from './helpers/otel.js';

let h: Harness;
let client: AnthropicType;

before(async () => {
  h = await startHarness({ processors: [new CostSpanProcessor()] });
  const { Anthropic } = requireSdk('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
  client = new Anthropic({ baseURL: h.mock.anthropicBaseURL, apiKey: 'x', maxRetries: 0 });
});
after(() => h.close());
beforeEach(() => h.reset());

const MODEL = 'claude-3-5-haiku-20241022';
const SYSTEM = [
  {
    type: 'text' as const,
    text: 'You are a helpful assistant. '.repeat(50),
    cache_control: { type: 'ephemeral' as const },
  },
];
const USD = 1e-6; // per token, for prices given per million tokens

function close(actual: unknown, expected: number): void {
  assert.ok(Math.abs((actual as number) - expected) < 1e-12, `${actual} vs ${expected}`);
}

describe('anthropic messages', () => {
  test('JSON: one priced span (ours, under the SDK self-trace, which stays unpriced)', async () => {
    const res = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    await waitFor(() => h.records.length === 1);
    const ours = tokenmeterSpans(h.spans);
    assert.equal(ours.length, 1);
    const a = ours[0]!.attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC);
    assert.equal(a[ATTR_GEN_AI_REQUEST_MODEL], MODEL);
    assert.deepEqual(a[ATTR_GEN_AI_RESPONSE_FINISH_REASONS], [res.stop_reason]);
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], res.usage.input_tokens);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], res.usage.output_tokens);
    // Claude 3.5 Haiku: $0.80 input, $4 output per million tokens
    close(a[ATTR_GEN_AI_USAGE_COST], (res.usage.input_tokens * 0.8 + res.usage.output_tokens * 4) * USD);

    await waitFor(() =>
      h.spans.getFinishedSpans().some((s) => s.instrumentationScope.name === ANTHROPIC_SDK_SCOPE),
    );
    const sdkSpan = h.spans
      .getFinishedSpans()
      .find((s) => s.instrumentationScope.name === ANTHROPIC_SDK_SCOPE)!;
    assert.equal(
      ours[0]!.parentSpanContext?.spanId,
      sdkSpan.spanContext().spanId,
      'our span runs under the SDK span',
    );
    assert.equal(pricedSpans(h.spans).length, 1, 'the call is priced once');
  });

  test('prompt cache write then read: input includes cache, each priced at its own rate', async () => {
    const ask = () =>
      client.messages.create({
        model: MODEL,
        max_tokens: 100,
        system: SYSTEM,
        messages: [{ role: 'user', content: 'Say hello' }],
      });
    const first = await ask();
    const second = await ask();
    await waitFor(() => h.records.length === 2);
    assert.ok(first.usage.cache_creation_input_tokens! > 0);
    assert.ok(second.usage.cache_read_input_tokens! > 0);
    const [w, r] = tokenmeterSpans(h.spans).map((s) => s.attributes);
    const written = first.usage.cache_creation_input_tokens!;
    const read = second.usage.cache_read_input_tokens!;
    assert.equal(w![ATTR_GEN_AI_USAGE_INPUT_TOKENS], first.usage.input_tokens + written);
    assert.equal(w![ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS], written);
    assert.equal(r![ATTR_GEN_AI_USAGE_INPUT_TOKENS], second.usage.input_tokens + read);
    assert.equal(r![ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS], read);
    // Claude 3.5 Haiku: 5-minute cache write $1.00, cache read $0.08 per million tokens
    close(w![ATTR_TOKENMETER_COST_CACHE_WRITE], written * 1.0 * USD);
    close(r![ATTR_TOKENMETER_COST_CACHE_READ], read * 0.08 * USD);
    close(
      w![ATTR_GEN_AI_USAGE_COST],
      (first.usage.input_tokens * 0.8 + written * 1.0 + first.usage.output_tokens * 4) * USD,
    );
    close(
      r![ATTR_GEN_AI_USAGE_COST],
      (second.usage.input_tokens * 0.8 + read * 0.08 + second.usage.output_tokens * 4) * USD,
    );
  });

  test('stream: the app gets every event; the span ends at message_stop with the final usage', async () => {
    const stream = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      system: SYSTEM,
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
    });
    const types: string[] = [];
    let output = 0;
    let input = 0;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'message_start') input = event.message.usage.input_tokens;
      if (event.type === 'message_delta') output = event.usage.output_tokens;
    }
    assert.equal(types[0], 'message_start');
    assert.equal(types.at(-1), 'message_stop');
    await waitFor(() => h.records.length === 1);
    const a = tokenmeterSpans(h.spans)[0]!.attributes;
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], output);
    assert.ok((a[ATTR_GEN_AI_USAGE_INPUT_TOKENS] as number) > input, 'input counts the cache write too');
    assert.ok((a[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] as number) > 0);
    await waitFor(() => h.spans.getFinishedSpans().length >= 2);
    assert.equal(pricedSpans(h.spans).length, 1);
  });

  test('messages.stream() helper: finalMessage() works and the call is priced once', async () => {
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const message = await stream.finalMessage();
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.usage?.outputTokens, message.usage.output_tokens);
    await waitFor(() => h.spans.getFinishedSpans().length >= 2);
    assert.equal(pricedSpans(h.spans).length, 1);
  });
});
