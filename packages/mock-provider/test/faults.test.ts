import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIUserAbortError } from 'openai';
import { type MockProvider, startMockProvider } from '../src/index.js';

let mock: MockProvider;
let client: OpenAI;

before(async () => {
  mock = await startMockProvider();
  client = new OpenAI({ apiKey: 'k', baseURL: mock.openaiBaseURL, maxRetries: 0 });
});
after(() => mock.close());
beforeEach(() => mock.reset());

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };
const streamChat = { ...chat, stream: true as const, stream_options: { include_usage: true } };

function rawStream(headers: Record<string, string>): Promise<Response> {
  return fetch(`${mock.openaiBaseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(streamChat),
  });
}

describe('stream faults', () => {
  test('truncated-sse: the body ends cleanly in the middle of an event, without [DONE]', async () => {
    const res = await rawStream({ 'x-mock-fault': 'truncated-sse' });
    assert.equal(res.status, 200);
    const text = await res.text(); // resolves: the connection closed cleanly
    assert.ok(!text.includes('[DONE]'));
    assert.ok(!text.endsWith('\n\n'), 'the last event is cut');
    assert.equal(text.split('\n\n').length, 3, 'two whole events, then half of the third');
  });

  test('truncated-sse through the SDK: the iteration ends early, with no usage chunk', async () => {
    const seen: OpenAI.ChatCompletionChunk[] = [];
    try {
      for await (const c of await client.chat.completions.create(streamChat, {
        headers: { 'x-mock-fault': 'truncated-sse' },
      })) {
        seen.push(c);
      }
    } catch {
      // The SDK may also reject the half event; either way the stream stops before usage.
    }
    assert.ok(seen.length >= 1 && seen.length <= 2);
    assert.ok(seen.every((c) => c.usage === null));
  });

  test('cut-stream: the socket is destroyed mid-stream and the SDK iteration throws', async () => {
    await assert.rejects(async () => {
      for await (const _ of await client.chat.completions.create(streamChat, {
        headers: { 'x-mock-fault': 'cut-stream' },
      })) {
        // consume
      }
    });
    await assert.rejects(async () => (await rawStream({ 'x-mock-fault': 'cut-stream' })).text());
  });

  test('cut-stream over HTTP/2: Bedrock ConverseStream fails mid-stream', async () => {
    const bedrock = new BedrockRuntimeClient({
      endpoint: mock.bedrockEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    try {
      const res = await bedrock.send(
        new ConverseStreamCommand({
          modelId: 'mock-fault-cut-stream',
          messages: [{ role: 'user', content: [{ text: 'x' }] }],
        }),
      );
      let events = 0;
      await assert.rejects(async () => {
        for await (const _ of res.stream ?? []) events++;
      });
      assert.ok(events < 5);
    } finally {
      bedrock.destroy();
    }
  });

  test('slow-stream: events are spaced, so a client can abort after the first one', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(streamChat, {
      headers: { 'x-mock-fault': 'slow-stream', 'x-mock-delay-ms': '60000' },
      signal: controller.signal,
    });
    let got = 0;
    // The openai SDK ends the iteration quietly when its own signal aborts it.
    for await (const _ of stream) {
      got++;
      controller.abort();
    }
    assert.equal(got, 1);
  });

  test('malformed-json in a stream: the SDK fails to parse the broken event', async () => {
    await assert.rejects(async () => {
      for await (const _ of await client.chat.completions.create(streamChat, {
        headers: { 'x-mock-fault': 'malformed-json' },
      })) {
        // consume
      }
    });
  });

  test('Anthropic truncated-sse: the stream ends without message_stop', async () => {
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: mock.anthropicBaseURL, maxRetries: 0 });
    const types: string[] = [];
    try {
      const stream = await anthropic.messages.create(
        {
          model: 'claude-sonnet-4-5',
          max_tokens: 50,
          messages: [{ role: 'user', content: 'x' }],
          stream: true,
        },
        { headers: { 'x-mock-fault': 'truncated-sse' } },
      );
      for await (const ev of stream) types.push(ev.type);
    } catch {
      // a half event may be rejected by the SDK
    }
    assert.ok(!types.includes('message_stop'));
    assert.equal(types[0], 'message_start');
  });
});

describe('request faults', () => {
  test('hang: the request never answers; a client timeout ends it', async () => {
    const impatient = new OpenAI({ apiKey: 'k', baseURL: mock.openaiBaseURL, maxRetries: 0, timeout: 200 });
    await assert.rejects(
      impatient.chat.completions.create(chat, { headers: { 'x-mock-fault': 'hang' } }),
      (err: unknown) => err instanceof APIConnectionTimeoutError,
    );
  });

  test('hang: an AbortSignal ends it', async () => {
    const controller = new AbortController();
    const pending = client.chat.completions.create(chat, {
      headers: { 'x-mock-fault': 'hang' },
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, (err: unknown) => err instanceof APIUserAbortError);
  });

  test('close() ends the server while a request hangs', async () => {
    const other = await startMockProvider();
    const c = new OpenAI({ apiKey: 'k', baseURL: other.openaiBaseURL, maxRetries: 0 });
    const pending = c.chat.completions.create(chat, { headers: { 'x-mock-fault': 'hang' } });
    while (other.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await other.close();
    await assert.rejects(pending, (err: unknown) => err instanceof APIConnectionError);
  });

  test('reset: the connection drops before any header', async () => {
    await assert.rejects(
      client.chat.completions.create(chat, { headers: { 'x-mock-fault': 'reset' } }),
      (err: unknown) => err instanceof APIConnectionError,
    );
    await assert.rejects(
      fetch(`${mock.openaiBaseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'x-mock-fault': 'reset' },
        body: '{}',
      }),
    );
  });

  test('malformed-json: a 200 whose JSON body is broken', async () => {
    const res = await fetch(`${mock.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-fault': 'malformed-json' },
      body: JSON.stringify(chat),
    });
    assert.equal(res.status, 200);
    await assert.rejects(res.json(), SyntaxError);
    await assert.rejects(
      client.chat.completions.create(chat, { headers: { 'x-mock-fault': 'malformed-json' } }),
    );
  });

  test('no-usage: responses without usage, in every provider format', async () => {
    const res = await client.chat.completions.create(chat, { headers: { 'x-mock-fault': 'no-usage' } });
    assert.equal(res.usage, undefined);
    assert.equal(res.choices[0]?.message.content?.split(' ').length, 20);
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of await client.chat.completions.create(streamChat, {
      headers: { 'x-mock-fault': 'no-usage' },
    })) {
      chunks.push(c);
    }
    assert.ok(chunks.every((c) => c.usage === undefined && c.choices.length === 1));
    const gem = await fetch(`${mock.url}/v1beta/models/gemini-2.0-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-fault': 'no-usage' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }] }),
    });
    assert.equal(((await gem.json()) as { usageMetadata?: unknown }).usageMetadata, undefined);
    const br = await fetch(`${mock.url}/model/amazon.nova-lite-v1:0/converse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-fault': 'no-usage' },
      body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'x' }] }] }),
    });
    assert.equal(((await br.json()) as { usage?: unknown }).usage, undefined);
  });

  test('an unknown x-mock-fault is a 400 naming it, so a typo cannot pass silently', async () => {
    const res = await fetch(`${mock.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-fault': 'status-42' },
      body: JSON.stringify(chat),
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /status-42/);
  });

  test('x-mock-latency-ms delays the answer without changing it', async () => {
    const res = await client.chat.completions.create(chat, { headers: { 'x-mock-latency-ms': '20' } });
    assert.equal(res.usage?.completion_tokens, 20);
  });
});
