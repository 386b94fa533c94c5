// Batch result lines (OpenAI Batch output files, Anthropic Message Batches results) on recorded
// shapes: which lines are calls, their usage through the one usage check, and which URLs are downloads.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayBeBatchResults, readBatchResultLine, recognizeBatchResults } from '../../src/adapters/index.js';

const openaiLine = JSON.stringify({
  id: 'batch_req_123',
  custom_id: 'request-1',
  response: {
    status_code: 200,
    request_id: 'req_1',
    body: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 22, completion_tokens: 2, total_tokens: 24 },
    },
  },
  error: null,
});

describe('batch result lines', () => {
  it('an OpenAI output line is a chat call with its custom id, model and usage', () => {
    const line = readBatchResultLine('openai', openaiLine);
    assert.equal(line?.customId, 'request-1');
    assert.equal(line?.api, 'openai.chat');
    assert.equal(line?.model, 'gpt-4o-mini-2024-07-18');
    assert.deepEqual(line?.response.usage, { inputTokens: 22, outputTokens: 2 });
  });

  it('failed, errored, cancelled and expired requests used nothing: no call', () => {
    const failed = JSON.stringify({
      id: 'batch_req_2',
      custom_id: 'request-2',
      response: null,
      error: { code: 'batch_expired', message: 'expired' },
    });
    assert.equal(readBatchResultLine('openai', failed), undefined);
    for (const type of ['errored', 'canceled', 'expired'])
      assert.equal(
        readBatchResultLine('anthropic', JSON.stringify({ custom_id: 'x', result: { type } })),
        undefined,
      );
    assert.equal(readBatchResultLine('openai', '{"not":"a result"}'), undefined);
    assert.equal(readBatchResultLine('openai', '{"custom_id": broken'), undefined);
  });

  it('invalid counts are kept as invalid (recorded unpriced), never priced', () => {
    const bad = openaiLine.replace('"prompt_tokens":22', '"prompt_tokens":-5');
    const line = readBatchResultLine('openai', bad);
    assert.equal(line?.response.usage, undefined);
    assert.ok(line?.response.invalidUsage);
  });

  it('an Anthropic succeeded result is a message call (cache counts in the input)', () => {
    const line = readBatchResultLine(
      'anthropic',
      JSON.stringify({
        custom_id: 'ask-1',
        result: {
          type: 'succeeded',
          message: {
            id: 'msg_1',
            type: 'message',
            model: 'claude-3-5-haiku-20241022',
            content: [],
            stop_reason: 'end_turn',
            usage: { input_tokens: 10, cache_read_input_tokens: 4, output_tokens: 3 },
          },
        },
      }),
    );
    assert.equal(line?.api, 'anthropic.messages');
    assert.equal(line?.response.usage?.inputTokens, 14);
    assert.equal(line?.response.usage?.outputTokens, 3);
  });

  it('downloads are recognised by URL, with the provider an inference call there would get', () => {
    assert.equal(mayBeBatchResults('https://api.openai.com/v1/models'), false);
    const o = recognizeBatchResults(new URL('https://api.openai.com/v1/files/file-abc/content'));
    assert.equal(o?.kind, 'openai');
    assert.equal(o?.provider, 'openai');
    assert.equal(o?.batchId, undefined);
    const a = recognizeBatchResults(
      new URL('https://api.anthropic.com/v1/messages/batches/msgbatch_1/results'),
    );
    assert.equal(a?.kind, 'anthropic');
    assert.equal(a?.batchId, 'msgbatch_1');
    assert.equal(recognizeBatchResults(new URL('https://example.com/search/results')), null);
    assert.equal(recognizeBatchResults(new URL('https://example.com/files/x/content')), null);
  });
});
