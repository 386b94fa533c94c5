// One wire format, one place: every format is one WireFormat object in the table, and the rest of
// the instrumentation (URL classification, content capture, estimation, usage injection) asks it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOpenAIStreamFormat, WIRE_FORMATS, wireFormat } from '../../src/adapters/index.js';
import { inputMessages } from '../../src/content.js';
import { requestText } from '../../src/estimate/request-text.js';
import { info } from './helpers.js';

describe('the wire format table', () => {
  it('has one object per WireApi, keyed by its own api, each with every member', () => {
    const members = [
      'streamFraming',
      'readRequest',
      'plausible',
      'parseResponse',
      'createStreamParser',
      'inputMessages',
      'outputMessages',
      'requestText',
      'budgetExceeded',
      'withModel',
    ] as const;
    for (const [api, format] of Object.entries(WIRE_FORMATS)) {
      assert.equal(format.api, api);
      assert.ok(format.operation.length > 0, api);
      assert.ok(['body', 'path'].includes(format.modelIn), api);
      for (const m of members) assert.equal(typeof format[m], 'function', `${api}.${m}`);
    }
    assert.equal(wireFormat(undefined).api, 'openai.chat', 'the OpenAI chat shape when none is known');
  });

  it('the format a URL is classified as reads the body: model from the body or from the path', () => {
    const body = { model: 'from-body', max_tokens: 7, messages: [], stream: true };
    const anthropic = info('https://api.anthropic.com/v1/messages', body);
    assert.equal(WIRE_FORMATS[anthropic.api].modelIn, 'body');
    assert.equal(anthropic.requestModel, 'from-body');
    assert.equal(anthropic.maxTokens, 7);
    const gemini = info(
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      body,
    );
    assert.equal(WIRE_FORMATS[gemini.api].modelIn, 'path');
    assert.equal(gemini.requestModel, 'gemini-2.5-flash', 'a body model does not count');
    assert.equal(gemini.streamFormat, 'sse');
    const bedrock = info(
      'https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse-stream',
      body,
    );
    assert.equal(bedrock.requestModel, 'amazon.nova-lite-v1:0');
    assert.equal(bedrock.streamFormat, 'aws-eventstream');
  });

  it('content capture, estimation and usage injection ask the format', () => {
    const chat = info('https://api.openai.com/v1/chat/completions', { model: 'm', stream: true });
    const completions = info('https://api.openai.com/v1/completions', { model: 'm', stream: true });
    const responses = info('https://api.openai.com/v1/responses', { model: 'm', stream: true });
    assert.equal(isOpenAIStreamFormat(chat), true);
    assert.equal(isOpenAIStreamFormat(completions), true);
    assert.equal(isOpenAIStreamFormat(responses), false, 'the Responses API reports usage unasked');
    const claude = { system: 'be brief', messages: [{ role: 'user', content: 'hi' }] };
    assert.deepEqual(inputMessages('anthropic.messages', claude), [
      { role: 'system', parts: [{ type: 'text', content: 'be brief' }] },
      { role: 'user', parts: [{ type: 'text', content: 'hi' }] },
    ]);
    assert.deepEqual(requestText('anthropic.messages', claude), {
      messages: [{ role: 'user', texts: ['hi'] }],
      texts: ['be brief'],
      tokenIds: 0,
    });
  });
});
