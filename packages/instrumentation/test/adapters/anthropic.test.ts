// Anthropic Messages on recorded payloads (test/fixtures/anthropic, sources in test/fixtures/README.md).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI } from '@tokenmeter/semconv';
import fc from 'fast-check';
import { anthropicUsage, createStreamParser, parseResponse } from '../../src/adapters/index.js';
import { fixtureBytes, fixtureJson, info, runSse, splitAt } from './helpers.js';

const messages = info('https://api.anthropic.com/v1/messages', {
  model: 'claude-3-opus-20240229',
  stream: true,
});

const STREAM = {
  responseId: 'msg_0178nRhNdfNKxFcZRFqApVgL',
  responseModel: 'claude-3-opus-20240229',
  finishReasons: ['end_turn'],
  usage: { inputTokens: 17, outputTokens: 158, cacheReadTokens: 0, cacheWriteTokens: 0 },
  serviceTier: 'standard',
};

describe('Anthropic Messages JSON', () => {
  it('reads a thinking response: usage, stop reason, service tier', () => {
    assert.deepEqual(parseResponse(messages, fixtureJson('anthropic/messages-thinking.json')), {
      responseId: 'msg_018V3xGyrq6nc25GVuWiaKHx',
      responseModel: 'claude-opus-4-1-20250805',
      finishReasons: ['end_turn'],
      usage: { inputTokens: 49, outputTokens: 186, cacheReadTokens: 0, cacheWriteTokens: 0 },
      serviceTier: 'standard',
    });
  });

  it('adds cache reads and writes to input (input_tokens excludes them) and keeps the 1h share', () => {
    assert.deepEqual(
      anthropicUsage({
        input_tokens: 4,
        cache_creation_input_tokens: 1165,
        cache_read_input_tokens: 2000,
        cache_creation: { ephemeral_5m_input_tokens: 165, ephemeral_1h_input_tokens: 1000 },
        output_tokens: 201,
      }),
      {
        inputTokens: 3169,
        outputTokens: 201,
        cacheReadTokens: 2000,
        cacheWriteTokens: 1165,
        cacheWrite1hTokens: 1000,
      },
    );
  });

  it('never throws on malformed payloads', () => {
    for (const junk of [null, 'x', [], { usage: { input_tokens: -1 } }, { content: 5, stop_reason: {} }]) {
      assert.doesNotThrow(() => parseResponse(messages, junk));
    }
  });
});

describe('Anthropic Messages stream', () => {
  it('takes input from message_start and cumulative output from message_delta; message_stop is terminal', () => {
    const run = runSse(messages, [fixtureBytes('anthropic/messages-stream.sse')]);
    assert.deepEqual(run.parser.result(), STREAM);
    assert.equal(run.events[run.terminalAt]?.event, 'message_stop');
    assert.equal(run.terminalAt, run.events.length - 1);
  });

  it('reads a prompt-cache write from a stream (input = 4 + 1165)', () => {
    const run = runSse(messages, [fixtureBytes('anthropic/messages-stream-cache-write.sse')]);
    assert.deepEqual(run.parser.result(), {
      responseId: 'msg_017FfRkh9PCC8YbjnhDMrPuK',
      responseModel: 'claude-3-5-sonnet-20240620',
      finishReasons: ['end_turn'],
      usage: { inputTokens: 1169, outputTokens: 201, cacheReadTokens: 0, cacheWriteTokens: 1165 },
    });
  });

  it('returns what it saw when cut before message_delta: input known, output as of message_start', () => {
    const bytes = fixtureBytes('anthropic/messages-stream.sse');
    const cut = Buffer.from(bytes).indexOf('event: message_delta');
    const run = runSse(messages, [bytes.subarray(0, cut)]);
    assert.equal(run.terminalAt, -1);
    assert.deepEqual(run.parser.result(), {
      responseId: STREAM.responseId,
      responseModel: STREAM.responseModel,
      usage: { inputTokens: 17, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
      serviceTier: 'standard',
    });
  });

  it('treats an error event as terminal and reports its type', () => {
    // The real start of a stream, then the error event of Anthropic's streaming docs.
    const start = Buffer.from(fixtureBytes('anthropic/messages-stream.sse'))
      .toString()
      .split('\n\n')
      .slice(0, 3)
      .join('\n\n');
    const text = `${start}\n\nevent: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n`;
    const run = runSse(messages, [new TextEncoder().encode(text)]);
    assert.equal(run.events[run.terminalAt]?.event, 'error');
    assert.equal(run.parser.result().errorType, 'overloaded_error');
    assert.equal(run.parser.result().usage?.inputTokens, 17);
  });

  it('captures text deltas (a multi-byte emoji included) only when asked', () => {
    const run = runSse(messages, [fixtureBytes('anthropic/messages-stream.sse')], {
      captureOutputText: true,
    });
    const text = run.parser.outputText?.()?.text ?? '';
    assert.ok(text.startsWith("Sure, here's a joke about OpenTelemetry:"));
    assert.ok(text.includes('evil! 😄'));
    assert.equal(
      runSse(messages, [fixtureBytes('anthropic/messages-stream.sse')]).parser.outputText?.(),
      undefined,
    );
  });

  it('skips and counts a malformed event', () => {
    const parser = createStreamParser(messages);
    assert.equal(parser.onEvent('{"type":"message_start","message":', 'message_start'), false);
    assert.equal(parser.stats?.().malformed, 1);
  });

  it('gives the same result whatever the chunk boundaries (property)', () => {
    for (const name of ['anthropic/messages-stream.sse', 'anthropic/messages-stream-cache-write.sse']) {
      const bytes = fixtureBytes(name);
      const expected = runSse(messages, [bytes], { captureOutputText: true });
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 60 }), (cuts) => {
          const run = runSse(messages, splitAt(bytes, cuts), { captureOutputText: true });
          assert.deepEqual(run.parser.result(), expected.parser.result());
          assert.deepEqual(run.parser.outputText?.(), expected.parser.outputText?.());
        }),
        { numRuns: 150 },
      );
    }
  });

  it('reads Claude on Vertex (streamRawPredict) with the same parser', () => {
    const vertex = info(
      'https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-3-5-sonnet-v2@20241022:streamRawPredict',
      { anthropic_version: 'vertex-2023-10-16', max_tokens: 1024, stream: true, messages: [] },
    );
    assert.equal(vertex.provider, GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI);
    assert.equal(vertex.stream, true);
    assert.equal(vertex.maxTokens, 1024);
    const run = runSse(vertex, [fixtureBytes('anthropic/messages-stream-cache-write.sse')]);
    assert.equal(run.parser.result().usage?.inputTokens, 1169);
  });
});
