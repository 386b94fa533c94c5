import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI, { APIError, AzureOpenAI, RateLimitError } from 'openai';
import OpenAI6 from 'openai6';
import { type MockProvider, startMockProvider } from '../src/index.js';

let mock: MockProvider;
let client: OpenAI;

before(async () => {
  mock = await startMockProvider({ azureDeployments: { 'prod-chat': 'gpt-4.1-2025-04-14' } });
  client = new OpenAI({ apiKey: 'sk-test-secret', baseURL: mock.openaiBaseURL, maxRetries: 0 });
});
after(() => mock.close());
beforeEach(() => mock.reset());

/** Raw SSE `data:` payloads of a response body. */
async function sseData(res: Response): Promise<string[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice(6));
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body: JSON.stringify(body),
  });
}

describe('OpenAI chat completions through the real openai 7 SDK', () => {
  test('a completion returns text, usage with details, and the dated snapshot model', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.model, 'gpt-4o-mini-2024-07-18');
    const text = res.choices[0]?.message.content ?? '';
    assert.equal(text.split(' ').length, 20, 'the default reply is 20 words');
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    assert.ok(res.usage);
    // 'Say hello' = 9 chars → ceil(9/4) = 3 tokens + 4 per message.
    assert.equal(res.usage.prompt_tokens, 7);
    assert.equal(res.usage.completion_tokens, 20);
    assert.equal(res.usage.total_tokens, 27);
    assert.deepEqual(res.usage.prompt_tokens_details, { cached_tokens: 0, audio_tokens: 0 });
    assert.equal(res.usage.completion_tokens_details?.reasoning_tokens, 0);
    assert.equal(res.service_tier, 'default');
  });

  test('the same request gets the same reply; another prompt gets another', async () => {
    const ask = (content: string) =>
      client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] });
    const [a, b, c] = await Promise.all([ask('one'), ask('one'), ask('two')]);
    assert.equal(a.choices[0]?.message.content, b.choices[0]?.message.content);
    assert.notEqual(a.choices[0]?.message.content, c.choices[0]?.message.content);
  });

  test('max_tokens cuts the reply and reports finish_reason length', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Write a long story' }],
      max_tokens: 5,
    });
    assert.equal(res.choices[0]?.finish_reason, 'length');
    assert.equal(res.usage?.completion_tokens, 5);
    assert.equal(res.choices[0]?.message.content?.split(' ').length, 5);
  });

  test('reasoning models report reasoning tokens inside completion tokens', async () => {
    const res = await client.chat.completions.create({
      model: 'o4-mini',
      messages: [{ role: 'user', content: 'Think' }],
    });
    assert.equal(res.model, 'o4-mini-2025-04-16');
    const reasoning = res.usage?.completion_tokens_details?.reasoning_tokens ?? 0;
    assert.ok(reasoning > 0);
    assert.equal(res.usage?.completion_tokens, 20 + reasoning);
  });

  test('service_tier is echoed when requested', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      service_tier: 'flex',
    });
    assert.equal(res.service_tier, 'flex');
  });

  test('a stream with include_usage yields deltas then a usage chunk without choices', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage?.completion_tokens, 20);
    assert.equal(last.usage?.prompt_tokens, 4 + Math.ceil('Stream please'.length / 4));
    assert.equal(text.split(' ').length, 20);
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    for (const c of chunks.slice(0, -1)) assert.equal(c.usage, null);
  });

  test('include_usage at the wire: usage:null on every chunk, a final choices:[] chunk, then [DONE]', async () => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true };
    const withUsage = await sseData(
      await post('/v1/chat/completions', { ...body, stream_options: { include_usage: true } }),
    );
    assert.equal(withUsage.at(-1), '[DONE]');
    const chunks = withUsage.slice(0, -1).map((d) => JSON.parse(d));
    for (const c of chunks.slice(0, -1)) {
      assert.ok('usage' in c && c.usage === null, 'every chunk before the last carries "usage":null');
      assert.equal(c.choices.length, 1);
    }
    const final = chunks.at(-1);
    assert.deepEqual(final.choices, []);
    assert.equal(final.usage.total_tokens, final.usage.prompt_tokens + final.usage.completion_tokens);
    // Compact JSON, as the API writes it.
    assert.ok(withUsage[0]?.startsWith('{"id":"chatcmpl-'));
    assert.ok(!withUsage[0]?.includes(': '));

    for (const options of [undefined, { include_usage: false }]) {
      const without = await sseData(
        await post('/v1/chat/completions', options ? { ...body, stream_options: options } : body),
      );
      assert.equal(without.at(-1), '[DONE]');
      for (const d of without.slice(0, -1)) {
        const c = JSON.parse(d);
        assert.ok(!('usage' in c), 'no usage field at all without include_usage');
        assert.equal(c.choices.length, 1);
      }
    }
  });

  test('every chunk ends with obfuscation padding, as api.openai.com sends it, unless the request turns it off', async () => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'pad' }], stream: true };
    const padded = await sseData(
      await post('/v1/chat/completions', { ...body, stream_options: { include_usage: true } }),
    );
    const paddings = padded.slice(0, -1).map((d) => {
      assert.match(d, /,"obfuscation":"[A-Za-z0-9]+"\}$/, 'the last member, after "usage"');
      return JSON.parse(d).obfuscation as string;
    });
    assert.ok(new Set(paddings.map((p) => p.length)).size > 1, 'the padding varies in length');
    const again = await sseData(
      await post('/v1/chat/completions', { ...body, stream_options: { include_usage: true } }),
    );
    assert.deepEqual(
      again.slice(0, -1).map((d) => JSON.parse(d).obfuscation),
      paddings,
      'the same request, the same bytes',
    );
    const off = await sseData(
      await post('/v1/chat/completions', { ...body, stream_options: { include_obfuscation: false } }),
    );
    for (const d of off.slice(0, -1)) assert.ok(!d.includes('obfuscation'), d);
    const azure = await sseData(
      await post('/openai/deployments/prod-chat/chat/completions?api-version=2024-10-21', body, {
        'api-key': 'k',
      }),
    );
    assert.ok(azure.length > 2);
    for (const d of azure) assert.ok(!d.includes('obfuscation'), d);
  });

  test('n > 1 returns several choices and counts all of their tokens', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      n: 3,
    });
    assert.equal(res.choices.length, 3);
    assert.equal(res.usage?.completion_tokens, 60);
  });

  test('a forced tool call comes back as tool_calls with arguments for the schema', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
      ],
      tool_choice: 'required',
    });
    const call = res.choices[0]?.message.tool_calls?.[0];
    assert.equal(res.choices[0]?.finish_reason, 'tool_calls');
    assert.ok(call && call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'mock' });
  });

  test('prompt caching: a repeated prefix of 1024+ tokens is reported as cached', async () => {
    const system = 'policy '.repeat(700); // 4900 chars → 1225 + 4 tokens
    const ask = () =>
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: 'question' },
        ],
      });
    const first = await ask();
    const second = await ask();
    assert.equal(first.usage?.prompt_tokens_details?.cached_tokens, 0);
    assert.equal(second.usage?.prompt_tokens_details?.cached_tokens, 1229);
    assert.equal(second.usage?.prompt_tokens, first.usage?.prompt_tokens);
  });
});

describe('OpenAI errors through the SDK error classes', () => {
  test('x-mock-fault: status-429 raises RateLimitError with retry-after', async () => {
    await assert.rejects(
      client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-mock-fault': 'status-429' } },
      ),
      (err: unknown) => {
        assert.ok(err instanceof RateLimitError);
        assert.equal(err.status, 429);
        assert.equal(err.headers.get('retry-after'), '1');
        assert.equal(err.code, 'rate_limit_exceeded');
        return true;
      },
    );
  });

  test('magic model names raise the status they name', async () => {
    for (const status of [400, 401, 404, 500]) {
      await assert.rejects(
        client.chat.completions.create({
          model: `mock-error-${status}`,
          messages: [{ role: 'user', content: 'hi' }],
        }),
        (err: unknown) => err instanceof APIError && err.status === status,
      );
    }
  });

  test('missing model is a 400 invalid_request_error', async () => {
    const res = await post('/v1/chat/completions', { messages: [] });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { type: string; message: string } };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /model/);
  });

  test('an unknown route is a 404 Invalid URL', async () => {
    const res = await post('/v1/nope', {});
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { message: string } };
    assert.equal(body.error.message, 'Invalid URL (POST /v1/nope)');
  });

  test('the SDK retries 500s by default: one call, three requests (tests must pass maxRetries: 0)', async () => {
    const retrying = new OpenAI({ apiKey: 'k', baseURL: mock.openaiBaseURL, maxRetries: 2 });
    await assert.rejects(
      retrying.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-mock-fault': 'status-500', 'x-mock-retry-after': '0' } },
      ),
    );
    assert.equal(mock.requests.length, 3);
  });

  test('x-mock-fault-times: 1 fails only the first attempt, so a retry succeeds', async () => {
    const retrying = new OpenAI({ apiKey: 'k', baseURL: mock.openaiBaseURL, maxRetries: 1 });
    const res = await retrying.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-mock-fault': 'status-429', 'x-mock-fault-times': '1', 'x-mock-retry-after': '0' } },
    );
    assert.equal(res.choices.length, 1);
    assert.equal(mock.requests.length, 2);
  });
});

describe('legacy completions, embeddings, Responses API', () => {
  test('legacy completions default to 16 tokens and finish with length', async () => {
    const res = await client.completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'Once upon a time',
    });
    assert.equal(res.object, 'text_completion');
    assert.equal(res.choices[0]?.finish_reason, 'length');
    assert.equal(res.usage?.completion_tokens, 16);
    assert.equal(res.usage?.prompt_tokens, 4);
  });

  test('legacy completions stream with include_usage', async () => {
    const stream = await client.completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'abc',
      max_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.text ?? '';
      if (c.usage) usage = c.usage;
    }
    assert.equal(text.split(' ').length, 3);
    assert.deepEqual(usage, { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 });
  });

  test('embeddings: the SDK asks for base64 and decodes floats; usage counts the inputs', async () => {
    const res = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['hello world', 'abc'],
    });
    assert.equal(res.data.length, 2);
    assert.equal(res.data[0]?.embedding.length, 1536);
    const norm = Math.sqrt((res.data[0]?.embedding ?? []).reduce((s, v) => s + v * v, 0));
    assert.ok(Math.abs(norm - 1) < 1e-3);
    assert.deepEqual(res.usage, { prompt_tokens: 3 + 1, total_tokens: 4 });
    assert.equal(mock.requests[0]?.route, 'openai.embeddings');
    assert.equal(
      (mock.requests[0]?.body as { encoding_format?: string } | undefined)?.encoding_format,
      'base64',
    );
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-large',
      input: 'hello world',
      encoding_format: 'float',
      dimensions: 256,
    });
    assert.equal(floats.data[0]?.embedding.length, 256);
  });

  test('Responses API: JSON with usage details and a reasoning item for reasoning models', async () => {
    const res = await client.responses.create({
      model: 'gpt-5-mini',
      input: 'Explain',
      reasoning: { effort: 'low' },
    });
    assert.equal(res.model, 'gpt-5-mini-2025-08-07');
    assert.equal(res.status, 'completed');
    assert.equal(res.output_text.split(' ').length, 20);
    assert.equal(res.output[0]?.type, 'reasoning');
    assert.ok(res.usage);
    assert.ok(res.usage.output_tokens_details.reasoning_tokens > 0);
    assert.equal(res.usage.output_tokens, 20 + res.usage.output_tokens_details.reasoning_tokens);
    assert.equal(res.usage.input_tokens_details.cached_tokens, 0);
    assert.equal(res.usage.total_tokens, res.usage.input_tokens + res.usage.output_tokens);
  });

  test('Responses API stream: events in the real order, ending with response.completed and usage', async () => {
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hi there', stream: true });
    const types: string[] = [];
    let text = '';
    let usage: OpenAI.Responses.ResponseUsage | null | undefined;
    let seq = -1;
    for await (const ev of stream) {
      types.push(ev.type);
      assert.equal(ev.sequence_number, seq + 1);
      seq = ev.sequence_number;
      if (ev.type === 'response.output_text.delta') text += ev.delta;
      if (ev.type === 'response.completed') {
        usage = ev.response.usage;
        const item = ev.response.output[0];
        assert.ok(item?.type === 'message' && item.content[0]?.type === 'output_text');
        assert.equal(item.content[0].text, text);
      }
      if (ev.type === 'response.output_text.done') assert.equal(ev.text, text);
    }
    const distinct = types.filter((t, i) => t !== types[i - 1]);
    assert.deepEqual(distinct, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.equal(types.filter((t) => t === 'response.output_text.delta').length, 20);
    assert.equal(usage?.output_tokens, 20);
    assert.equal(usage?.input_tokens, 4 + Math.ceil('Hi there'.length / 4));
  });

  test('Responses API with max_output_tokens ends incomplete', async () => {
    const res = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hi', max_output_tokens: 16 });
    assert.equal(res.status, 'incomplete');
    assert.equal(res.incomplete_details?.reason, 'max_output_tokens');
    assert.equal(res.usage?.output_tokens, 16);
  });
});

describe('Azure OpenAI through the real AzureOpenAI client', () => {
  test('deployment paths with api-version; the response model is the mapped underlying model', async () => {
    const azure = new AzureOpenAI({
      endpoint: mock.azureEndpoint,
      apiKey: 'azure-secret',
      apiVersion: '2024-10-21',
      deployment: 'prod-chat',
      maxRetries: 0,
    });
    const res = await azure.chat.completions.create({
      model: '',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(res.model, 'gpt-4.1-2025-04-14');
    assert.equal(res.usage?.completion_tokens, 20);
    const req = mock.requests.at(-1)!;
    assert.equal(req.path, '/openai/deployments/prod-chat/chat/completions');
    assert.equal(req.query['api-version'], '2024-10-21');
    assert.equal(req.headers['api-key'], '[REDACTED]', 'the Azure key is not recorded');
  });

  test('an unmapped deployment reports gpt-4o-2024-08-06; streams start with an empty-choices filter chunk', async () => {
    const azure = new AzureOpenAI({
      endpoint: mock.azureEndpoint,
      apiKey: 'k',
      apiVersion: '2024-10-21',
      deployment: 'my-deployment',
      maxRetries: 0,
    });
    const stream = await azure.chat.completions.create({
      model: '',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    assert.deepEqual(chunks[0]?.choices, []);
    assert.equal(chunks[1]?.model, 'gpt-4o-2024-08-06');
    assert.equal(chunks.at(-1)?.usage?.completion_tokens, 20);
  });

  test('the v1 form /openai/v1/chat/completions', async () => {
    const v1 = new OpenAI({
      baseURL: `${mock.azureEndpoint}/openai/v1`,
      apiKey: 'k',
      defaultHeaders: { 'api-key': 'k' },
      maxRetries: 0,
    });
    const res = await v1.chat.completions.create({
      model: 'prod-chat',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(res.model, 'gpt-4.1-2025-04-14');
    assert.equal(mock.requests.at(-1)?.route, 'azure.chat.completions');
  });

  test('Azure errors use the Azure shape', async () => {
    const azure = new AzureOpenAI({
      endpoint: mock.azureEndpoint,
      apiKey: 'k',
      apiVersion: '2024-10-21',
      deployment: 'd',
      maxRetries: 0,
    });
    await assert.rejects(
      azure.chat.completions.create(
        { model: '', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-mock-fault': 'status-429' } },
      ),
      (err: unknown) => err instanceof RateLimitError && err.code === '429',
    );
  });
});

describe('openai 6 and OpenAI-compatible paths', () => {
  test('openai 6 streams chat with usage', async () => {
    const c6 = new OpenAI6({ apiKey: 'k', baseURL: mock.openaiBaseURL, maxRetries: 0 });
    const stream = await c6.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: { completion_tokens: number } | null | undefined;
    for await (const c of stream) if (c.usage) usage = c.usage;
    assert.equal(usage?.completion_tokens, 20);
  });

  for (const base of ['/openai/v1', '/api/v1', '', '/inference/v1']) {
    test(`OpenAI-compatible base path '${base || '/'}' serves chat with the requested model echoed`, async () => {
      const compat = new OpenAI({ apiKey: 'k', baseURL: `${mock.url}${base}`, maxRetries: 0 });
      const res = await compat.chat.completions.create({
        model: 'llama-3.3-70b-versatile',
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(res.model, 'llama-3.3-70b-versatile');
      assert.equal(res.usage?.completion_tokens, 20);
      assert.equal(mock.requests.at(-1)?.route, 'openai.chat.completions');
    });
  }
});

describe('recorded requests', () => {
  test('records method, path, parsed body and redacted auth headers; reset clears them', async () => {
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const r = mock.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/v1/chat/completions');
    assert.equal(r.route, 'openai.chat.completions');
    assert.equal((r.body as { model: string }).model, 'gpt-4o-mini');
    assert.equal(r.headers.authorization, '[REDACTED]');
    assert.ok(!JSON.stringify(mock.requests).includes('sk-test-secret'));
    mock.reset();
    assert.equal(mock.requests.length, 0);
  });

  test('the record is bounded', async () => {
    const small = await startMockProvider({ maxRecordedRequests: 3 });
    try {
      const c = new OpenAI({ apiKey: 'k', baseURL: small.openaiBaseURL, maxRetries: 0 });
      for (let i = 0; i < 5; i++) {
        await c.chat.completions.create({ model: `m${i}`, messages: [{ role: 'user', content: 'hi' }] });
      }
      assert.deepEqual(
        small.requests.map((r) => (r.body as { model: string }).model),
        ['m2', 'm3', 'm4'],
      );
    } finally {
      await small.close();
    }
  });
});
