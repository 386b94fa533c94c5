// Local token estimation, checked against the usage OpenAI reported for the same recorded calls.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
} from '@tokenmeter/semconv';
import { createStreamParser } from '../../src/adapters/index.js';
import {
  estimateUsage,
  estimateUsageHeuristic,
  heuristicTokenCount,
  openaiEncodingForModel,
  requestText,
} from '../../src/estimate/index.js';
import { fixtureBytes, info, runSse } from './helpers.js';

const OPENAI = GEN_AI_PROVIDER_NAME_VALUE_OPENAI;

describe('estimateUsage with the OpenAI tokenizer', () => {
  it('matches the usage OpenAI reported for a recorded chat stream (22 in, 4 out)', async () => {
    // Request and response of test/fixtures/openai/chat-stream-include-usage.sse.
    const requestBody = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Answer in up to 3 words: Which ocean contains Bouvet Island?' }],
      stream: true,
    };
    const chat = info('https://api.openai.com/v1/chat/completions', requestBody);
    const run = runSse(chat, [fixtureBytes('openai/chat-stream-include-usage.sse')], {
      captureOutputText: true,
    });
    const estimate = await estimateUsage({
      provider: OPENAI,
      model: run.parser.result().responseModel,
      api: chat.api,
      requestBody,
      outputText: run.parser.outputText?.(),
    });
    assert.deepEqual(estimate, {
      usage: { inputTokens: 22, outputTokens: 4 },
      method: 'tokenizer',
      encoding: 'o200k_base',
    });
  });

  it('matches a recorded Responses call (14 in) and a legacy completion (8 in; 15 of 16 out, cl100k)', async () => {
    const responses = await estimateUsage({
      provider: OPENAI,
      model: 'gpt-4o-mini',
      api: 'openai.responses',
      requestBody: { model: 'gpt-4o-mini', input: 'Tell me a joke about OpenTelemetry' },
    });
    assert.equal(responses.usage.inputTokens, 14);
    const completion = await estimateUsage({
      provider: OPENAI,
      model: 'gpt-3.5-turbo-instruct',
      api: 'openai.completions',
      requestBody: { prompt: 'Tell me a joke about OpenTelemetry', model: 'gpt-3.5-turbo-instruct' },
      outputText: '\n\nWhy did the OpenTelemetry collector refuse to collect data?\n\nBecause it',
    });
    assert.equal(completion.encoding, 'cl100k_base');
    assert.equal(completion.usage.inputTokens, 8);
    // The model emitted 16 tokens (finish_reason "length" at the default max_tokens 16); re-encoding
    // the text merges two of them ("\n", "\n" → "\n\n"), so the estimate is one short: an estimate.
    assert.equal(completion.usage.outputTokens, 15);
  });

  it('counts embeddings input only, token-id inputs as given', async () => {
    const estimate = await estimateUsage({
      provider: OPENAI,
      model: 'text-embedding-3-small',
      api: 'openai.embeddings',
      requestBody: { input: ['One fish', 'two fish', [1, 2, 3]] },
    });
    assert.equal(estimate.method, 'tokenizer');
    assert.equal(estimate.usage.outputTokens, 0);
    assert.ok(
      estimate.usage.inputTokens >= 7 && estimate.usage.inputTokens <= 9,
      String(estimate.usage.inputTokens),
    );
  });

  it('picks the encoding from the model name', () => {
    assert.equal(openaiEncodingForModel('gpt-4o-mini-2024-07-18'), 'o200k_base');
    assert.equal(openaiEncodingForModel('gpt-5-nano'), 'o200k_base');
    assert.equal(openaiEncodingForModel('o3-mini'), 'o200k_base');
    assert.equal(openaiEncodingForModel('openai/gpt-4.1'), 'o200k_base');
    assert.equal(openaiEncodingForModel('gpt-4-turbo'), 'cl100k_base');
    assert.equal(openaiEncodingForModel('gpt-3.5-turbo'), 'cl100k_base');
    assert.equal(openaiEncodingForModel('text-embedding-ada-002'), 'cl100k_base');
    assert.equal(openaiEncodingForModel('claude-3-5-sonnet'), undefined);
    assert.equal(openaiEncodingForModel(undefined), undefined);
  });
});

describe('heuristic estimate (other providers)', () => {
  it('counts about 4 ASCII characters per token, 1 per CJK character', () => {
    assert.equal(heuristicTokenCount(''), 0);
    assert.equal(heuristicTokenCount('abcdefgh'), 2);
    assert.equal(heuristicTokenCount('今日の東京'), 5);
    assert.equal(heuristicTokenCount('😄😄'), 2);
    assert.equal(heuristicTokenCount('Привет'), 3);
  });

  it('uses the heuristic for non-OpenAI models, reading the request in its own format', async () => {
    const anthropic = await estimateUsage({
      provider: GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
      model: 'claude-3-opus-20240229',
      api: 'anthropic.messages',
      requestBody: {
        system: 'Be brief.',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Tell me a joke about OpenTelemetry' }] }],
      },
      outputText: 'abcd'.repeat(25),
    });
    assert.equal(anthropic.method, 'heuristic');
    assert.equal(anthropic.usage.outputTokens, 25);
    // system (9 chars → 3) + message overhead 3 + role "user" 1 + text 34 chars → 9, + reply priming 3
    assert.equal(anthropic.usage.inputTokens, 3 + 3 + 1 + 9 + 3);
    const gemini = estimateUsageHeuristic({
      provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
      api: 'gemini.generate',
      requestBody: { contents: [{ role: 'user', parts: [{ text: '今日の東京の天気' }] }] },
    });
    assert.equal(gemini.usage.inputTokens, 3 + 1 + 8 + 3);
  });

  it('scales the output estimate when the captured text was truncated', async () => {
    const chat = info('https://api.anthropic.com/v1/messages', {
      model: 'claude-3-opus-20240229',
      stream: true,
    });
    const parser = createStreamParser(chat, { captureOutputText: { maxChars: 40 } });
    const long = 'abcd'.repeat(1000);
    parser.onEvent(
      JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: long } }),
      'content_block_delta',
    );
    const captured = parser.outputText?.();
    assert.equal(captured?.truncated, true);
    assert.equal(captured?.text.length, 40);
    const estimate = await estimateUsage({
      provider: GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
      model: 'claude',
      outputText: captured,
    });
    assert.equal(estimate.usage.outputTokens, 1000);
  });

  it('extracts tool calls and results as input text', () => {
    const text = requestText('openai.chat', {
      messages: [
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'getWeather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: '{"temp":21}' },
      ],
      tools: [{ type: 'function', function: { name: 'getWeather', parameters: { type: 'object' } } }],
    });
    assert.deepEqual(text.messages[0]?.texts, ['getWeather', '{"city":"Paris"}']);
    assert.deepEqual(text.messages[1]?.texts, ['{"temp":21}']);
    assert.equal(text.texts.length, 1);
  });
});
