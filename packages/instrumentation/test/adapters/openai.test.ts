// OpenAI wire formats on recorded payloads (test/fixtures/openai, sources in test/fixtures/README.md).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GEN_AI_PROVIDER_NAME_VALUE_X_AI } from '@tokenmeter/semconv';
import fc from 'fast-check';
import { createStreamParser, openaiUsage, parseResponse } from '../../src/adapters/index.js';
import { fixtureBytes, fixtureJson, info, runSse, splitAt } from './helpers.js';

const chat = info('https://api.openai.com/v1/chat/completions', { model: 'gpt-4o-mini', stream: true });
const responses = info('https://api.openai.com/v1/responses', { model: 'o4-mini', stream: true });

describe('OpenAI Chat Completions JSON', () => {
  it('reads usage with cached tokens (prompt_tokens already includes them)', () => {
    const result = parseResponse(chat, fixtureJson('openai/chat-cached.json'));
    assert.deepEqual(result, {
      responseId: 'chatcmpl-BNi420iFNtIOHzy8Gq2fVS5utTus7',
      responseModel: 'gpt-4o-mini-2024-07-18',
      finishReasons: ['stop'],
      usage: { inputTokens: 1149, outputTokens: 353, cacheReadTokens: 1024, reasoningTokens: 0 },
      serviceTier: 'default',
    });
  });

  it('reads the service tier the provider used', () => {
    const result = parseResponse(chat, fixtureJson('openai/chat-service-tier-priority.json'));
    assert.equal(result.serviceTier, 'priority');
    assert.deepEqual(result.usage, {
      inputTokens: 8,
      outputTokens: 11,
      cacheReadTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('reads a legacy completion', () => {
    const completion = info('https://api.openai.com/v1/completions', { model: 'gpt-3.5-turbo-instruct' });
    assert.deepEqual(parseResponse(completion, fixtureJson('openai/completions.json')), {
      responseId: 'cmpl-C4TUdz5A9PC4HFBghP7WsItfF7Jul',
      responseModel: 'gpt-3.5-turbo-instruct:20230824-v2',
      finishReasons: ['length'],
      usage: { inputTokens: 8, outputTokens: 16 },
    });
  });

  it('reads embeddings usage as input only', () => {
    const embeddings = info('https://api.openai.com/v1/embeddings', { model: 'text-embedding-ada-002' });
    assert.deepEqual(parseResponse(embeddings, fixtureJson('openai/embeddings.json')), {
      responseModel: 'text-embedding-ada-002',
      usage: { inputTokens: 8, outputTokens: 0 },
    });
  });

  it('keeps reasoning inside output, also for servers that report it apart (total_tokens says so)', () => {
    // OpenAI: completion_tokens includes reasoning.
    assert.deepEqual(
      openaiUsage({
        prompt_tokens: 10,
        completion_tokens: 199,
        total_tokens: 209,
        completion_tokens_details: { reasoning_tokens: 192 },
      }),
      { inputTokens: 10, outputTokens: 199, reasoningTokens: 192 },
    );
    // xAI-style: completion_tokens excludes reasoning, total_tokens includes it.
    const xai = info('https://api.x.ai/v1/chat/completions', { model: 'grok-3-mini' });
    assert.equal(xai.provider, GEN_AI_PROVIDER_NAME_VALUE_X_AI);
    assert.deepEqual(
      parseResponse(xai, {
        usage: {
          prompt_tokens: 20,
          completion_tokens: 10,
          total_tokens: 330,
          completion_tokens_details: { reasoning_tokens: 300 },
        },
      }).usage,
      { inputTokens: 20, outputTokens: 310, reasoningTokens: 300 },
    );
    // DeepSeek reports cache hits apart from prompt_tokens_details.
    assert.deepEqual(
      openaiUsage({
        prompt_tokens: 100,
        completion_tokens: 5,
        prompt_cache_hit_tokens: 64,
        prompt_cache_miss_tokens: 36,
      }),
      {
        inputTokens: 100,
        outputTokens: 5,
        cacheReadTokens: 64,
      },
    );
  });

  it('never throws on malformed payloads', () => {
    for (const junk of [
      null,
      undefined,
      42,
      'text',
      [],
      { choices: 'x', usage: { prompt_tokens: 'many' } },
      { usage: null },
    ]) {
      assert.doesNotThrow(() => parseResponse(chat, junk));
    }
    assert.deepEqual(parseResponse(chat, { id: 'x', choices: [null, { finish_reason: 7 }], usage: 'n/a' }), {
      responseId: 'x',
    });
  });
});

describe('OpenAI Responses JSON', () => {
  it('reads usage with cached tokens and the service tier', () => {
    assert.deepEqual(parseResponse(responses, fixtureJson('openai/responses-cached.json')), {
      responseId: 'resp_098a86033e882e31006a1818d103048192889c7541e8827731',
      responseModel: 'gpt-4o-mini-2024-07-18',
      finishReasons: ['stop'],
      usage: { inputTokens: 14, outputTokens: 26, cacheReadTokens: 13, reasoningTokens: 0 },
      serviceTier: 'default',
    });
  });

  it('reports an incomplete response with its reason', () => {
    const result = parseResponse(responses, {
      id: 'r',
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
    });
    assert.deepEqual(result.finishReasons, ['max_output_tokens']);
  });
});

const INCLUDE_USAGE = {
  responseId: 'chatcmpl-BuDrRRWybY6JHzabaUyR2OtaEGp79',
  responseModel: 'gpt-4o-mini-2024-07-18',
  finishReasons: ['stop'],
  usage: { inputTokens: 22, outputTokens: 4, cacheReadTokens: 0, reasoningTokens: 0 },
  serviceTier: 'default',
};

describe('OpenAI Chat Completions stream', () => {
  it('reads usage from the chunk before [DONE], and [DONE] is terminal', () => {
    const run = runSse(chat, [fixtureBytes('openai/chat-stream-include-usage.sse')]);
    assert.deepEqual(run.parser.result(), INCLUDE_USAGE);
    assert.equal(run.terminalAt, run.events.length - 1);
    assert.equal(run.events[run.terminalAt]?.data, '[DONE]');
    assert.deepEqual(run.parser.stats?.(), { events: 8, malformed: 0, terminal: true });
  });

  it('reads a stream without usage (no include_usage): model, id, finish reason, no usage', () => {
    const run = runSse(chat, [fixtureBytes('openai/chat-stream-no-usage.sse')]);
    assert.deepEqual(run.parser.result(), {
      responseId: 'chatcmpl-BuDvE94ISQVUWZdbkJ6k1XcOMmyzg',
      responseModel: 'gpt-4o-mini-2024-07-18',
      finishReasons: ['stop'],
      serviceTier: 'default',
    });
  });

  it('copes-with-chunks-missing-a-choices-array', () => {
    const run = runSse(chat, [fixtureBytes('openai/copes-with-chunks-missing-a-choices-array.sse')], {
      captureOutputText: true,
    });
    assert.deepEqual(run.parser.result().finishReasons, ['stop']);
    assert.equal(run.parser.outputText?.()?.text, 'Atlantic Ocean.');
    assert.equal(run.parser.stats?.().malformed, 0);
    assert.notEqual(run.terminalAt, -1);
  });

  it('returns what it saw from a stream cut before the terminal event', () => {
    const bytes = fixtureBytes('openai/chat-stream-include-usage.sse');
    const cut = Buffer.from(bytes).indexOf('"finish_reason":"stop"') + 10;
    const run = runSse(chat, [bytes.subarray(0, cut)]);
    assert.equal(run.terminalAt, -1);
    assert.deepEqual(run.parser.result(), {
      responseId: INCLUDE_USAGE.responseId,
      responseModel: INCLUDE_USAGE.responseModel,
      serviceTier: 'default',
    });
    assert.equal(run.parser.stats?.().terminal, false);
  });

  it('skips and counts a malformed data line, without throwing', () => {
    const text = Buffer.from(fixtureBytes('openai/chat-stream-include-usage.sse')).toString();
    const broken = text.replace('data: {"id"', 'data: {"id"::: not json\n\ndata: {"id"');
    const run = runSse(chat, [new TextEncoder().encode(broken)]);
    assert.deepEqual(run.parser.result(), INCLUDE_USAGE);
    assert.equal(run.parser.stats?.().malformed, 1);
  });

  it('captures the output text only when asked, bounded', () => {
    const bytes = fixtureBytes('openai/chat-stream-include-usage.sse');
    assert.equal(runSse(chat, [bytes]).parser.outputText?.(), undefined);
    assert.deepEqual(runSse(chat, [bytes], { captureOutputText: true }).parser.outputText?.(), {
      text: 'South Atlantic Ocean.',
      totalChars: 21,
      truncated: false,
    });
    assert.deepEqual(runSse(chat, [bytes], { captureOutputText: { maxChars: 5 } }).parser.outputText?.(), {
      text: 'South',
      totalChars: 21,
      truncated: true,
    });
  });

  it('gives the same result whatever the chunk boundaries (property)', () => {
    for (const name of ['openai/chat-stream-include-usage.sse', 'openai/chat-stream-no-usage.sse']) {
      const bytes = fixtureBytes(name);
      const expected = runSse(chat, [bytes], { captureOutputText: true });
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 50 }), (cuts) => {
          const run = runSse(chat, splitAt(bytes, cuts), { captureOutputText: true });
          assert.deepEqual(run.parser.result(), expected.parser.result());
          assert.deepEqual(run.parser.outputText?.(), expected.parser.outputText?.());
          assert.equal(run.terminalAt, expected.terminalAt);
        }),
        { numRuns: 200 },
      );
    }
  });

  it('reads Groq usage from x_groq on the last chunk', () => {
    const parser = createStreamParser(
      info('https://api.groq.com/openai/v1/chat/completions', {
        model: 'llama-3.3-70b-versatile',
        stream: true,
      }),
    );
    parser.onEvent(
      '{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"req_1","usage":{"prompt_tokens":40,"completion_tokens":9,"total_tokens":49}}}',
    );
    assert.deepEqual(parser.result().usage, { inputTokens: 40, outputTokens: 9 });
  });
});

describe('OpenAI Responses stream', () => {
  const expected = {
    responseId: 'resp_68b5ebab461881969ed94149372c2a530698ecbf1b9f2704',
    responseModel: 'o4-mini-2025-04-16',
    finishReasons: ['stop'],
    usage: { inputTokens: 17, outputTokens: 122, cacheReadTokens: 0, reasoningTokens: 64 },
    serviceTier: 'default',
  };

  it('reads usage with reasoning from response.completed, which is terminal', () => {
    const run = runSse(responses, [fixtureBytes('openai/responses-stream-reasoning.sse')]);
    assert.deepEqual(run.parser.result(), expected);
    assert.equal(run.terminalAt, run.events.length - 1);
    assert.equal(run.events[run.terminalAt]?.event, 'response.completed');
  });

  it('captures output text for estimation', () => {
    const run = runSse(responses, [fixtureBytes('openai/responses-stream-reasoning.sse')], {
      captureOutputText: true,
    });
    assert.equal(
      run.parser.outputText?.()?.text,
      '**Calculating a simple sumThe sum of the first 5 positive integers is 15.',
    );
  });

  it('returns id and model from response.created when cut before the end', () => {
    const bytes = fixtureBytes('openai/responses-stream-reasoning.sse');
    const cut = Buffer.from(bytes).indexOf('event: response.output_text.done');
    const run = runSse(responses, [bytes.subarray(0, cut)]);
    assert.deepEqual(run.parser.result(), {
      responseId: expected.responseId,
      responseModel: expected.responseModel,
      serviceTier: 'auto',
    });
    assert.equal(run.terminalAt, -1);
  });

  it('is the same whatever the chunk boundaries (property)', () => {
    const bytes = fixtureBytes('openai/responses-stream-reasoning.sse');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 50 }), (cuts) => {
        assert.deepEqual(runSse(responses, splitAt(bytes, cuts)).parser.result(), expected);
      }),
      { numRuns: 150 },
    );
  });

  it('treats response.failed and error as terminal and reports the error', () => {
    const parser = createStreamParser(responses);
    assert.equal(
      parser.onEvent(
        '{"type":"response.failed","response":{"id":"resp_1","status":"failed","error":{"code":"server_error","message":"x"}}}',
        'response.failed',
      ),
      true,
    );
    assert.deepEqual(parser.result(), {
      responseId: 'resp_1',
      finishReasons: ['error'],
      errorType: 'server_error',
    });
    const other = createStreamParser(responses);
    assert.equal(
      other.onEvent('{"type":"error","code":"rate_limit_exceeded","message":"slow down"}', 'error'),
      true,
    );
    assert.equal(other.result().errorType, 'rate_limit_exceeded');
  });
});
