// The real @aws-sdk/client-bedrock-runtime (HTTP/2 to the mock provider): no fetch involved, so the
// Bedrock patch adds a middleware to each client. Same CallRecord and span shape as the fetch path.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
} from '@tokenmeter/semconv';
import { type Harness, requireSdk, startHarness, tokenmeterSpans, waitFor } from './helpers/otel.js';

type BedrockModule = typeof import('@aws-sdk/client-bedrock-runtime');
type TokenUsage = import('@aws-sdk/client-bedrock-runtime').TokenUsage;
let h: Harness;
let sdk: BedrockModule;
let client: InstanceType<BedrockModule['BedrockRuntimeClient']>;

before(async () => {
  h = await startHarness();
  sdk = requireSdk('@aws-sdk/client-bedrock-runtime') as BedrockModule;
  client = new sdk.BedrockRuntimeClient({
    endpoint: h.mock.bedrockEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAMOCK', secretAccessKey: 'mock-secret' },
    maxAttempts: 1,
  });
});
after(async () => {
  client.destroy();
  await h.close();
});
beforeEach(() => h.reset());

const SONNET = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const messages = (text: string) => [{ role: 'user' as const, content: [{ text }] }];
const USD = 1e-6;
function close(actual: unknown, expected: number): void {
  assert.ok(Math.abs((actual as number) - expected) < 1e-12, `${actual} vs ${expected}`);
}

describe('Bedrock through the AWS SDK', () => {
  test('Converse: one priced chat span', async () => {
    const res = await client.send(
      new sdk.ConverseCommand({ modelId: SONNET, messages: messages('Hello Bedrock') }),
    );
    await waitFor(() => h.records.length === 1);
    const spans = tokenmeterSpans(h.spans);
    assert.equal(spans.length, 1);
    assert.equal(spans[0]!.name, `chat ${SONNET}`);
    const a = spans[0]!.attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK);
    assert.equal(a[ATTR_GEN_AI_REQUEST_MODEL], SONNET);
    assert.equal(a[ATTR_SERVER_ADDRESS], '127.0.0.1');
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], res.usage?.inputTokens);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], res.usage?.outputTokens);
    // Claude 3.5 Sonnet v2 on Bedrock: $3 input, $15 output per million tokens
    close(a[ATTR_GEN_AI_USAGE_COST], (res.usage!.inputTokens! * 3 + res.usage!.outputTokens! * 15) * USD);
  });

  test('ConverseStream: events pass through untouched; the span ends at the metadata event', async () => {
    const res = await client.send(
      new sdk.ConverseStreamCommand({ modelId: SONNET, messages: messages('Hello') }),
    );
    const kinds: string[] = [];
    let usage: TokenUsage | undefined;
    for await (const event of res.stream!) {
      kinds.push(Object.keys(event)[0]!);
      if (event.metadata) usage = event.metadata.usage;
    }
    assert.equal(kinds[0], 'messageStart');
    assert.equal(kinds.at(-1), 'metadata');
    await waitFor(() => h.records.length === 1);
    const a = tokenmeterSpans(h.spans)[0]!.attributes;
    assert.equal(a[ATTR_GEN_AI_REQUEST_STREAM], true);
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], usage?.inputTokens);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], usage?.outputTokens);
    assert.ok(h.records[0]!.timeToFirstChunkMs !== undefined);
  });

  test('ConverseStream, consumer breaks early: the span ends, no error', async () => {
    const res = await client.send(
      new sdk.ConverseStreamCommand({ modelId: SONNET, messages: messages('Hello') }),
    );
    let n = 0;
    for await (const _ of res.stream!) {
      if (++n === 2) break;
    }
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.errorType, undefined);
    assert.equal(tokenmeterSpans(h.spans).length, 1);
  });

  test('InvokeModel (Anthropic body): usage from the body; the app gets the same bytes', async () => {
    const body = JSON.stringify({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    const res = await client.send(
      new sdk.InvokeModelCommand({ modelId: SONNET, body, contentType: 'application/json' }),
    );
    const json = JSON.parse(new TextDecoder().decode(res.body)) as {
      usage: { input_tokens: number; output_tokens: number };
    };
    await waitFor(() => h.records.length === 1);
    const a = tokenmeterSpans(h.spans)[0]!.attributes;
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], json.usage.input_tokens);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], json.usage.output_tokens);
    assert.ok((a[ATTR_GEN_AI_USAGE_COST] as number) > 0);
  });

  test('InvokeModel (Llama): usage from the x-amzn-bedrock-*-token-count headers', async () => {
    const body = JSON.stringify({ prompt: 'Hello Llama', max_gen_len: 50 });
    await client.send(new sdk.InvokeModelCommand({ modelId: 'meta.llama3-8b-instruct-v1:0', body }));
    await waitFor(() => h.records.length === 1);
    const r = h.records[0]!;
    assert.ok(r.usage !== undefined && r.usage.inputTokens > 0 && r.usage.outputTokens > 0);
  });

  test('InvokeModelWithResponseStream: the span has the invocation metrics usage', async () => {
    const body = JSON.stringify({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    const res = await client.send(new sdk.InvokeModelWithResponseStreamCommand({ modelId: SONNET, body }));
    let chunks = 0;
    for await (const event of res.body!) if (event.chunk) chunks++;
    assert.ok(chunks > 2);
    await waitFor(() => h.records.length === 1);
    const r = h.records[0]!;
    assert.equal(r.stream, true);
    assert.ok(r.usage !== undefined && r.usage.outputTokens > 0);
    assert.ok(r.cost !== null);
  });

  test('a throttled call: the same ThrottlingException reaches the app; the span has error.type 429', async () => {
    await assert.rejects(
      client.send(new sdk.ConverseCommand({ modelId: 'mock-error-429', messages: messages('x') })),
      (error: unknown) => error instanceof sdk.ThrottlingException,
    );
    await waitFor(() => h.records.length === 1);
    assert.equal(tokenmeterSpans(h.spans)[0]!.attributes[ATTR_ERROR_TYPE], '429');
    assert.equal(h.records[0]!.httpStatus, 429);
  });
});
