// Recorded responses replayed as recorded (replayNext), for tests on real gateway payloads.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import OpenAI from 'openai';
import { type MockProvider, startMockProvider } from '../src/index.js';

let mock: MockProvider;
let client: OpenAI;

before(async () => {
  mock = await startMockProvider();
  client = new OpenAI({ apiKey: 'sk-test', baseURL: mock.openaiBaseURL, maxRetries: 0 });
});
after(() => mock.close());
beforeEach(() => mock.reset());

// Leading whitespace as OpenRouter sends it while the model works, then the JSON.
const recordedBody =
  '\n         \n{"id":"gen-1","object":"chat.completion","created":1,"model":"openai/gpt-oss-120b","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Paris"}}],"usage":{"prompt_tokens":74,"completion_tokens":21,"total_tokens":95,"cost":5.37e-06}}';

describe('replayNext', () => {
  test('the next request gets the recorded status, headers and body bytes, and is still recorded', async () => {
    mock.replayNext({
      headers: {
        'Content-Type': 'application/json',
        'X-Generation-Id': 'gen-1',
        'Content-Length': '9999',
        'Transfer-Encoding': 'chunked',
        'Content-Encoding': 'gzip',
      },
      body: recordedBody,
    });
    const res = await fetch(`${mock.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-oss-120b', messages: [] }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-generation-id'), 'gen-1');
    assert.equal(res.headers.get('content-encoding'), null, 'the body is served uncompressed');
    assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(recordedBody)));
    assert.equal(await res.text(), recordedBody);
    assert.equal(mock.requests.length, 1);
    assert.equal(mock.requests[0]!.path, '/v1/chat/completions');
  });

  test('queued recordings answer in order, then the mock answers as itself; the real SDK reads them', async () => {
    mock.replayNext({ headers: { 'content-type': 'application/json' }, body: recordedBody });
    mock.replayNext({
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '0' },
      body: new TextEncoder().encode('{"error":{"message":"Rate limit exceeded","code":429}}'),
    });
    const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };
    const first = await client.chat.completions.create(ask);
    assert.equal(first.usage?.prompt_tokens, 74);
    await assert.rejects(client.chat.completions.create(ask), { status: 429 });
    const own = await client.chat.completions.create(ask);
    assert.match(own.model, /^gpt-4o-mini/);
  });

  test('reset() drops queued recordings', async () => {
    mock.replayNext({ headers: {}, body: gzipSync('never served') });
    mock.reset();
    const own = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.match(own.model, /^gpt-4o-mini/);
  });
});
