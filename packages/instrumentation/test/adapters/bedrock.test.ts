// Amazon Bedrock on recorded payloads (test/fixtures/bedrock): Converse, InvokeModel, ConverseStream.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
} from '@tokenmeter/semconv';
import fc from 'fast-check';
import {
  AwsEventStreamDecoder,
  bedrockUsage,
  createStreamParser,
  eventStreamMessageToEvent,
  parseResponse,
  recognizeBedrockCommand,
} from '../../src/adapters/index.js';
import { fixtureBytes, fixtureJson, info, splitAt } from './helpers.js';

const converse = info(
  'https://bedrock-runtime.us-east-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A012345678901%3Ainference-profile%2Fus.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse',
  { messages: [], inferenceConfig: { temperature: 0.5 } },
);
const converseStream = info(
  'https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama3-2-1b-instruct-v1%3A0/converse-stream',
  {
    messages: [],
  },
);
const llamaInvoke = info(
  'https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama2-13b-chat-v1/invoke',
  {
    prompt: 'What are the 4 cardinal directions?',
    max_gen_len: 128,
  },
);
const llamaHeaders = fixtureJson('bedrock/invoke-meta-llama2.headers.json') as Record<string, string>;

describe('Bedrock Converse JSON', () => {
  it('reads a Converse response through an inference profile', () => {
    assert.equal(converse.requestModel, 'us.anthropic.claude-3-7-sonnet-20250219-v1:0');
    assert.equal(converse.temperature, 0.5);
    assert.deepEqual(parseResponse(converse, fixtureJson('bedrock/converse-claude-inference-profile.json')), {
      finishReasons: ['end_turn'],
      usage: { inputTokens: 20, outputTokens: 72, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
  });

  it('reads a Nova response stopped by a guardrail', () => {
    const nova = info(
      'https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse',
      {},
    );
    assert.deepEqual(
      parseResponse(nova, fixtureJson('bedrock/converse-nova-guardrail.json'), {
        'x-amzn-RequestId': 'cc146c6e',
      }),
      {
        responseId: 'cc146c6e',
        finishReasons: ['guardrail_intervened'],
        usage: { inputTokens: 54, outputTokens: 18 },
      },
    );
  });

  it('adds cache reads and writes to input (Converse inputTokens excludes them), unless totalTokens shows they are in', () => {
    assert.deepEqual(
      bedrockUsage({
        inputTokens: 100,
        outputTokens: 20,
        cacheReadInputTokens: 800,
        cacheWriteInputTokens: 50,
        totalTokens: 970,
      }),
      { inputTokens: 950, outputTokens: 20, cacheReadTokens: 800, cacheWriteTokens: 50 },
    );
    assert.deepEqual(
      bedrockUsage({
        inputTokens: 950,
        outputTokens: 20,
        cacheReadInputTokens: 800,
        cacheWriteInputTokens: 50,
        totalTokens: 970,
      }),
      { inputTokens: 950, outputTokens: 20, cacheReadTokens: 800, cacheWriteTokens: 50 },
    );
  });
});

describe('Bedrock InvokeModel', () => {
  it('reads Meta Llama token counts from the body', () => {
    assert.equal(llamaInvoke.operation, GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION);
    assert.deepEqual(
      parseResponse(llamaInvoke, fixtureJson('bedrock/invoke-meta-llama2.json'), llamaHeaders),
      {
        responseId: '8e82c68e-8558-4514-ac40-947ea2432684',
        finishReasons: ['stop'],
        usage: { inputTokens: 9, outputTokens: 26 },
      },
    );
  });

  it('falls back to the x-amzn-bedrock token-count headers when the body has no counts', () => {
    const mistral = info(
      'https://bedrock-runtime.us-east-1.amazonaws.com/model/mistral.mistral-large-2402-v1%3A0/invoke',
      {
        prompt: '<s>[INST] hi [/INST]',
      },
    );
    const headers = new Headers(llamaHeaders);
    assert.deepEqual(parseResponse(mistral, { outputs: [{ text: 'Hello', stop_reason: 'stop' }] }, headers), {
      responseId: '8e82c68e-8558-4514-ac40-947ea2432684',
      finishReasons: ['stop'],
      usage: { inputTokens: 9, outputTokens: 26 },
    });
    // No body at all (unparsable), headers only.
    assert.deepEqual(parseResponse(mistral, undefined, headers).usage, { inputTokens: 9, outputTokens: 26 });
  });

  it('reads Claude InvokeModel bodies as Anthropic Messages', () => {
    const claude = info(
      'https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-opus-4-1-20250805-v1%3A0/invoke',
      {
        anthropic_version: 'bedrock-2023-05-31',
        max_tokens: 2048,
        messages: [],
      },
    );
    assert.equal(claude.operation, GEN_AI_OPERATION_NAME_VALUE_CHAT);
    assert.equal(claude.maxTokens, 2048);
    const result = parseResponse(claude, fixtureJson('anthropic/messages-thinking.json'));
    assert.deepEqual(result.usage, {
      inputTokens: 49,
      outputTokens: 186,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
    assert.deepEqual(result.finishReasons, ['end_turn']);
  });
});

function frames(chunks: Iterable<Uint8Array>, verifyCrc = true) {
  const decoder = new AwsEventStreamDecoder({ verifyCrc });
  const out = [];
  for (const c of chunks) out.push(...decoder.push(c));
  return { messages: out, failed: decoder.failed };
}

describe('Bedrock ConverseStream (AWS event stream framing)', () => {
  const bytes = fixtureBytes('bedrock/converse-stream-meta-llama.eventstream');

  function parse(chunks: Iterable<Uint8Array>) {
    const parser = createStreamParser(converseStream, { captureOutputText: true });
    let terminalAt = -1;
    const { messages } = frames(chunks);
    messages.forEach((m, i) => {
      if (parser.onBedrockEvent?.(eventStreamMessageToEvent(m)) && terminalAt === -1) terminalAt = i;
    });
    return { parser, terminalAt, count: messages.length };
  }

  it('decodes all 40 recorded frames, CRCs checked', () => {
    const { messages, failed } = frames([bytes]);
    assert.equal(failed, undefined);
    assert.equal(messages.length, 40);
    assert.equal(messages[0]?.headers[':event-type'], 'messageStart');
    assert.equal(messages[39]?.headers[':event-type'], 'metadata');
  });

  it('reads stop reason and usage; metadata is terminal', () => {
    const { parser, terminalAt, count } = parse([bytes]);
    assert.deepEqual(parser.result(), {
      finishReasons: ['end_turn'],
      usage: { inputTokens: 52, outputTokens: 36 },
    });
    assert.equal(terminalAt, count - 1);
    assert.ok(parser.outputText?.()?.text.startsWith('Why did the OpenTelemetry metric go to therapy?'));
  });

  it('is the same whatever the chunk boundaries (property)', () => {
    const expected = parse([bytes]).parser.result();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 60 }), (cuts) => {
        assert.deepEqual(parse(splitAt(bytes, cuts)).parser.result(), expected);
      }),
      { numRuns: 150 },
    );
  });

  it('returns what it saw when cut before metadata', () => {
    const { messages } = frames([bytes]);
    const parser = createStreamParser(converseStream);
    for (const m of messages.slice(0, -1)) parser.onBedrockEvent?.(eventStreamMessageToEvent(m));
    assert.deepEqual(parser.result(), { finishReasons: ['end_turn'] });
    assert.equal(parser.stats?.().terminal, false);
  });

  it('reports a corrupted frame instead of throwing', () => {
    const corrupted = bytes.slice();
    corrupted[200] = corrupted[200]! ^ 0xff;
    const { failed } = frames([corrupted]);
    assert.match(failed ?? '', /CRC/);
  });

  it('takes the AWS SDK event objects as well', () => {
    const { messages } = frames([bytes]);
    const parser = createStreamParser(converseStream);
    for (const m of messages) {
      const e = eventStreamMessageToEvent(m);
      parser.onBedrockEvent?.({ [e.eventType]: e.payload });
    }
    assert.deepEqual(parser.result(), {
      finishReasons: ['end_turn'],
      usage: { inputTokens: 52, outputTokens: 36 },
    });
    const failing = createStreamParser(converseStream);
    assert.equal(failing.onBedrockEvent?.({ throttlingException: { message: 'Too many requests' } }), true);
    assert.equal(failing.result().errorType, 'throttlingException');
  });
});

describe('Bedrock InvokeModelWithResponseStream', () => {
  it('decodes chunk bytes of Claude events and ends at the chunk with invocation metrics', () => {
    const claude = info(
      'https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-opus-20240229-v1%3A0/invoke-with-response-stream',
      { messages: [], max_tokens: 100 },
    );
    // The recorded Anthropic stream's events, framed as Bedrock chunks; Bedrock adds its
    // invocation metrics to the last one.
    const events = Buffer.from(fixtureBytes('anthropic/messages-stream.sse'))
      .toString()
      .split('\n\n')
      .filter((b) => b.includes('data: '))
      .map((b) => JSON.parse(b.slice(b.indexOf('data: ') + 6)));
    const last = events[events.length - 1];
    last['amazon-bedrock-invocationMetrics'] = {
      inputTokenCount: 17,
      outputTokenCount: 158,
      invocationLatency: 900,
      firstByteLatency: 300,
    };
    const parser = createStreamParser(claude);
    let terminal = -1;
    events.forEach((e, i) => {
      const chunk = { chunk: { bytes: new TextEncoder().encode(JSON.stringify(e)) } };
      if (parser.onBedrockEvent?.(chunk) && terminal === -1) terminal = i;
    });
    assert.equal(terminal, events.length - 1);
    assert.deepEqual(parser.result(), {
      responseId: 'msg_0178nRhNdfNKxFcZRFqApVgL',
      responseModel: 'claude-3-opus-20240229',
      finishReasons: ['end_turn'],
      usage: { inputTokens: 17, outputTokens: 158, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
  });
});

describe('recognizeBedrockCommand (AWS SDK send layer)', () => {
  it('recognises the four inference commands and reads their input', () => {
    const stream = recognizeBedrockCommand('ConverseStreamCommand', {
      modelId:
        'arn:aws:bedrock:us-east-1:012345678901:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0',
      messages: [],
      inferenceConfig: { maxTokens: 300, temperature: 0.2 },
    });
    assert.equal(stream?.provider, GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK);
    assert.equal(stream?.api, 'bedrock.converse');
    assert.equal(stream?.stream, true);
    assert.equal(stream?.requestModel, 'us.anthropic.claude-3-7-sonnet-20250219-v1:0');
    assert.equal(stream?.maxTokens, 300);
    const invoke = recognizeBedrockCommand('InvokeModelCommand', {
      modelId: 'meta.llama3-70b-instruct-v1:0',
      body: new TextEncoder().encode(JSON.stringify({ prompt: 'x', max_gen_len: 128, temperature: 0.1 })),
    });
    assert.equal(invoke?.api, 'bedrock.invoke');
    assert.equal(invoke?.operation, GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION);
    assert.equal(invoke?.maxTokens, 128);
    assert.equal(recognizeBedrockCommand('CountTokensCommand', { modelId: 'x' }), null);
    assert.equal(recognizeBedrockCommand('ConverseCommand', {}), null);
  });
});
