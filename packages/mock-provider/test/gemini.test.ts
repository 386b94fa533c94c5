import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ApiError, GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { type MockProvider, startMockProvider } from '../src/index.js';

let mock: MockProvider;
let ai: GoogleGenAI;

before(async () => {
  mock = await startMockProvider();
  ai = new GoogleGenAI({ apiKey: 'gemini-secret', httpOptions: { baseUrl: mock.geminiBaseURL } });
});
after(() => mock.close());
beforeEach(() => mock.reset());

describe('Gemini API through the real @google/genai', () => {
  test('generateContent returns text and usageMetadata with thoughts for 2.5 models', async () => {
    const res = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello Gemini' });
    assert.equal(res.text?.split(' ').length, 20);
    assert.equal(res.modelVersion, 'gemini-2.5-flash');
    assert.ok(res.responseId);
    const u = res.usageMetadata;
    assert.ok(u);
    // 'Hello Gemini' = 12 chars → 3 + 4.
    assert.equal(u.promptTokenCount, 7);
    assert.equal(u.candidatesTokenCount, 20);
    assert.ok((u.thoughtsTokenCount ?? 0) > 0);
    assert.equal(u.totalTokenCount, 7 + 20 + (u.thoughtsTokenCount ?? 0));
    assert.equal(res.candidates?.[0]?.finishReason, 'STOP');
    const req = mock.requests[0]!;
    // @google/genai 3.x calls /v1/...; older versions and apiVersion 'v1beta' call /v1beta/...
    assert.match(req.path, /^\/v1(beta)?\/models\/gemini-2\.5-flash:generateContent$/);
    assert.equal(req.headers['x-goog-api-key'], '[REDACTED]');
  });

  test('thinkingBudget 0 turns thinking off; 2.0 models do not think', async () => {
    const off = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'hi',
      config: { thinkingConfig: { thinkingBudget: 0 } },
    });
    assert.equal(off.usageMetadata?.thoughtsTokenCount, undefined);
    const old = await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'hi' });
    assert.equal(old.usageMetadata?.thoughtsTokenCount, undefined);
    assert.equal(old.usageMetadata?.totalTokenCount, 5 + 20);
  });

  test('maxOutputTokens cuts the reply with finishReason MAX_TOKENS', async () => {
    const res = await ai.models.generateContent({
      model: 'gemini-2.0-flash',
      contents: 'hi',
      config: { maxOutputTokens: 3 },
    });
    assert.equal(res.candidates?.[0]?.finishReason, 'MAX_TOKENS');
    assert.equal(res.usageMetadata?.candidatesTokenCount, 3);
  });

  test('generateContentStream: every chunk has usageMetadata, the last has the finish reason', async () => {
    const stream = await ai.models.generateContentStream({
      model: 'gemini-2.0-flash',
      contents: 'Stream it',
    });
    const chunks = [];
    let text = '';
    for await (const c of stream) {
      chunks.push(c);
      text += c.text ?? '';
    }
    assert.ok(chunks.length > 1);
    for (const c of chunks) assert.ok(c.usageMetadata);
    for (const c of chunks.slice(0, -1)) assert.equal(c.candidates?.[0]?.finishReason, undefined);
    const last = chunks.at(-1)!;
    assert.equal(last.candidates?.[0]?.finishReason, 'STOP');
    assert.equal(last.usageMetadata?.candidatesTokenCount, 20);
    assert.equal(text.split(' ').length, 20);
    const req = mock.requests[0]!;
    assert.match(req.path, /^\/v1(beta)?\/models\/gemini-2\.0-flash:streamGenerateContent$/);
    assert.equal(req.query.alt, 'sse');
  });

  test('raw SSE uses Gemini layout: `"key": value`, CRLF event separators', async () => {
    const res = await fetch(`${mock.url}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] }),
    });
    const body = await res.text();
    assert.ok(body.startsWith('data: {"candidates": [{"content": {"parts": [{"text": '));
    assert.ok(body.endsWith('}\r\n\r\n'));
    assert.equal(body.split('\r\n\r\n').filter(Boolean).length, 5);
  });

  test('includeThoughts returns thought parts', async () => {
    const res = await ai.models.generateContent({
      model: 'gemini-2.5-pro',
      contents: 'hi',
      config: { thinkingConfig: { includeThoughts: true, thinkingBudget: 16 } },
    });
    const parts = res.candidates?.[0]?.content?.parts ?? [];
    assert.equal(parts[0]?.thought, true);
    assert.equal(res.usageMetadata?.thoughtsTokenCount, 16);
    assert.equal(parts[0]?.text?.split(' ').length, 16);
  });

  test('an explicit cachedContent adds cached tokens to the prompt', async () => {
    const res = await ai.models.generateContent({
      model: 'gemini-2.0-flash',
      contents: 'hi',
      config: { cachedContent: 'cachedContents/abc' },
    });
    assert.equal(res.usageMetadata?.cachedContentTokenCount, 2048);
    assert.equal(res.usageMetadata?.promptTokenCount, 2048 + 5);
  });

  test('countTokens and embedContent', async () => {
    const count = await ai.models.countTokens({ model: 'gemini-2.0-flash', contents: 'Hello Gemini' });
    assert.equal(count.totalTokens, 7);
    const emb = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['a', 'b'] });
    assert.equal(emb.embeddings?.length, 2);
    assert.equal(emb.embeddings?.[0]?.values?.length, 3072);
    const small = await ai.models.embedContent({
      model: 'text-embedding-004',
      contents: 'a',
      config: { outputDimensionality: 64 },
    });
    assert.equal(small.embeddings?.[0]?.values?.length, 64);
  });

  test('errors surface as ApiError with the status', async () => {
    await assert.rejects(
      ai.models.generateContent({
        model: 'gemini-2.0-flash',
        contents: 'hi',
        config: { httpOptions: { headers: { 'x-mock-fault': 'status-429' } } },
      }),
      (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.status, 429);
        assert.match(err.message, /RESOURCE_EXHAUSTED/);
        return true;
      },
    );
    await assert.rejects(
      ai.models.generateContent({ model: 'mock-error-500', contents: 'hi' }),
      (err: unknown) => err instanceof ApiError && err.status === 500,
    );
  });

  test('apiVersion v1beta works too', async () => {
    const v1 = new GoogleGenAI({
      apiKey: 'k',
      apiVersion: 'v1beta',
      httpOptions: { baseUrl: mock.geminiBaseURL },
    });
    const res = await v1.models.generateContent({ model: 'gemini-2.0-flash', contents: 'hi' });
    assert.equal(res.usageMetadata?.candidatesTokenCount, 20);
    assert.match(mock.requests[0]?.path ?? '', /^\/v1beta\/models\//);
  });
});

describe('Vertex AI through @google/genai (vertexai: true)', () => {
  test('express mode (API key) and project/location paths', async () => {
    const express = new GoogleGenAI({
      vertexai: true,
      apiKey: 'k',
      httpOptions: { baseUrl: mock.geminiBaseURL },
    });
    const res = await express.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    assert.equal(res.usageMetadata?.candidatesTokenCount, 20);
    assert.match(
      mock.requests.at(-1)?.path ?? '',
      /publishers\/google\/models\/gemini-2\.5-flash:generateContent$/,
    );
  });

  test('project/location mode with a pre-authorised OAuth2Client (no network): generate, stream, embed', async () => {
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: 'vertex-token', expiry_date: Date.now() + 3_600_000 });
    const vertex = new GoogleGenAI({
      vertexai: true,
      project: 'my-proj',
      location: 'us-central1',
      googleAuthOptions: { authClient },
      httpOptions: { baseUrl: mock.geminiBaseURL },
    });
    const res = await vertex.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    assert.equal(res.usageMetadata?.candidatesTokenCount, 20);
    assert.equal(res.usageMetadata?.trafficType, 'ON_DEMAND');
    const req = mock.requests.at(-1)!;
    assert.equal(
      req.path,
      '/v1beta1/projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent',
    );
    assert.equal(req.headers.authorization, '[REDACTED]');
    let last: number | undefined;
    for await (const c of await vertex.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'hi',
    })) {
      last = c.usageMetadata?.candidatesTokenCount;
    }
    assert.equal(last, 20);
    const emb = await vertex.models.embedContent({ model: 'text-embedding-005', contents: ['a', 'b'] });
    assert.equal(emb.embeddings?.length, 2);
    assert.equal(mock.requests.at(-1)?.route, 'gemini.predict');
  });
});
