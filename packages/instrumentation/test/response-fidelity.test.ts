// What the app receives is what it would receive without tokenmeter: every observable property of
// the Response and its body bytes, for JSON and streamed bodies, direct and redirected, read every
// way a caller can (text, json, body reader, BYOB reader, async iterator, pipes, tee, clone).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type Harness, startHarness, waitFor } from './helpers/otel.js';

let h: Harness;
let redirector: http.Server;
let redirectURL: string;

before(async () => {
  h = await startHarness();
  // 307 keeps the method and body: a POST that ends at the mock with `redirected: true`.
  redirector = http.createServer((req, res) => {
    res.writeHead(307, { location: `${h.openaiBaseURL}${req.url}` });
    res.end();
  });
  await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
  redirectURL = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
});
after(async () => {
  redirector.close();
  await h.close();
});
beforeEach(() => h.reset());

const chatBody = (stream: boolean) =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello' }],
    ...(stream ? { stream } : {}),
  });

function post(url: string, body: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
    body,
  });
}

/** The body without per-request ids and times. */
function normalise(text: string): string {
  return text.replace(/"(id|created|created_at)":\s*("[^"]*"|\d+)/g, '"$1":0');
}

interface Observed {
  status: number;
  statusText: string;
  ok: boolean;
  url: string;
  redirected: boolean;
  type: string;
  headers: [string, string][];
  keys: string[];
  isResponse: boolean;
  /** What `body` is: its class, whether the same object each time, its own keys. */
  bodyShape: string;
  bodyUsedBefore: boolean;
  bodyUsedAfter: boolean;
  body: string;
}

async function observe(res: Response, read: (r: Response) => Promise<string>): Promise<Observed> {
  // Values that differ between any two requests (time, request id) are masked, the names kept.
  const varying = new Set(['date', 'x-request-id', 'openai-processing-ms']);
  const headers = [...res.headers.entries()].map(([k, v]): [string, string] => [k, varying.has(k) ? '*' : v]);
  const bodyUsedBefore = res.bodyUsed;
  const body = await read(res);
  const stream = res.body;
  const bodyShape = `${stream instanceof ReadableStream} ${stream === res.body} ${Object.keys(stream ?? {})}`;
  return {
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    url: res.url,
    redirected: res.redirected,
    type: res.type,
    headers,
    keys: Object.keys(res),
    isResponse: res instanceof Response,
    bodyShape,
    bodyUsedBefore,
    bodyUsedAfter: res.bodyUsed,
    body: normalise(body),
  };
}

async function bare<T>(fn: () => Promise<T>): Promise<T> {
  h.instrumentation.disable();
  try {
    return await fn();
  } finally {
    h.instrumentation.enable();
  }
}

const readers: Record<string, (r: Response) => Promise<string>> = {
  text: (r) => r.text(),
  json: async (r) => JSON.stringify(await r.json()),
  arrayBuffer: async (r) => new TextDecoder().decode(await r.arrayBuffer()),
  blob: async (r) => (await r.blob()).text(),
  'body reader': async (r) => {
    const reader = r.body!.getReader();
    const decoder = new TextDecoder();
    let out = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return out + decoder.decode();
      out += decoder.decode(value, { stream: true });
    }
  },
  'BYOB reader': async (r) => {
    const reader = r.body!.getReader({ mode: 'byob' });
    const decoder = new TextDecoder();
    let out = '';
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(512));
      if (done) return out + decoder.decode();
      out += decoder.decode(value, { stream: true });
    }
  },
  'body async iterator': async (r) => {
    const decoder = new TextDecoder();
    let out = '';
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>)
      out += decoder.decode(chunk, { stream: true });
    return out + decoder.decode();
  },
  'body reads issued all at once': async (r) => {
    // Many reads pending together: each is answered in order, whatever a read had to skip.
    const reader = r.body!.getReader();
    const decoder = new TextDecoder();
    let out = '';
    for (;;) {
      // In order, up to the first `done`, as an app reads them.
      for (const { done, value } of await Promise.all(Array.from({ length: 8 }, () => reader.read()))) {
        if (done) return out + decoder.decode();
        out += decoder.decode(value, { stream: true });
      }
    }
  },
  'body pipeThrough': async (r) => {
    let out = '';
    for await (const text of r.body!.pipeThrough(new TextDecoderStream()) as unknown as AsyncIterable<string>)
      out += text;
    return out;
  },
  'body pipeTo': async (r) => {
    const decoder = new TextDecoder();
    let out = '';
    await r.body!.pipeTo(
      new WritableStream<Uint8Array>({
        write(chunk) {
          out += decoder.decode(chunk, { stream: true });
        },
      }),
    );
    return out + decoder.decode();
  },
  'body tee, then both branches': async (r) => {
    const [a, b] = r.body!.tee();
    const [x, y] = await Promise.all([new Response(a).text(), new Response(b).text()]);
    assert.equal(x, y);
    return x;
  },
  'clone, then both': async (r) => {
    const copy = r.clone();
    assert.equal(copy.url, r.url);
    assert.equal(copy.redirected, r.redirected);
    assert.equal(copy.type, r.type);
    const [a, b] = await Promise.all([r.text(), copy.text()]);
    assert.equal(a, b);
    return a;
  },
};

for (const stream of [false, true]) {
  for (const via of ['direct', 'redirected']) {
    describe(`${stream ? 'streamed' : 'JSON'} response, ${via}`, () => {
      for (const [name, read] of Object.entries(readers)) {
        if (stream && name === 'json') continue; // an event stream is not JSON
        test(`read with ${name}: every property and the body match the bare call`, async () => {
          const url = `${via === 'direct' ? h.openaiBaseURL : redirectURL}/chat/completions`;
          const instrumented = await observe(await post(url, chatBody(stream)), read);
          await waitFor(() => h.records.length === 1);
          const plain = await bare(async () => observe(await post(url, chatBody(stream)), read));
          assert.deepEqual(instrumented, plain);
          assert.equal(instrumented.redirected, via === 'redirected');
          const r = h.records[0]!;
          assert.equal(r.stream, stream);
          if (stream && via === 'redirected') {
            // The redirector's host is an unknown OpenAI-compatible server: tokenmeter does not add
            // include_usage there, so the usage is counted locally from the text that passed.
            assert.equal(r.usageEstimated, true);
            assert.ok(r.usage !== undefined && r.usage.outputTokens > 0 && r.usage.inputTokens > 0);
          } else {
            assert.equal(r.usage?.outputTokens, 20, 'the usage was read on the way');
            assert.equal(r.usageEstimated, false);
          }
        });
      }
    });
  }
}

describe('streamed body bytes', () => {
  test('the caller gets byte-for-byte what the server sent without tokenmeter (include_usage added and removed)', async () => {
    const url = `${h.openaiBaseURL}/chat/completions`;
    const bytes = async () => new Uint8Array(await (await post(url, chatBody(true))).arrayBuffer());
    const a = await bytes();
    const b = await bare(bytes);
    assert.equal(normalise(Buffer.from(a).toString('utf8')), normalise(Buffer.from(b).toString('utf8')));
    const sent = h.mock.requests.map((r) => JSON.stringify(r.body));
    assert.match(sent[0]!, /include_usage/);
    assert.doesNotMatch(sent[1]!, /include_usage/);
  });

  test('the headers object is the one fetch returned (immutable, as without tokenmeter)', async () => {
    const res = await post(`${h.openaiBaseURL}/chat/completions`, chatBody(true));
    assert.throws(() => res.headers.set('x-test', '1'), TypeError);
    await res.text();
  });
});
