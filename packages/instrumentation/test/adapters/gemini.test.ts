// Gemini (Gemini API and Vertex AI) on recorded payloads (test/fixtures/gemini).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createStreamParser,
  geminiUsage,
  JsonArrayStreamDecoder,
  parseResponse,
} from '../../src/adapters/index.js';
import { fixtureBytes, fixtureJson, info, runSse, splitAt } from './helpers.js';

const generate = info(
  'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent',
  {},
);
const stream = info(
  'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
  {},
);

describe('Gemini generateContent JSON', () => {
  it('counts thinking as output (Gemini reports it apart) and as reasoning', () => {
    assert.deepEqual(parseResponse(generate, fixtureJson('gemini/generate-thinking.json')), {
      responseId: '-hk4afOSMZKkjuMPnJWGkAk',
      responseModel: 'gemini-2.5-flash',
      finishReasons: ['STOP'],
      usage: { inputTokens: 5, outputTokens: 877 + 1058, reasoningTokens: 1058 },
    });
  });

  it('keeps cached content inside input, and adds tool-use prompt tokens and audio (field mapping)', () => {
    // Field meanings from the Gemini API reference (UsageMetadata): promptTokenCount includes the
    // cached content; totalTokenCount = prompt + toolUsePrompt + candidates + thoughts.
    assert.deepEqual(
      geminiUsage({
        promptTokenCount: 1200,
        cachedContentTokenCount: 1024,
        toolUsePromptTokenCount: 30,
        candidatesTokenCount: 50,
        thoughtsTokenCount: 200,
        totalTokenCount: 1480,
        promptTokensDetails: [
          { modality: 'TEXT', tokenCount: 1000 },
          { modality: 'AUDIO', tokenCount: 200 },
        ],
      }),
      {
        inputTokens: 1230,
        outputTokens: 250,
        cacheReadTokens: 1024,
        reasoningTokens: 200,
        inputAudioTokens: 200,
      },
    );
  });

  it('reads the JSON array of streamGenerateContent without alt=sse', () => {
    const arrayStream = info(
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent',
      {},
    );
    assert.equal(arrayStream.streamFormat, 'json-array');
    const chunks = Buffer.from(fixtureBytes('gemini/stream.sse'))
      .toString()
      .split('\n\n')
      .filter((b) => b.startsWith('data: '))
      .map((b) => JSON.parse(b.slice(6)));
    assert.deepEqual(parseResponse(arrayStream, chunks), {
      responseId: '45I2aaWZBumm2roPm8HR0Ao',
      responseModel: 'gemini-2.5-flash',
      finishReasons: ['STOP'],
      usage: { inputTokens: 138, outputTokens: 15 },
    });
  });

  it('splits the streamed JSON array element by element, whatever the chunk boundaries (property)', () => {
    const arrayStream = info(
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent',
      {},
    );
    // The recorded chunks, framed as the API frames the array (elements separated by "\r\n,\r\n").
    const elements = Buffer.from(fixtureBytes('gemini/stream.sse'))
      .toString()
      .split('\n\n')
      .filter((b) => b.startsWith('data: '))
      .map((b) => b.slice(6));
    const bytes = new TextEncoder().encode(`[${elements.join('\r\n,\r\n')}]`);
    const expected = parseResponse(
      arrayStream,
      elements.map((e) => JSON.parse(e)),
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
        const seen: string[] = [];
        const parser = createStreamParser(arrayStream);
        let terminal = false;
        const decoder = new JsonArrayStreamDecoder((json) => {
          seen.push(json);
          if (parser.onEvent(json)) terminal = true;
        });
        for (const c of splitAt(bytes, cuts)) decoder.push(c);
        decoder.end();
        assert.deepEqual(seen, elements);
        assert.deepEqual(parser.result(), expected);
        assert.equal(terminal, true);
      }),
      { numRuns: 200 },
    );
  });

  it('reads Vertex embedding statistics; the Gemini API reports no embedding usage', () => {
    const vertex = info(
      'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/text-embedding-005:predict',
      {},
    );
    assert.deepEqual(
      parseResponse(vertex, {
        predictions: [
          { embeddings: { statistics: { truncated: false, token_count: 6 }, values: [0.1] } },
          { embeddings: { statistics: { truncated: false, token_count: 4 }, values: [0.2] } },
        ],
      }),
      { usage: { inputTokens: 10, outputTokens: 0 } },
    );
    const embed = info(
      'https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004:embedContent',
      {},
    );
    assert.deepEqual(parseResponse(embed, { embedding: { values: [0.1, 0.2] } }), {});
  });

  it('never throws on malformed payloads', () => {
    for (const junk of [
      null,
      'x',
      3,
      { candidates: 'no' },
      { usageMetadata: { promptTokenCount: 'a' } },
      [null, 1],
    ]) {
      assert.doesNotThrow(() => parseResponse(generate, junk));
    }
  });
});

describe('Gemini stream (alt=sse)', () => {
  it('takes the cumulative usage of the last chunk; the chunk with a finish reason and usage is terminal', () => {
    const run = runSse(stream, [fixtureBytes('gemini/stream.sse')], { captureOutputText: true });
    assert.deepEqual(run.parser.result(), {
      responseId: '45I2aaWZBumm2roPm8HR0Ao',
      responseModel: 'gemini-2.5-flash',
      finishReasons: ['STOP'],
      usage: { inputTokens: 138, outputTokens: 15 },
    });
    assert.equal(run.terminalAt, 1);
    assert.equal(run.parser.outputText?.()?.text, '今日の東京の天気は曇りで、気温は22度です。\n');
  });

  it('reads thinking tokens of a single-chunk function-call stream', () => {
    const run = runSse(stream, [fixtureBytes('gemini/stream-function-call-thinking.sse')]);
    assert.deepEqual(run.parser.result(), {
      responseId: 'qpc2afWVFJK4vr0Pq6WiyAU',
      responseModel: 'gemini-2.5-flash',
      finishReasons: ['STOP'],
      usage: { inputTokens: 83, outputTokens: 14 + 104, reasoningTokens: 104 },
    });
    assert.equal(run.terminalAt, 0);
  });

  it('returns the usage so far when cut before the last chunk', () => {
    const bytes = fixtureBytes('gemini/stream.sse');
    const run = runSse(stream, [bytes.subarray(0, Buffer.from(bytes).indexOf('\n\ndata: ') + 2)]);
    assert.equal(run.terminalAt, -1);
    assert.deepEqual(run.parser.result().usage, { inputTokens: 138, outputTokens: 4 });
    assert.equal(run.parser.result().finishReasons, undefined);
  });

  it('is the same whatever the chunk boundaries, inside Japanese characters included (property)', () => {
    const bytes = fixtureBytes('gemini/stream.sse');
    const expected = runSse(stream, [bytes], { captureOutputText: true });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
        const run = runSse(stream, splitAt(bytes, cuts), { captureOutputText: true });
        assert.deepEqual(run.parser.result(), expected.parser.result());
        assert.deepEqual(run.parser.outputText?.(), expected.parser.outputText?.());
      }),
      { numRuns: 200 },
    );
  });

  it('skips and counts a malformed chunk', () => {
    const parser = createStreamParser(stream);
    assert.equal(parser.onEvent('{"candidates": ['), false);
    assert.equal(parser.stats?.().malformed, 1);
  });
});
