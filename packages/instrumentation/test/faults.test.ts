// Faults: the app sees exactly what it sees without tokenmeter (same error classes, statuses, error
// objects), the span records the error, and tokenmeter's own failures never reach the app.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, test } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_TOKENMETER_COMPONENT,
  ATTR_TOKENMETER_PRICING_MATCH,
  METRIC_TOKENMETER_INTERNAL_ERRORS,
  TOKENMETER_PRICING_MATCH_VALUE_INVALID_USAGE,
} from '@tokenmeter/semconv';
import fc from 'fast-check';
import type OpenAIType from 'openai';
import { ERROR_TYPE_INCOMPLETE_STREAM, ERROR_TYPE_MALFORMED_RESPONSE } from '../src/call.js';
import { loadTokenCounter } from '../src/estimate/index.js';
import { instrumentFetch } from '../src/fetch/instrument-fetch.js';
import { type Harness, points, requireSdk, startHarness, tokenmeterSpans, waitFor } from './helpers/otel.js';

let h: Harness;
let client: OpenAIType;
let Anthropic: typeof import('@anthropic-ai/sdk').Anthropic;

before(async () => {
  h = await startHarness();
  const { OpenAI } = requireSdk('openai') as typeof import('openai');
  ({ Anthropic } = requireSdk('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk'));
  client = new OpenAI({ baseURL: h.openaiBaseURL, apiKey: 'x', maxRetries: 0 });
});
after(() => h.close());
beforeEach(() => h.reset());

async function bare<T>(fn: () => Promise<T>): Promise<T> {
  h.instrumentation.disable();
  try {
    return await fn();
  } finally {
    h.instrumentation.enable();
  }
}

/** What the app sees of a failing call: the error's class, status and message, or its result. */
async function outcome(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (error) {
    const e = error as Error & { status?: number };
    return `${e.constructor.name} ${e.status ?? ''} ${e.message.replace(/req_[A-Za-z0-9]+/g, 'req')}`;
  }
}

const chat =
  (fault: string, stream = false) =>
  async () => {
    const res = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream },
      { headers: { 'x-mock-fault': fault } },
    );
    if (stream) {
      const out = [];
      for await (const c of res as AsyncIterable<unknown>) out.push(c);
      return out.length;
    }
    return res;
  };

function rawPost(body: object, init: RequestInit = {}): Promise<Response> {
  return fetch(`${h.openaiBaseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    body: JSON.stringify(body),
    ...(init.signal === undefined ? {} : { signal: init.signal }),
  });
}

describe('HTTP errors', () => {
  for (const status of [400, 401, 429, 500, 503]) {
    test(`${status}: the same SDK error class and status; span error.type ${status}, status ERROR`, async () => {
      const instrumented = await outcome(chat(`status-${status}`));
      await waitFor(() => h.records.length === 1);
      const plain = await bare(() => outcome(chat(`status-${status}`)));
      assert.equal(instrumented, plain);
      assert.match(instrumented, new RegExp(` ${status} `));
      const span = tokenmeterSpans(h.spans)[0]!;
      assert.equal(span.attributes[ATTR_ERROR_TYPE], String(status));
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(h.records[0]!.httpStatus, status);
      assert.equal(h.records[0]!.cost, null);
    });
  }

  test('anthropic 529 overloaded: the same error class', async () => {
    const c = new Anthropic({ baseURL: h.mock.anthropicBaseURL, apiKey: 'x', maxRetries: 0 });
    const call = () =>
      c.messages.create(
        { model: 'claude-3-5-haiku-20241022', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-mock-fault': 'status-529' } },
      );
    const instrumented = await outcome(call);
    const plain = await bare(() => outcome(call));
    assert.equal(instrumented, plain);
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.errorType, '529');
  });

  test('a streamed request answered with an error: the error body is left for the SDK', async () => {
    const instrumented = await outcome(chat('status-429', true));
    const plain = await bare(() => outcome(chat('status-429', true)));
    assert.equal(instrumented, plain);
    assert.match(instrumented, /RateLimitError 429/);
  });
});

/** A 200 whose body is `chunks`, one per read. */
function responseOf(chunks: Uint8Array[], headers: Record<string, string>): Response {
  const queue = [...chunks];
  return new Response(
    new ReadableStream({
      pull(c) {
        const next = queue.shift();
        if (next === undefined) c.close();
        else c.enqueue(next.slice());
      },
    }),
    { headers },
  );
}

/** A fetch that answers every request with a 200 whose body is `chunks`, one per read. */
function serverOf(chunks: Uint8Array[], contentType: string): typeof fetch {
  return (() => Promise.resolve(responseOf(chunks, { 'content-type': contentType }))) as typeof fetch;
}

/** A fetch that answers with one SSE chunk holding these events' data (`[DONE]` included as given). */
function sseServer(data: string[]): typeof fetch {
  const text = data.map((d) => `data: ${d}\n\n`).join('');
  return serverOf([new TextEncoder().encode(text)], 'text/event-stream');
}

/** A chat completion through `server`, instrumented. */
function chatVia(server: typeof fetch, body: object): Promise<Response> {
  return instrumentFetch(server, h.instrumentation.runtime)(`${h.openaiBaseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [], ...body }),
  });
}

describe('stream timing', () => {
  // One event per read: the usage-only chunk tokenmeter asked for (and removes) arrives alone, so a
  // read of the tapped body yields nothing from it and must go on to the next chunk.
  test('events arriving one per read, the removed usage chunk alone: the app reads to the end, the same bytes', {
    timeout: 20_000,
  }, async () => {
    const read = async () => {
      const res = await rawPost(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
        { headers: { 'x-mock-fault': 'slow-stream', 'x-mock-delay-ms': '5', 'x-mock-output-tokens': '4' } },
      );
      const text = await res.text();
      return text.replace(/"(id|created)":\s*("[^"]*"|\d+)/g, '"$1":0');
    };
    const instrumented = await read();
    await waitFor(() => h.records.length === 1);
    const plain = await bare(read);
    assert.equal(instrumented, plain);
    assert.match(instrumented, /data: \[DONE\]/);
    assert.equal(h.records[0]!.errorType, undefined);
    assert.equal(h.records[0]!.usageEstimated, false, 'usage from the removed chunk');
  });
  test('events arriving one per read, the removed usage chunk alone, read through body: reads pending together are answered in order; for await reads to the end', {
    timeout: 20_000,
  }, async () => {
    const request = () =>
      rawPost(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
        { headers: { 'x-mock-fault': 'slow-stream', 'x-mock-delay-ms': '5', 'x-mock-output-tokens': '4' } },
      );
    const masked = (text: string) => text.replace(/"(id|created)":\s*("[^"]*"|\d+)/g, '"$1":0');
    const pendingTogether = async () => {
      const reader = (await request()).body!.getReader();
      const decoder = new TextDecoder();
      let out = '';
      for (;;) {
        // As an app reads them: in order, up to the first `done`.
        for (const { done, value } of await Promise.all([reader.read(), reader.read(), reader.read()])) {
          if (done) return masked(out);
          out += decoder.decode(value, { stream: true });
        }
      }
    };
    const iterated = async () => {
      const decoder = new TextDecoder();
      let out = '';
      for await (const chunk of (await request()).body! as unknown as AsyncIterable<Uint8Array>)
        out += decoder.decode(chunk, { stream: true });
      return masked(out);
    };
    const plain = await bare(pendingTogether);
    assert.match(plain, /data: \[DONE\]/);
    assert.equal(await pendingTogether(), plain);
    assert.equal(await iterated(), plain);
    await waitFor(() => h.records.length === 2);
    for (const r of h.records) {
      assert.equal(r.errorType, undefined);
      assert.equal(r.usageEstimated, false, 'usage from the removed chunk');
    }
  });
  test('any chunking of a stream, empty chunks too: the app reads what the server sends without include_usage', {
    timeout: 30_000,
  }, async () => {
    const fixture = (name: string) =>
      new Uint8Array(readFileSync(new URL(`./fixtures/openai/${name}`, import.meta.url)));
    const sent = fixture('chat-stream-include-usage.sse');
    const expected = new TextDecoder().decode(
      fixture('chat-stream-include-usage.expected-without-usage.sse'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: sent.length }), { maxLength: 40 }), async (cuts) => {
        const points = [...cuts].sort((a, b) => a - b);
        const chunks = [0, ...points].map((from, i) => sent.slice(from, points[i] ?? sent.length));
        const res = await chatVia(serverOf(chunks, 'text/event-stream'), { stream: true });
        assert.equal(await res.text(), expected);
      }),
      { numRuns: 300 },
    );
  });
  for (const injected of [false, true]) {
    test(`n = 2, a chunk finishing one choice before an unfinished one: both finish reasons (${injected ? 'include_usage added' : 'asked by the caller'})`, async () => {
      const tail = injected ? ',"usage":null' : '';
      const head = '"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini"';
      const sse = [
        `{${head},"choices":[{"index":0,"delta":{"content":""},"finish_reason":null},{"index":1,"delta":{"content":""},"finish_reason":null}]${tail}}`,
        `{${head},"choices":[{"index":0,"delta":{},"finish_reason":"stop"},{"index":1,"delta":{"content":"more"},"finish_reason":null}]${tail}}`,
        `{${head},"choices":[{"index":1,"delta":{},"finish_reason":"length"}]${tail}}`,
        `{${head},"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}`,
        '[DONE]',
      ];
      const res = await chatVia(sseServer(sse), {
        n: 2,
        stream: true,
        ...(injected ? {} : { stream_options: { include_usage: true } }),
      });
      await res.text();
      await waitFor(() => h.records.length === 1);
      assert.deepEqual(h.records[0]!.finishReasons, ['stop', 'length']);
      assert.equal(h.records[0]!.usage?.outputTokens, 5);
    });
  }
  test('the chunk that ends a stream reaches the app before the call is priced and recorded', async () => {
    const sse = [
      '{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}',
      '{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}',
      '[DONE]',
    ];
    const res = await chatVia(sseServer(sse), {
      stream: true,
      stream_options: { include_usage: true },
    });
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    assert.match(new TextDecoder().decode(value), /\[DONE\]/);
    assert.equal(h.records.length, 0, 'not yet: the app got its bytes first');
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.usage?.outputTokens, 1);
    assert.equal(h.records[0]!.errorType, undefined);
  });
  test('a JSON body with an empty chunk, read through response.body: the app reads it whole', {
    timeout: 30_000,
  }, async () => {
    const json = JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
    });
    const bytes = new TextEncoder().encode(json);
    const chunks = [bytes.slice(0, 10), new Uint8Array(0), bytes.slice(10)];
    const res = await chatVia(serverOf(chunks, 'application/json'), {});
    assert.equal(await new Response(res.body).text(), json);
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.usage?.inputTokens, 5);
  });
  test('a long prompt whose stream brings no usage: the input is estimated from the whole prompt', async () => {
    const sse = [
      '{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}',
      '{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
      '[DONE]',
    ];
    const prompt = 'the quick brown fox jumps over the lazy dog '.repeat(500); // ~22 KB, ~4,500 tokens
    const res = await chatVia(sseServer(sse), {
      messages: [{ role: 'user', content: prompt }],
      stream: true,
      stream_options: { include_usage: false },
    });
    await res.text();
    await waitFor(() => h.records.length === 1, 15_000); // the tokenizer loads on the first estimate
    const r = h.records[0]!;
    assert.equal(r.usageEstimated, true);
    assert.ok(r.usage!.inputTokens > 4000, `${r.usage!.inputTokens} input tokens estimated`);
  });
});

describe('the usage-hiding rewrite at the edges: the app reads what the server sends without include_usage', () => {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  interface Shape {
    /** Where the server puts usage when include_usage is set. */
    usage?: 'chunk' | 'last-content-chunk' | 'chunk-without-choices' | 'spaced-empty-choices';
    /** Content of the one delta (its size makes an event large). */
    content?: string;
    headers?: Record<string, string>;
    /** Cut the body into chunks (default: one). */
    chunks?: (body: Uint8Array) => Uint8Array[];
  }
  const head = '"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini"';
  const usage = '{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}';
  /** The SSE body a server sends for this request: with include_usage its traces, without them none. */
  function render(shape: Shape, includeUsage: boolean): string {
    const nul = includeUsage ? ',"usage":null' : '';
    const content = shape.content ?? 'Hi';
    const lastUsage = includeUsage && shape.usage === 'last-content-chunk' ? `,"usage":${usage}` : nul;
    let text =
      `data: {${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]${nul}}\n\n` +
      `data: {${head},"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}]${nul}}\n\n` +
      `data: {${head},"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]${lastUsage}}\n\n`;
    if (includeUsage && (shape.usage ?? 'chunk') === 'chunk')
      text += `data: {${head},"choices":[],"usage":${usage}}\n\n`;
    if (includeUsage && shape.usage === 'chunk-without-choices')
      text += `data: {${head},"usage":${usage}}\n\n`;
    if (includeUsage && shape.usage === 'spaced-empty-choices')
      text += `data: {${head},"choices": [ ], "usage": ${usage}}\n\n`;
    return `${text}data: [DONE]\n\n`;
  }
  /** A server that answers as the shape says, with or without include_usage as the request asks. */
  function server(shape: Shape): typeof fetch {
    return ((_url: unknown, init?: RequestInit) => {
      const asked = JSON.parse(String(init?.body)).stream_options?.include_usage === true;
      const body = enc.encode(render(shape, asked));
      const chunks = shape.chunks ? shape.chunks(body) : [body];
      return Promise.resolve(responseOf(chunks, { 'content-type': 'text/event-stream', ...shape.headers }));
    }) as typeof fetch;
  }
  /** What the app reads through tokenmeter, and without it. */
  async function both(shape: Shape): Promise<{ instrumented: string; plain: string }> {
    const read = async () => dec.decode(await (await chatVia(server(shape), { stream: true })).arrayBuffer());
    const instrumented = await read();
    await waitFor(() => h.records.length === 1);
    const plain = await bare(read);
    return { instrumented, plain };
  }
  const sizes = (n: number) => (body: Uint8Array) => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < body.length; i += n) out.push(body.subarray(i, i + n));
    return out;
  };

  test('a usage member the server attaches to the last content chunk does not reach the app', async () => {
    const { instrumented, plain } = await both({ usage: 'last-content-chunk' });
    assert.equal(instrumented, plain);
    assert.equal(h.records[0]!.usage?.outputTokens, 2, 'usage read from the chunk the app did not get whole');
  });
  for (const odd of ['chunk-without-choices', 'spaced-empty-choices'] as const) {
    test(`an odd server's usage chunk (${odd}) does not reach the app`, async () => {
      const { instrumented, plain } = await both({ usage: odd });
      assert.equal(instrumented, plain);
      assert.equal(h.records[0]!.usage?.inputTokens, 3);
    });
  }
  test('an event over 8 MB, in 64 KB chunks: its ,"usage":null is removed all the same', {
    timeout: 60_000,
  }, async () => {
    const { instrumented, plain } = await both({ content: 'y'.repeat(9_000_000), chunks: sizes(65_536) });
    assert.equal(instrumented.length, plain.length);
    assert.ok(instrumented === plain);
    assert.equal(h.records[0]!.usage?.outputTokens, 2);
  });
  test('a content-length header: the app gets the body the server sent, as long as the header says', async () => {
    const sent = render({}, true);
    const length = String(enc.encode(sent).length);
    const res = await chatVia(server({ headers: { 'content-length': length } }), { stream: true });
    const text = await res.text();
    assert.equal(res.headers.get('content-length'), String(enc.encode(text).length));
    assert.equal(text, sent, 'tokenmeter steps aside: the server’s own bytes');
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.usage?.outputTokens, 2);
  });
  test('byte-by-byte delivery: the first read does not wait for the whole first event', async () => {
    let served = 0;
    let servedAtFirstRead = -1;
    const shape: Shape = { chunks: (body) => Array.from(body, (b) => new Uint8Array([b])) };
    const s = server(shape);
    const counting = (async (url: unknown, init?: RequestInit) => {
      const res = await s(url as string, init);
      const reader = res.body!.getReader();
      return new Response(
        new ReadableStream({
          async pull(c) {
            const { done, value } = await reader.read();
            if (done) c.close();
            else {
              served++;
              c.enqueue(value);
            }
          },
        }),
        { headers: res.headers },
      );
    }) as typeof fetch;
    const res = await chatVia(counting, { stream: true });
    const reader = res.body!.getReader();
    const first = await reader.read();
    servedAtFirstRead = served;
    let text = dec.decode(first.value, { stream: true });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
    assert.equal(text, render({}, false));
    const firstEvent = render({}, true).indexOf('\n\n') + 2;
    assert.ok(servedAtFirstRead < firstEvent, `first read after ${servedAtFirstRead} of ${firstEvent} bytes`);
  });
  for (const via of ['a reader', 'for await']) {
    test(`a connection reset mid-event, read with ${via}: the app gets the bytes that arrived, then the same error`, async () => {
      const failure = new TypeError('terminated');
      const read = async () => {
        const res = await chatVia(
          ((_url: unknown, init?: RequestInit) => {
            const asked = JSON.parse(String(init?.body)).stream_options?.include_usage === true;
            const text = render({}, asked);
            const second = text.indexOf('data: ', 10);
            const parts = [text.slice(0, second + 30)];
            return Promise.resolve(
              new Response(
                new ReadableStream({
                  pull(c) {
                    const next = parts.shift();
                    if (next === undefined) c.error(failure);
                    else c.enqueue(enc.encode(next));
                  },
                }),
                { headers: { 'content-type': 'text/event-stream' } },
              ),
            );
          }) as typeof fetch,
          { stream: true },
        );
        let text = '';
        if (via === 'for await') {
          try {
            for await (const value of res.body! as unknown as AsyncIterable<Uint8Array>)
              text += dec.decode(value);
            return { text, error: undefined };
          } catch (error) {
            return { text, error };
          }
        }
        const reader = res.body!.getReader();
        for (;;) {
          try {
            const { done, value } = await reader.read();
            if (done) return { text, error: undefined };
            text += dec.decode(value);
          } catch (error) {
            return { text, error };
          }
        }
      };
      const instrumented = await read();
      await waitFor(() => h.records.length === 1);
      const plain = await bare(read);
      assert.equal(instrumented.error, failure);
      assert.equal(plain.error, failure);
      assert.equal(instrumented.text, plain.text);
      assert.match(instrumented.text, /data: \{"id":"c1","object":"cha$/, 'the partial event too');
    });
  }
});

describe('streams that end without their terminal event', () => {
  /** A streamed call to `path` of the mock's host through a server that sends `text` in one chunk. */
  async function streamVia(path: string, text: string, body: object): Promise<void> {
    const server = serverOf([new TextEncoder().encode(text)], 'text/event-stream');
    const res = await instrumentFetch(server, h.instrumentation.runtime)(
      `${h.mock.anthropicBaseURL}${path}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
    );
    assert.equal(await res.text(), text);
    await waitFor(() => h.records.length === 1);
  }
  const chunk = (choices: string, usage = '') =>
    `data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[${choices}]${usage}}\n\n`;
  const usage = ',"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}';
  const finished = '{"index":0,"delta":{},"finish_reason":"stop"}';
  const chat = { model: 'gpt-4o-mini', messages: [], stream: true, stream_options: { include_usage: true } };

  test('OpenAI format: a finish reason and usage (in the usage chunk) without data: [DONE] is a completed call', async () => {
    await streamVia('/v1/chat/completions', chunk(finished) + chunk('', usage), chat);
    assert.equal(h.records[0]!.errorType, undefined);
    assert.equal(h.records[0]!.usage?.outputTokens, 2);
  });
  test('OpenAI format: usage on the finishing chunk itself, no [DONE]: completed', async () => {
    await streamVia('/v1/chat/completions', chunk(finished, usage), chat);
    assert.equal(h.records[0]!.errorType, undefined);
  });
  test('OpenAI format: a finish reason without usage, or usage before every choice finished, without [DONE]: incomplete', async () => {
    await streamVia('/v1/chat/completions', chunk(finished), chat);
    assert.equal(h.records[0]!.errorType, ERROR_TYPE_INCOMPLETE_STREAM);
    h.reset();
    await streamVia('/v1/chat/completions', chunk(finished, usage), { ...chat, n: 2 });
    assert.equal(h.records[0]!.errorType, ERROR_TYPE_INCOMPLETE_STREAM, 'choice 1 never finished');
  });
  test('Anthropic: message_delta with its stop reason and usage, then no message_stop: completed', async () => {
    const text =
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"claude-3-5-haiku-20241022","usage":{"input_tokens":5,"output_tokens":1}}}\n\n' +
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":4}}\n\n';
    await streamVia('/v1/messages', text, { model: 'claude-3-5-haiku-20241022', messages: [], stream: true });
    assert.equal(h.records[0]!.errorType, undefined);
    assert.equal(h.records[0]!.usage?.outputTokens, 4);
    h.reset();
    await streamVia('/v1/messages', text.slice(0, text.indexOf('event: message_delta')), {
      model: 'claude-3-5-haiku-20241022',
      messages: [],
      stream: true,
    });
    assert.equal(h.records[0]!.errorType, ERROR_TYPE_INCOMPLETE_STREAM, 'no stop reason: cut short');
  });
  test('Gemini: the chunk with a finish reason and usage is the terminal event; without it the stream is incomplete', async () => {
    const path = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';
    const first =
      'data: {"candidates":[{"content":{"parts":[{"text":"a"}]}}],"usageMetadata":{"promptTokenCount":3}}\n\n';
    await streamVia(
      path,
      `${first}data: {"candidates":[{"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2}}\n\n`,
      {},
    );
    assert.equal(h.records[0]!.errorType, undefined);
    h.reset();
    await streamVia(path, first, {});
    assert.equal(h.records[0]!.errorType, ERROR_TYPE_INCOMPLETE_STREAM);
  });
});

describe('hostile usage values', () => {
  /** A chat completion body whose usage is `usage` (raw JSON text: `1e400` must stay text). */
  const body = (usage: string) =>
    `{"id":"c1","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":${usage}}`;
  const cases: [string, string][] = [
    ['1e308 prompt tokens', '{"prompt_tokens":1e308,"completion_tokens":1,"total_tokens":2}'],
    [
      '1e400 prompt tokens (Infinity once parsed)',
      '{"prompt_tokens":1e400,"completion_tokens":1,"total_tokens":2}',
    ],
    ['fractional tokens', '{"prompt_tokens":10.5,"completion_tokens":1,"total_tokens":11.5}'],
    [
      'cached tokens above the input',
      '{"prompt_tokens":10,"completion_tokens":1,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":50}}',
    ],
  ];
  for (const [name, usage] of cases) {
    test(`${name}: never an exact price; unpriced invalid_usage, no token counts on the span or record`, async () => {
      const json = body(usage);
      const res = await chatVia(serverOf([new TextEncoder().encode(json)], 'application/json'), {});
      assert.equal(await res.text(), json, 'the app gets the body as sent');
      await waitFor(() => h.records.length === 1);
      const r = h.records[0]!;
      assert.equal(r.pricingMatch, TOKENMETER_PRICING_MATCH_VALUE_INVALID_USAGE);
      assert.equal(r.cost, null);
      assert.equal(r.usage, undefined);
      const span = tokenmeterSpans(h.spans)[0]!;
      assert.equal(
        span.attributes[ATTR_TOKENMETER_PRICING_MATCH],
        TOKENMETER_PRICING_MATCH_VALUE_INVALID_USAGE,
      );
      assert.equal(span.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS], undefined);
      assert.equal(span.attributes[ATTR_GEN_AI_USAGE_COST], undefined);
    });
  }
  test('a stream whose usage chunk has fractional tokens: invalid_usage, not estimated, not priced', async () => {
    const sse = [
      '{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}',
      '{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":2.5,"completion_tokens":1,"total_tokens":3.5}}',
      '[DONE]',
    ];
    const res = await chatVia(sseServer(sse), { stream: true, stream_options: { include_usage: true } });
    await res.text();
    await waitFor(() => h.records.length === 1);
    const r = h.records[0]!;
    assert.equal(r.pricingMatch, TOKENMETER_PRICING_MATCH_VALUE_INVALID_USAGE);
    assert.equal(r.usage, undefined);
    assert.equal(r.usageEstimated, false);
    assert.equal(r.errorType, undefined, 'the stream itself completed');
  });
});

describe('broken bodies', () => {
  test('malformed JSON: the SDK fails as without tokenmeter; the span ends unpriced (no_usage) with error.type', async () => {
    const instrumented = await outcome(chat('malformed-json'));
    await waitFor(() => h.records.length === 1);
    const plain = await bare(() => outcome(chat('malformed-json')));
    assert.equal(instrumented, plain);
    assert.equal(h.records[0]!.pricingMatch, 'no_usage');
    assert.equal(tokenmeterSpans(h.spans)[0]!.attributes[ATTR_TOKENMETER_PRICING_MATCH], 'no_usage');
    assert.equal(tokenmeterSpans(h.spans)[0]!.attributes[ATTR_ERROR_TYPE], ERROR_TYPE_MALFORMED_RESPONSE);
  });

  test('malformed event in a stream: same outcome for the app', async () => {
    const instrumented = await outcome(chat('malformed-json', true));
    const plain = await bare(() => outcome(chat('malformed-json', true)));
    assert.equal(instrumented, plain);
    await waitFor(() => h.records.length === 1);
  });

  test('truncated SSE (ends without [DONE]): same chunks for the app; the span ends at the end of the body, as incomplete', async () => {
    const instrumented = await outcome(chat('truncated-sse', true));
    await waitFor(() => h.records.length === 1);
    const plain = await bare(() => outcome(chat('truncated-sse', true)));
    assert.equal(instrumented, plain);
    assert.equal(h.records[0]!.errorType, ERROR_TYPE_INCOMPLETE_STREAM);
    assert.equal(tokenmeterSpans(h.spans)[0]!.attributes[ATTR_ERROR_TYPE], ERROR_TYPE_INCOMPLETE_STREAM);
    assert.equal(h.records[0]!.responseModel, 'gpt-4o-mini-2024-07-18', 'what was seen is kept');
  });

  test('cut stream (socket destroyed): the same error for the app; error.type on the span', async () => {
    const instrumented = await outcome(chat('cut-stream', true));
    await waitFor(() => h.records.length === 1);
    const plain = await bare(() => outcome(chat('cut-stream', true)));
    assert.equal(instrumented, plain);
    assert.notEqual(instrumented, 'ok');
    assert.ok(h.records[0]!.errorType !== undefined);
  });
});

describe('aborts and network errors', () => {
  test('stream-of-abort: an abort mid-stream rejects the reader with the very reason object', async () => {
    const controller = new AbortController();
    const reason = new Error('user went away');
    const res = await rawPost(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { signal: controller.signal, headers: { 'x-mock-fault': 'slow-stream', 'x-mock-delay-ms': '20' } },
    );
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort(reason);
    const caught = await reader.read().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal(caught, reason, 'identity preserved');
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.errorType, 'Error');
    assert.equal(tokenmeterSpans(h.spans)[0]!.status.code, SpanStatusCode.ERROR);
  });

  test('an abort before the response: fetch rejects with the same AbortError object', async () => {
    const controller = new AbortController();
    const pending = rawPost(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      { signal: controller.signal, headers: { 'x-mock-fault': 'hang' } },
    );
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const caught = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal(caught, controller.signal.reason);
    assert.equal((caught as Error).name, 'AbortError');
    await waitFor(() => h.records.length === 1);
    assert.equal(tokenmeterSpans(h.spans)[0]!.attributes[ATTR_ERROR_TYPE], 'AbortError');
  });

  test('the openai SDK aborting its own stream behaves as without tokenmeter', async () => {
    const run = async () => {
      const controller = new AbortController();
      const stream = await client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
        { signal: controller.signal, headers: { 'x-mock-fault': 'slow-stream', 'x-mock-delay-ms': '10' } },
      );
      let n = 0;
      try {
        for await (const _ of stream) if (++n === 2) controller.abort();
        return `ended quietly after ${n}`;
      } catch (error) {
        return `${(error as Error).constructor.name} after ${n}`;
      }
    };
    const instrumented = await run();
    const plain = await bare(run);
    assert.equal(instrumented, plain);
    await waitFor(() => h.records.length === 1);
  });

  test('connection reset: the same error class and message', async () => {
    const call = () =>
      rawPost({ model: 'gpt-4o-mini', messages: [] }, { headers: { 'x-mock-fault': 'reset' } });
    const instrumented = await outcome(call);
    const plain = await bare(() => outcome(call));
    assert.equal(instrumented, plain);
    assert.match(instrumented, /^TypeError/);
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.errorType, 'TypeError');
  });

  test('a fetch that rejects: the same error object reaches the caller', async () => {
    const failure = new TypeError('fetch failed');
    const wrapped = instrumentFetch(
      (() => Promise.reject(failure)) as typeof fetch,
      h.instrumentation.runtime,
    );
    const caught = await wrapped(`${h.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [] }),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal(caught, failure);
  });

  test('a fetch that throws synchronously: the same error object, thrown synchronously', () => {
    const failure = new TypeError('Invalid URL');
    const wrapped = instrumentFetch(
      (() => {
        throw failure;
      }) as typeof fetch,
      h.instrumentation.runtime,
    );
    assert.throws(
      () =>
        wrapped(`${h.openaiBaseURL}/chat/completions`, { method: 'POST', body: '{"model":"gpt-4o-mini"}' }),
      (e: unknown) => e === failure,
    );
  });

  test('the consumer cancels a stream: the span ends (no error) with what was seen', async () => {
    const res = await rawPost({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel('enough');
    await waitFor(() => h.records.length === 1);
    const r = h.records[0]!;
    assert.equal(r.errorType, undefined);
    assert.equal(r.responseModel, 'gpt-4o-mini-2024-07-18');
  });
  test('the consumer cancels a stream counted locally: the output read before the cancel is counted', {
    timeout: 20_000,
  }, async () => {
    const event = (delta: object) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
    const enc = new TextEncoder();
    // The content deltas' text (ASCII, then not) is held back as bytes until something ends the call.
    const first = enc.encode(
      event({ role: 'assistant', content: '' }) +
        event({ content: 'Hello' }) +
        event({ content: ' there' }) +
        event({ content: ' café' }) +
        event({ content: ' friend' }),
    );
    const rest = enc.encode(event({ content: ' never read' }));
    const res = await chatVia(serverOf([first, rest], 'text/event-stream'), {
      stream: true,
      stream_options: { include_usage: false },
    });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel('enough');
    await waitFor(() => h.records.length === 1, 15_000); // the tokenizer loads on the first estimate
    const r = h.records[0]!;
    assert.equal(r.errorType, undefined);
    assert.equal(r.usageEstimated, true);
    const count = (await loadTokenCounter('o200k_base'))!;
    assert.equal(r.usage?.outputTokens, count('Hello there café friend'));
  });
});

describe("tokenmeter's own failures", () => {
  test('an onCallRecord sink that throws: the app is unaffected, the failure is counted', async () => {
    h.instrumentation.setConfig({
      ...h.config,
      onCallRecord: () => {
        throw new Error('sink broke');
      },
    });
    try {
      const res = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(res.usage?.completion_tokens, 20);
      await waitFor(() => tokenmeterSpans(h.spans).length === 1);
      assert.equal(
        tokenmeterSpans(h.spans)[0]!.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS],
        res.usage?.prompt_tokens,
      );
      const counted = points(await h.collect(), METRIC_TOKENMETER_INTERNAL_ERRORS);
      assert.ok(
        counted.some(
          (p) => p.attributes[ATTR_TOKENMETER_COMPONENT] === 'on_call_record' && (p.value as number) >= 1,
        ),
      );
    } finally {
      h.instrumentation.setConfig(h.config);
    }
  });

  test('a body that is never read ends its span after the bounded time', async () => {
    h.instrumentation.setConfig({ ...h.config, unreadBodyTimeoutMs: 100 });
    try {
      const res = await rawPost({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 200);
      await waitFor(() => h.records.length === 1, 3000);
      assert.equal(h.records[0]!.pricingMatch, 'no_usage');
      assert.equal(h.instrumentation.runtime.pending.size, 0, 'no per-request state left');
    } finally {
      h.instrumentation.setConfig(h.config);
    }
  });
});
