import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { decodeEventStream, type MockProvider, startMockProvider } from '../src/index.js';

let mock: MockProvider;

before(async () => {
  mock = await startMockProvider();
});
after(() => mock.close());

describe('load', () => {
  test('50 parallel calls across providers all succeed with their own usage', async () => {
    const openai = new OpenAI({ apiKey: 'k', baseURL: mock.openaiBaseURL, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: mock.anthropicBaseURL, maxRetries: 0 });
    const gemini = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: mock.geminiBaseURL } });
    const calls: Promise<number | undefined>[] = [];
    for (let i = 0; i < 50; i++) {
      const prompt = 'x'.repeat(i * 4 + 4); // i + 1 tokens of text, + 4 per message
      if (i % 3 === 0) {
        calls.push(
          openai.chat.completions
            .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] })
            .then((r) => r.usage?.prompt_tokens),
        );
      } else if (i % 3 === 1) {
        calls.push(
          (async () => {
            const s = anthropic.messages.stream({
              model: 'claude-sonnet-4-5',
              max_tokens: 100,
              messages: [{ role: 'user', content: prompt }],
            });
            return (await s.finalMessage()).usage.input_tokens;
          })(),
        );
      } else {
        calls.push(
          gemini.models
            .generateContent({ model: 'gemini-2.0-flash', contents: prompt })
            .then((r) => r.usageMetadata?.promptTokenCount),
        );
      }
    }
    const results = await Promise.all(calls);
    for (const [i, tokens] of results.entries()) assert.equal(tokens, i + 5, `call ${i}`);
  });

  test('a 100 MB stream (x-mock-stream-bytes) keeps the heap flat and ends with usage', async () => {
    const target = 100 * 1024 * 1024;
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const res = await fetch(`${mock.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-stream-bytes': String(target) },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'big' }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    assert.ok(res.body);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let bytes = 0;
    let tail = '';
    let reads = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      tail = (tail + decoder.decode(value, { stream: true })).slice(-4096);
      if (++reads % 200 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    assert.ok(bytes >= target, `streamed ${bytes} bytes`);
    assert.ok(bytes < target + 4096, 'stops right after the requested size');
    const events = tail.split('\n\n').filter((e) => e.startsWith('data: '));
    assert.equal(events.at(-1), 'data: [DONE]');
    const usage = JSON.parse(events.at(-2)!.slice(6)).usage;
    // Every content chunk is one token; ~170 bytes per chunk → ~600k tokens.
    assert.ok(usage.completion_tokens > target / 400, `completion_tokens ${usage.completion_tokens}`);
    const growth = peak - baseline;
    assert.ok(
      growth < 48 * 1024 * 1024,
      `heap grew by ${(growth / 1048576).toFixed(1)} MB while streaming 100 MB`,
    );
  });
});

describe('x-mock-stream-bytes in every streaming format', () => {
  const size = 20_000;
  async function body(path: string, payload: unknown): Promise<string> {
    const res = await fetch(`${mock.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-stream-bytes': String(size) },
      body: JSON.stringify(payload),
    });
    return res.text();
  }

  test('Anthropic: many text deltas, message_delta counts them', async () => {
    const text = await body('/v1/messages', {
      model: 'claude-sonnet-4-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    assert.ok(text.length >= size);
    const deltas = text.split('"type":"text_delta"').length - 1;
    const usage = /"type":"message_delta".*"output_tokens":(\d+)/.exec(text);
    assert.equal(Number(usage?.[1]), deltas);
    assert.ok(deltas > 100, 'max_tokens does not cap a sized stream');
  });

  test('Gemini: the last chunk counts every word', async () => {
    const text = await body('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse', {
      contents: [{ parts: [{ text: 'x' }] }],
    });
    assert.ok(text.length >= size);
    const chunks = text.split('\r\n\r\n').filter(Boolean);
    const last = JSON.parse(chunks.at(-1)!.slice(6));
    let words = 0;
    for (const c of chunks) {
      words += JSON.parse(c.slice(6)).candidates[0].content.parts[0].text.split(' ').filter(Boolean).length;
    }
    assert.equal(last.usageMetadata.candidatesTokenCount, words);
    assert.equal(last.candidates[0].finishReason, 'STOP');
  });

  test('Bedrock ConverseStream: metadata counts every delta', async () => {
    const client = new BedrockRuntimeClient({
      endpoint: mock.bedrockEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    try {
      const res = await client.send(
        new ConverseStreamCommand({
          modelId: 'amazon.nova-micro-v1:0',
          messages: [{ role: 'user', content: [{ text: 'x' }] }],
        }),
        { requestTimeout: 10_000 },
      );
      let deltas = 0;
      let output: number | undefined;
      for await (const ev of res.stream ?? []) {
        if (ev.contentBlockDelta) deltas++;
        if (ev.metadata) output = ev.metadata.usage?.outputTokens;
      }
      assert.equal(deltas, 20, 'without the header: the normal reply');
      assert.equal(output, 20);
    } finally {
      client.destroy();
    }
    const raw = await fetch(`${mock.url}/model/amazon.nova-micro-v1:0/converse-stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-stream-bytes': String(size) },
      body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'x' }] }] }),
    });
    const frames = decodeEventStream(new Uint8Array(await raw.arrayBuffer()));
    const deltas = frames.filter((f) => f.headers[':event-type'] === 'contentBlockDelta').length;
    const meta = JSON.parse(frames.at(-1)!.payload.toString());
    assert.equal(meta.usage.outputTokens, deltas);
    assert.ok(deltas > 100);
  });

  test('Responses API: the final events repeat the whole streamed text', async () => {
    const text = await body('/v1/responses', { model: 'gpt-4o-mini', input: 'x', stream: true });
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((e) => JSON.parse(e.split('\ndata: ')[1]!));
    const streamed = events
      .filter((e) => e.type === 'response.output_text.delta')
      .map((e) => e.delta)
      .join('');
    const done = events.find((e) => e.type === 'response.output_text.done');
    const completed = events.at(-1);
    assert.equal(done.text, streamed);
    assert.equal(completed.type, 'response.completed');
    assert.equal(completed.response.output[0].content[0].text, streamed);
    assert.equal(completed.response.usage.output_tokens, streamed.split(' ').length);
  });
});

describe('bin', () => {
  test('tokenmeter-mock-provider --port 0 prints its URL and serves until stopped', async () => {
    const bin = join(import.meta.dirname, '..', 'src', 'bin.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', bin, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: string) => {
          out += d;
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const openai = new OpenAI({ apiKey: 'k', baseURL: `${url}/v1`, maxRetries: 0 });
      const res = await openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(res.model, 'gpt-4o-2024-08-06');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
