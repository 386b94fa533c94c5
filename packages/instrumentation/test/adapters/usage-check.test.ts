// Hostile usage values (issue 13): whatever the format, streamed or not, a count that is not a
// non-negative integer up to 1e12, or a part larger than its total, never becomes a priced usage:
// the adapters drop the counts and say why (`invalidUsage`), so the call is recorded `invalid_usage`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateUsage } from '@tokenmeter/pricing';
import fc from 'fast-check';
import {
  createStreamParser,
  parseResponse,
  type RequestInfo,
  type ResponseInfo,
} from '../../src/adapters/index.js';
import { info, runSse } from './helpers.js';

const enc = new TextEncoder();

/** Raw JSON texts of bad counts: `1e400` parses as Infinity, so it must stay text until parsed. */
const BAD = ['1e308', '1e400', '-1', '1.5', '"12"', '{}', 'true'];

const chat = info('https://api.openai.com/v1/chat/completions', { model: 'gpt-4o-mini' });
const chatStream = info('https://api.openai.com/v1/chat/completions', { model: 'gpt-4o-mini', stream: true });
const responses = info('https://api.openai.com/v1/responses', { model: 'gpt-4o-mini' });
const embeddings = info('https://api.openai.com/v1/embeddings', { model: 'text-embedding-3-small' });
const anthropic = info('https://api.anthropic.com/v1/messages', { model: 'claude-3-5-haiku', messages: [] });
const anthropicStream = info('https://api.anthropic.com/v1/messages', {
  model: 'claude-3-5-haiku',
  messages: [],
  stream: true,
});
const gemini = info(
  'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent',
  {},
);
const geminiStream = info(
  'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
  {},
);
const converse = info(
  'https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse',
  {
    messages: [],
  },
);
const llama = info(
  'https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama3-8b-instruct-v1%3A0/invoke',
  {
    prompt: 'hi',
  },
);

/** One non-streamed body per format, with `V` where the bad input count goes. */
const BODIES: [string, RequestInfo, string][] = [
  [
    'openai chat',
    chat,
    '{"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":V,"completion_tokens":5}}',
  ],
  ['openai responses', responses, '{"status":"completed","usage":{"input_tokens":V,"output_tokens":5}}'],
  ['openai embeddings', embeddings, '{"model":"m","usage":{"prompt_tokens":V,"total_tokens":V}}'],
  [
    'anthropic',
    anthropic,
    '{"type":"message","usage":{"input_tokens":10,"cache_read_input_tokens":V,"output_tokens":5}}',
  ],
  ['gemini', gemini, '{"usageMetadata":{"promptTokenCount":V,"candidatesTokenCount":5}}'],
  ['bedrock converse', converse, '{"stopReason":"end_turn","usage":{"inputTokens":V,"outputTokens":5}}'],
  ['bedrock invoke (llama)', llama, '{"generation":"x","prompt_token_count":V,"generation_token_count":5}'],
];

function assertInvalid(result: ResponseInfo, what: string): void {
  assert.equal(result.usage, undefined, `${what}: no usage is kept`);
  assert.match(result.invalidUsage ?? '', /^usage\.\w+/, `${what}: the problem names the field`);
}

describe('hostile usage values are never kept as usage', () => {
  it('a bad count in any format’s JSON body: no usage, the problem named (1e400 is not read as 0)', () => {
    for (const [name, request, body] of BODIES) {
      for (const bad of BAD) {
        const result = parseResponse(request, JSON.parse(body.replaceAll('V', bad)));
        assertInvalid(result, `${name} with ${bad}`);
      }
      assert.ok(parseResponse(request, JSON.parse(body.replaceAll('V', '7'))).usage, `${name} with 7`);
    }
  });

  it('cached tokens above the input, reasoning above the output: inconsistent parts are invalid', () => {
    assertInvalid(
      parseResponse(
        chat,
        JSON.parse(
          '{"usage":{"prompt_tokens":10,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":11}}}',
        ),
      ),
      'cached > input',
    );
    assertInvalid(
      parseResponse(
        chat,
        JSON.parse(
          '{"usage":{"prompt_tokens":10,"completion_tokens":5,"completion_tokens_details":{"reasoning_tokens":6}}}',
        ),
      ),
      'reasoning > output',
    );
    // A negative cache count cannot hide in Anthropic's sum (input = input + cache reads + writes).
    assertInvalid(
      parseResponse(anthropic, {
        usage: { input_tokens: 10, cache_read_input_tokens: -4, output_tokens: 1 },
      }),
      'negative part of a sum',
    );
  });

  it('Bedrock token-count headers that are not whole numbers are invalid, not parsed leniently', () => {
    for (const bad of ['1.5', '1e400', '-3', '12abc']) {
      const result = parseResponse(llama, { generation: 'x' }, { 'x-amzn-bedrock-input-token-count': bad });
      assertInvalid(result, `header ${bad}`);
    }
  });

  it('streams: OpenAI usage chunk, Anthropic message_start, Gemini usageMetadata with a bad count', () => {
    for (const bad of BAD) {
      const openai = runSse(chatStream, [
        enc.encode(
          `data: {"id":"c","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n` +
            `data: {"id":"c","choices":[],"usage":{"prompt_tokens":${bad},"completion_tokens":2}}\n\ndata: [DONE]\n\n`,
        ),
      ]);
      assertInvalid(openai.parser.result(), `openai stream ${bad}`);
      const claude = runSse(anthropicStream, [
        enc.encode(
          `event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"claude","usage":{"input_tokens":${bad},"output_tokens":1}}}\n\n` +
            'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}}\n\n' +
            'event: message_stop\ndata: {"type":"message_stop"}\n\n',
        ),
      ]);
      assertInvalid(claude.parser.result(), `anthropic stream ${bad}`);
      const google = runSse(geminiStream, [
        enc.encode(
          `data: {"candidates":[{"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":${bad},"candidatesTokenCount":2}}\n\n`,
        ),
      ]);
      assertInvalid(google.parser.result(), `gemini stream ${bad}`);
    }
  });

  it('Bedrock stream metadata with a fractional count', () => {
    const parser = createStreamParser(
      info(
        'https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse-stream',
        {},
      ),
    );
    parser.onBedrockEvent?.({ messageStop: { stopReason: 'end_turn' } });
    parser.onBedrockEvent?.({ metadata: { usage: { inputTokens: 2.5, outputTokens: 3 } } });
    assertInvalid(parser.result(), 'bedrock metadata');
  });

  it('any OpenAI usage object (property): usage kept only when every count is valid and parts fit', () => {
    const count = fc.oneof(
      fc.nat({ max: 5000 }),
      fc.constantFrom(-1, 0.5, 1e308, 1e13, Number.MAX_SAFE_INTEGER, '3', null),
    );
    fc.assert(
      fc.property(count, count, count, count, (prompt, completion, cached, reasoning) => {
        const usage = {
          prompt_tokens: prompt,
          completion_tokens: completion,
          prompt_tokens_details: { cached_tokens: cached },
          completion_tokens_details: { reasoning_tokens: reasoning },
        };
        const result = parseResponse(chat, { usage });
        if (result.usage === undefined) {
          if (prompt === null && completion === null) return; // no usage reported at all
          assert.ok(result.invalidUsage, JSON.stringify(usage));
          return;
        }
        assert.equal(validateUsage(result.usage), null, JSON.stringify(result.usage));
        assert.equal(result.usage.inputTokens, prompt ?? 0);
        assert.equal(result.usage.outputTokens, completion ?? 0);
      }),
      { numRuns: 500 },
    );
  });
});
