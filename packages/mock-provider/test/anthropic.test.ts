import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic, { APIError, InternalServerError, RateLimitError } from '@anthropic-ai/sdk';
import { type MockProvider, startMockProvider } from '../src/index.js';

let mock: MockProvider;
let client: Anthropic;

before(async () => {
  mock = await startMockProvider();
  client = new Anthropic({ apiKey: 'sk-ant-secret', baseURL: mock.anthropicBaseURL, maxRetries: 0 });
});
after(() => mock.close());
beforeEach(() => mock.reset());

const user = (text: string) => [{ role: 'user' as const, content: text }];

describe('Anthropic messages through the real @anthropic-ai/sdk', () => {
  test('a message returns text, stop reason and usage with cache fields', async () => {
    const msg = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      messages: user('Hello Claude'),
    });
    assert.equal(msg.model, 'claude-sonnet-4-5-20250929');
    assert.equal(msg.stop_reason, 'end_turn');
    const block = msg.content[0];
    assert.ok(block?.type === 'text');
    assert.equal(block.text.split(' ').length, 20);
    // 'Hello Claude' = 12 chars → 3 tokens + 4.
    assert.equal(msg.usage.input_tokens, 7);
    assert.equal(msg.usage.output_tokens, 20);
    assert.equal(msg.usage.cache_creation_input_tokens, 0);
    assert.equal(msg.usage.cache_read_input_tokens, 0);
    assert.deepEqual(msg.usage.cache_creation, {
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: 0,
    });
    // SDK 1.12 sends the key as `authorization: Bearer`, not x-api-key; either way it is redacted.
    assert.equal(mock.requests[0]?.headers.authorization, '[REDACTED]');
    assert.ok(!JSON.stringify(mock.requests).includes('sk-ant-secret'));
  });

  test('max_tokens below the reply length stops with max_tokens', async () => {
    const msg = await client.messages.create({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 4,
      messages: user('hi'),
    });
    assert.equal(msg.stop_reason, 'max_tokens');
    assert.equal(msg.usage.output_tokens, 4);
  });

  test('a stream sends the events in order; the final message carries cumulative usage', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: user('Stream it'),
    });
    const types: string[] = [];
    let text = '';
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
      if (ev.type === 'message_start') assert.equal(ev.message.usage.output_tokens, 1);
    }
    const final = await stream.finalMessage();
    const distinct = types.filter((t, i) => t !== types[i - 1]);
    assert.deepEqual(distinct, [
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    assert.equal(text.split(' ').length, 20);
    assert.equal(final.usage.output_tokens, 20);
    assert.equal(final.usage.input_tokens, 4 + Math.ceil('Stream it'.length / 4));
  });

  test('raw SSE: event/data lines with a ping after the first content block', async () => {
    const res = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: user('x'), stream: true }),
    });
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    assert.ok(events[0]?.startsWith('event: message_start\ndata: {"type":"message_start"'));
    assert.equal(events[2], 'event: ping\ndata: {"type":"ping"}');
    assert.equal(events.at(-1), 'event: message_stop\ndata: {"type":"message_stop"}');
  });

  test('extended thinking streams thinking_delta and counts thinking inside output tokens', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: user('Think first'),
    });
    let thinking = '';
    for await (const ev of stream) {
      if (ev.type === 'content_block_delta' && ev.delta.type === 'thinking_delta')
        thinking += ev.delta.thinking;
    }
    const final = await stream.finalMessage();
    assert.ok(thinking.length > 0);
    assert.equal(final.content[0]?.type, 'thinking');
    assert.equal(final.content[1]?.type, 'text');
    assert.equal(final.usage.output_tokens, 20 + thinking.split(' ').length);
  });

  test('prompt caching: the first request writes the cached prefix, the next reads it; input excludes both', async () => {
    const system = [
      { type: 'text' as const, text: 'rules '.repeat(400), cache_control: { type: 'ephemeral' as const } },
    ];
    const ask = () =>
      client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 50, system, messages: user('q') });
    const first = await ask();
    const second = await ask();
    const prefix = 4 + Math.ceil(2400 / 4);
    assert.equal(first.usage.cache_creation_input_tokens, prefix);
    assert.equal(first.usage.cache_read_input_tokens, 0);
    assert.equal(first.usage.cache_creation?.ephemeral_5m_input_tokens, prefix);
    assert.equal(second.usage.cache_creation_input_tokens, 0);
    assert.equal(second.usage.cache_read_input_tokens, prefix);
    assert.equal(first.usage.input_tokens, 4 + 1, 'only the uncached user message');
    assert.equal(second.usage.input_tokens, first.usage.input_tokens);
  });

  test('a 1h cache_control is reported under ephemeral_1h_input_tokens; x-mock-cache forces read/none', async () => {
    const system = [
      {
        type: 'text' as const,
        text: 'abcd'.repeat(100),
        cache_control: { type: 'ephemeral' as const, ttl: '1h' as const },
      },
    ];
    const first = await client.messages.create({
      model: 'claude-opus-4-1',
      max_tokens: 10,
      system,
      messages: user('q'),
    });
    assert.equal(first.usage.cache_creation?.ephemeral_1h_input_tokens, 104);
    const forced = await client.messages.create(
      { model: 'claude-opus-4-1', max_tokens: 10, messages: user('no cache_control here') },
      { headers: { 'x-mock-cache': 'read' } },
    );
    assert.equal(forced.usage.cache_read_input_tokens, 4 + Math.ceil('no cache_control here'.length / 4));
    assert.equal(forced.usage.input_tokens, 0);
    const none = await client.messages.create(
      { model: 'claude-opus-4-1', max_tokens: 10, system, messages: user('q') },
      { headers: { 'x-mock-cache': 'none' } },
    );
    assert.equal(none.usage.cache_read_input_tokens, 0);
    assert.equal(none.usage.cache_creation_input_tokens, 0);
  });

  test('a forced tool use returns a tool_use block', async () => {
    const msg = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: user('weather?'),
      tools: [
        { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      ],
      tool_choice: { type: 'any' },
    });
    assert.equal(msg.stop_reason, 'tool_use');
    const block = msg.content[0];
    assert.ok(block?.type === 'tool_use');
    assert.deepEqual(block.input, { city: 'mock' });
  });

  test('count_tokens matches the input of a message', async () => {
    const count = await client.messages.countTokens({
      model: 'claude-sonnet-4-5',
      messages: user('Hello Claude'),
    });
    assert.equal(count.input_tokens, 7);
  });
});

describe('Anthropic errors', () => {
  test('429 is a RateLimitError with retry-after and the Anthropic error body', async () => {
    await assert.rejects(
      client.messages.create(
        { model: 'claude-sonnet-4-5', max_tokens: 10, messages: user('hi') },
        { headers: { 'x-mock-fault': 'status-429' } },
      ),
      (err: unknown) => {
        assert.ok(err instanceof RateLimitError);
        assert.equal(err.headers?.get('retry-after'), '1');
        assert.equal((err.error as { error: { type: string } }).error.type, 'rate_limit_error');
        return true;
      },
    );
  });

  test('529 overloaded via the magic model name', async () => {
    await assert.rejects(
      client.messages.create({ model: 'mock-error-529', max_tokens: 10, messages: user('hi') }),
      (err: unknown) => {
        assert.ok(err instanceof InternalServerError);
        assert.equal(err.status, 529);
        assert.equal((err.error as { error: { type: string } }).error.type, 'overloaded_error');
        return true;
      },
    );
  });

  test('a missing max_tokens is a 400 invalid_request_error', async () => {
    const res = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', messages: user('hi') }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /max_tokens/);
  });

  test('401 is an AuthenticationError-class APIError with status 401', async () => {
    await assert.rejects(
      client.messages.create(
        { model: 'claude-sonnet-4-5', max_tokens: 10, messages: user('hi') },
        { headers: { 'x-mock-fault': 'status-401' } },
      ),
      (err: unknown) => err instanceof APIError && err.status === 401,
    );
  });
});
