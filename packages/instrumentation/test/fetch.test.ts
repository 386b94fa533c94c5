// The capture point itself: raw fetch to an LLM URL, fetches that are not LLM calls, a user's own
// fetch given to a client, idempotence, and disable() restoring the global fetch.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ATTR_GEN_AI_USAGE_COST } from '@tokenmeter/semconv';
import type { CallRecord } from '../src/call-record.js';
import { instrumentFetch, isInstrumented } from '../src/fetch/instrument-fetch.js';
import { TokenmeterRuntime } from '../src/runtime.js';
import { type Harness, requireSdk, startHarness, tokenmeterSpans, waitFor } from './helpers/otel.js';

let h: Harness;
let other: http.Server;
let otherURL: string;
const seen: { method: string | undefined; body: string; headers: http.IncomingHttpHeaders }[] = [];

before(async () => {
  h = await startHarness();
  other = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, body, headers: req.headers });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  otherURL = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
});
after(async () => {
  other.close();
  await h.close();
});
beforeEach(() => {
  h.reset();
  seen.length = 0;
});

describe('the global fetch', () => {
  test('is instrumented once, and restored by disable()', () => {
    assert.equal(isInstrumented(globalThis.fetch), true);
    const wrapped = globalThis.fetch;
    h.instrumentation.enable();
    assert.equal(globalThis.fetch, wrapped, 'enable() twice does not wrap twice');
    h.instrumentation.disable();
    assert.equal(isInstrumented(globalThis.fetch), false);
    h.instrumentation.enable();
    assert.equal(isInstrumented(globalThis.fetch), true);
  });

  test('a raw fetch to an LLM URL: one priced span', async () => {
    const res = await fetch(`${h.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const json = (await res.json()) as { usage: { completion_tokens: number } };
    await waitFor(() => h.records.length === 1);
    assert.equal(tokenmeterSpans(h.spans).length, 1);
    assert.equal(h.records[0]!.usage?.outputTokens, json.usage.completion_tokens);
    assert.ok((tokenmeterSpans(h.spans)[0]!.attributes[ATTR_GEN_AI_USAGE_COST] as number) > 0);
  });

  test('fetches that are not LLM calls pass through untouched: no span, same request', async () => {
    const body = JSON.stringify({ model: 'x', messages: [] });
    await (await fetch(`${otherURL}/v1/chat/completions`, { method: 'GET' })).text();
    await (await fetch(`${otherURL}/api/orders`, { method: 'POST', body, headers: { 'x-a': '1' } })).text();
    await (await fetch(new Request(`${otherURL}/forms/x/responses`, { method: 'POST', body: '{}' }))).text();
    assert.equal(seen.length, 3);
    assert.equal(seen[1]!.body, body);
    assert.equal(seen[1]!.headers['x-a'], '1');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(tokenmeterSpans(h.spans).length, 0);
    assert.equal(h.records.length, 0);
  });

  test('a request with a non-JSON body to an LLM path on an unknown host is not an LLM call', async () => {
    const form = new FormData();
    form.set('a', 'b');
    await (await fetch(`${otherURL}/v1/embeddings`, { method: 'POST', body: form })).text();
    assert.equal(seen.length, 1);
    assert.match(String(seen[0]!.headers['content-type']), /multipart\/form-data/);
  });
});

describe('recognition of a URL', () => {
  const completion = JSON.stringify({
    id: 'c1',
    object: 'chat.completion',
    model: 'my-model',
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  });
  const answer = (async () =>
    new Response(completion, { headers: { 'content-type': 'application/json' } })) as typeof fetch;
  const init = () => ({
    method: 'POST',
    body: JSON.stringify({ model: 'my-model', messages: [{ role: 'user', content: 'hi' }] }),
  });

  test('follows the configured providers and a URL object the app changes between calls', async () => {
    const records: CallRecord[] = [];
    const onCallRecord = (r: CallRecord) => records.push(r);
    const runtime = new TokenmeterRuntime({ onCallRecord });
    const f = instrumentFetch(answer, runtime);
    const href = 'http://127.0.0.1:9/v1/chat/completions';
    await (await f(href, init())).text();
    await waitFor(() => records.length === 1);
    assert.equal(records[0]!.provider, 'openai_compatible');
    runtime.setConfig({ onCallRecord, providers: [{ baseUrl: 'http://127.0.0.1:9/v1', provider: 'vllm' }] });
    await (await f(href, init())).text();
    await waitFor(() => records.length === 2);
    assert.equal(records[1]!.provider, 'vllm', 'the same URL string, recognised with the new providers');
    const url = new URL(href);
    await (await f(url, init())).text();
    await waitFor(() => records.length === 3);
    url.pathname = '/v1/chat/other';
    await (await f(url, init())).text();
    url.pathname = '/v1/embeddings';
    await (await f(url, init())).text();
    await waitFor(() => records.length === 4);
    assert.equal(records[3]!.operation, 'embeddings', 'the changed URL object is recognised as it is now');
  });
});

describe('a fetch of the user', () => {
  test('given to the openai client and calling the global fetch: one span, the user fetch called once', async () => {
    const { OpenAI } = requireSdk('openai') as typeof import('openai');
    let calls = 0;
    const userFetch = async (input: string | URL | Request, init?: RequestInit) => {
      calls++;
      return globalThis.fetch(input, init);
    };
    const client = new OpenAI({ baseURL: h.openaiBaseURL, apiKey: 'x', maxRetries: 0, fetch: userFetch });
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    for await (const _ of stream) {
      // drain
    }
    await waitFor(() => h.records.length === 2);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(calls, 2);
    assert.equal(tokenmeterSpans(h.spans).length, 2, 'one span per HTTP call');
    assert.equal(h.records[1]!.usage?.outputTokens, 20);
  });

  test('instrumentFetch is idempotent', () => {
    const f = (async () => new Response('')) as unknown as typeof fetch;
    const a = instrumentFetch(f, h.instrumentation.runtime);
    assert.equal(instrumentFetch(f, h.instrumentation.runtime), a, 'same wrapper for the same fetch');
    assert.equal(instrumentFetch(a, h.instrumentation.runtime), a, 'a wrapper is not wrapped again');
    assert.equal(h.instrumentation.instrumentFetch(globalThis.fetch), globalThis.fetch);
  });
});
