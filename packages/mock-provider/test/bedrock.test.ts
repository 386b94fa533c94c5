import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ThrottlingException,
  type TokenUsage,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import {
  decodeEventStream,
  encodeEventStreamMessage,
  type MockProvider,
  startMockProvider,
} from '../src/index.js';

let mock: MockProvider;
let client: BedrockRuntimeClient;

before(async () => {
  mock = await startMockProvider();
  client = new BedrockRuntimeClient({
    endpoint: mock.bedrockEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAMOCK', secretAccessKey: 'mock-secret' },
    maxAttempts: 1,
  });
});
after(() => {
  client.destroy();
  return mock.close();
});
beforeEach(() => mock.reset());

const messages = (text: string) => [{ role: 'user' as const, content: [{ text }] }];
const decoder = new TextDecoder();

describe('Bedrock Converse through the real BedrockRuntimeClient', () => {
  test('Converse returns the message, stop reason, usage and metrics', async () => {
    const res = await client.send(
      new ConverseCommand({
        modelId: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
        messages: messages('Hello Bedrock'),
      }),
    );
    const text = res.output?.message?.content?.[0]?.text ?? '';
    assert.equal(text.split(' ').length, 20);
    assert.equal(res.stopReason, 'end_turn');
    // 'Hello Bedrock' = 13 chars → 4 + 4.
    assert.deepEqual(res.usage, { inputTokens: 8, outputTokens: 20, totalTokens: 28 });
    assert.ok((res.metrics?.latencyMs ?? 0) >= 1);
    assert.equal(mock.requests[0]?.route, 'bedrock.converse');
    assert.equal(mock.requests[0]?.headers.authorization, '[REDACTED]');
  });

  test('inference profile ARNs and ids are accepted (URL-encoded in the path)', async () => {
    const arn =
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0';
    const res = await client.send(
      new ConverseCommand({ modelId: arn, messages: messages('hi'), inferenceConfig: { maxTokens: 3 } }),
    );
    assert.equal(res.stopReason, 'max_tokens');
    assert.equal(res.usage?.outputTokens, 3);
    const req = mock.requests[0]!;
    assert.ok(req.path.startsWith('/model/'));
  });

  test('cachePoint: the first call writes, the next reads; inputTokens excludes both', async () => {
    const system = [{ text: 'rules '.repeat(300) }, { cachePoint: { type: 'default' as const } }];
    const ask = () =>
      client.send(
        new ConverseCommand({
          modelId: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
          system,
          messages: messages('q'),
        }),
      );
    const first = await ask();
    const second = await ask();
    const prefix = 4 + 1800 / 4;
    assert.equal(first.usage?.cacheWriteInputTokens, prefix);
    assert.equal(first.usage?.cacheReadInputTokens, 0);
    assert.equal(second.usage?.cacheReadInputTokens, prefix);
    assert.equal(second.usage?.inputTokens, 5);
    assert.equal(second.usage?.totalTokens, 5 + 20 + prefix);
  });

  test('ConverseStream yields messageStart, deltas, contentBlockStop, messageStop, metadata', async () => {
    const res = await client.send(
      new ConverseStreamCommand({ modelId: 'amazon.nova-lite-v1:0', messages: messages('Stream it') }),
    );
    const kinds: string[] = [];
    let text = '';
    let usage: TokenUsage | undefined;
    for await (const ev of res.stream ?? []) {
      const kind = Object.keys(ev).find((k) => (ev as unknown as Record<string, unknown>)[k] !== undefined)!;
      kinds.push(kind);
      if (ev.contentBlockDelta?.delta?.text) text += ev.contentBlockDelta.delta.text;
      if (ev.metadata) usage = ev.metadata.usage;
    }
    const distinct = kinds.filter((k, i) => k !== kinds[i - 1]);
    assert.deepEqual(distinct, [
      'messageStart',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    assert.equal(text.split(' ').length, 20);
    assert.deepEqual(usage, { inputTokens: 7, outputTokens: 20, totalTokens: 27 });
  });

  test('errors: ThrottlingException for 429, ValidationException for 400', async () => {
    await assert.rejects(
      client.send(new ConverseCommand({ modelId: 'mock-error-429', messages: messages('hi') })),
      (err: unknown) => {
        assert.ok(err instanceof ThrottlingException);
        assert.equal(err.$metadata.httpStatusCode, 429);
        return true;
      },
    );
    await assert.rejects(
      client.send(new ConverseCommand({ modelId: 'mock-error-400', messages: messages('hi') })),
      (err: unknown) => err instanceof ValidationException,
    );
  });
});

describe('Bedrock InvokeModel bodies per model family', () => {
  test('anthropic.*: the Anthropic messages JSON and token-count headers', async () => {
    const res = await client.send(
      new InvokeModelCommand({
        modelId: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
        contentType: 'application/json',
        body: JSON.stringify({
          anthropic_version: 'bedrock-2023-05-31',
          max_tokens: 50,
          messages: messages('Hello'),
        }),
      }),
    );
    const body = JSON.parse(decoder.decode(res.body));
    assert.equal(body.type, 'message');
    assert.equal(body.model, 'claude-3-5-sonnet-20241022');
    assert.equal(body.usage.input_tokens, 6);
    assert.equal(body.usage.output_tokens, 20);
    const raw = await fetch(`${mock.url}/model/anthropic.claude-3-haiku-20240307-v1:0/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        anthropic_version: 'bedrock-2023-05-31',
        max_tokens: 50,
        messages: messages('Hello'),
      }),
    });
    assert.equal(raw.headers.get('x-amzn-bedrock-input-token-count'), '6');
    assert.equal(raw.headers.get('x-amzn-bedrock-output-token-count'), '20');
  });

  test('amazon.nova, amazon.titan, meta.llama bodies', async () => {
    const nova = JSON.parse(
      decoder.decode(
        (
          await client.send(
            new InvokeModelCommand({
              modelId: 'us.amazon.nova-pro-v1:0',
              body: JSON.stringify({ messages: messages('hi'), inferenceConfig: { maxTokens: 5 } }),
            }),
          )
        ).body,
      ),
    );
    assert.equal(nova.stopReason, 'max_tokens');
    assert.equal(nova.usage.outputTokens, 5);
    const titan = JSON.parse(
      decoder.decode(
        (
          await client.send(
            new InvokeModelCommand({
              modelId: 'amazon.titan-text-express-v1',
              body: JSON.stringify({ inputText: 'abcdefgh' }),
            }),
          )
        ).body,
      ),
    );
    assert.equal(titan.inputTextTokenCount, 2);
    assert.equal(titan.results[0].tokenCount, 20);
    const llama = JSON.parse(
      decoder.decode(
        (
          await client.send(
            new InvokeModelCommand({
              modelId: 'meta.llama3-8b-instruct-v1:0',
              body: JSON.stringify({ prompt: 'abcd' }),
            }),
          )
        ).body,
      ),
    );
    assert.equal(llama.prompt_token_count, 1);
    assert.equal(llama.generation_token_count, 20);
    assert.equal(llama.stop_reason, 'stop');
  });

  test('InvokeModelWithResponseStream: anthropic chunks; the last carries amazon-bedrock-invocationMetrics', async () => {
    const res = await client.send(
      new InvokeModelWithResponseStreamCommand({
        modelId: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
        body: JSON.stringify({
          anthropic_version: 'bedrock-2023-05-31',
          max_tokens: 50,
          messages: messages('Hello'),
        }),
      }),
    );
    const events: Record<string, unknown>[] = [];
    for await (const ev of res.body ?? []) {
      if (ev.chunk?.bytes) events.push(JSON.parse(decoder.decode(ev.chunk.bytes)));
    }
    assert.equal(events[0]?.type, 'message_start');
    const last = events.at(-1)!;
    assert.equal(last.type, 'message_stop');
    const metrics = last['amazon-bedrock-invocationMetrics'] as Record<string, number | undefined>;
    assert.equal(metrics.inputTokenCount, 6);
    assert.equal(metrics.outputTokenCount, 20);
    assert.ok((metrics.invocationLatency ?? 0) >= 1 && (metrics.firstByteLatency ?? 0) >= 1);
  });

  test('InvokeModelWithResponseStream: llama chunks end with stop_reason and metrics', async () => {
    const res = await client.send(
      new InvokeModelWithResponseStreamCommand({
        modelId: 'meta.llama3-8b-instruct-v1:0',
        body: JSON.stringify({ prompt: 'abcd', max_gen_len: 4 }),
      }),
    );
    const events: Record<string, unknown>[] = [];
    for await (const ev of res.body ?? []) {
      if (ev.chunk?.bytes) events.push(JSON.parse(decoder.decode(ev.chunk.bytes)));
    }
    const last = events.at(-1)!;
    assert.equal(last.stop_reason, 'length');
    assert.equal((last['amazon-bedrock-invocationMetrics'] as Record<string, number>).outputTokenCount, 4);
  });
});

describe('event stream framing', () => {
  test('encode/decode round trip with checked CRCs', () => {
    const msg = encodeEventStreamMessage({ ':event-type': 'chunk', ':message-type': 'event' }, '{"a":1}');
    const [decoded] = decodeEventStream(msg);
    assert.deepEqual(decoded?.headers, { ':event-type': 'chunk', ':message-type': 'event' });
    assert.equal(decoded?.payload.toString(), '{"a":1}');
    const corrupt = Buffer.from(msg);
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 6) ^ 0xff, corrupt.length - 6);
    assert.throws(() => decodeEventStream(corrupt), /crc/i);
  });
});
