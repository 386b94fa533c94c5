// CostSpanProcessor on a real SDK tracer, with spans shaped like the Vercel AI SDK's telemetry
// (ai 3.x-5.x: an `ai.generateText` parent and its `ai.generateText.doGenerate` inference span; ai 7
// moved telemetry to integrations, so no installed package emits these), already-priced spans,
// and non-inference spans.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { context, DiagLogLevel, diag, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_COST_AMOUNT,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  ATTR_TOKENMETER_PRICING_MATCH,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
} from '@tokenmeter/semconv';
import { COST_SPAN_PROCESSOR_COMPONENT, CostSpanProcessor } from '../src/cost-span-processor.js';
import { sharedMetrics as metricsRecorder } from '../src/metrics/recorder.js';
import { ANTHROPIC_SDK_SCOPE } from '../src/patches/anthropic.js';
import {
  OPENINFERENCE_SPAN_KIND,
  OPENINFERENCE_TOKEN_PROMPT,
  VERCEL_MODEL_ID,
  VERCEL_MODEL_PROVIDER,
  VERCEL_OPERATION_ID,
  VERCEL_USAGE_COMPLETION,
  VERCEL_USAGE_PROMPT,
} from '../src/peer-attributes.js';
import { readPeerSpan } from '../src/peer-span.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  spanProcessors: [new CostSpanProcessor({ costAttributes: 'both' }), new SimpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer('peer');

beforeEach(() => exporter.reset());

const byName = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name)!;
/** gpt-4o-mini: $0.15 input, $0.60 output per million tokens. */
const cost = (input: number, output: number) => (input * 0.15 + output * 0.6) / 1e6;

describe('Vercel AI SDK spans', () => {
  test('the doGenerate span is priced, its ai.generateText parent is not', () => {
    const parent = tracer.startSpan('ai.generateText', {
      attributes: {
        [VERCEL_OPERATION_ID]: 'ai.generateText',
        [VERCEL_MODEL_PROVIDER]: 'openai.chat',
        [VERCEL_MODEL_ID]: 'gpt-4o-mini',
        [VERCEL_USAGE_PROMPT]: 100,
        [VERCEL_USAGE_COMPLETION]: 50,
      },
    });
    const inner = tracer.startSpan(
      'ai.generateText.doGenerate',
      {
        attributes: {
          [VERCEL_OPERATION_ID]: 'ai.generateText.doGenerate',
          [VERCEL_MODEL_PROVIDER]: 'openai.chat',
          [VERCEL_MODEL_ID]: 'gpt-4o-mini',
          [ATTR_GEN_AI_SYSTEM]: 'openai.chat',
          [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
          [ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-4o-mini-2024-07-18',
          [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 100,
          [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 50,
          [VERCEL_USAGE_PROMPT]: 100,
          [VERCEL_USAGE_COMPLETION]: 50,
        },
      },
      trace.setSpan(context.active(), parent),
    );
    inner.end();
    parent.end();
    const a = byName('ai.generateText.doGenerate').attributes;
    assert.ok(Math.abs((a[ATTR_GEN_AI_USAGE_COST] as number) - cost(100, 50)) < 1e-12);
    assert.equal(a[ATTR_GEN_AI_USAGE_COST_AMOUNT], a[ATTR_GEN_AI_USAGE_COST], "costAttributes 'both'");
    assert.equal(byName('ai.generateText').attributes[ATTR_GEN_AI_USAGE_COST], undefined);
  });

  test('a span with only the ai.usage.* names (older AI SDK) is read too', () => {
    const call = readPeerSpan('ai.streamText.doStream', {
      [VERCEL_OPERATION_ID]: 'ai.streamText.doStream',
      [VERCEL_MODEL_PROVIDER]: 'anthropic.messages',
      [VERCEL_MODEL_ID]: 'claude-3-5-haiku-20241022',
      [VERCEL_USAGE_PROMPT]: 10,
      [VERCEL_USAGE_COMPLETION]: 5,
    });
    assert.deepEqual(call, {
      operation: 'chat',
      provider: 'anthropic',
      requestModel: 'claude-3-5-haiku-20241022',
      usage: { inputTokens: 10, outputTokens: 5 },
    });
  });
});

describe('what is not priced again', () => {
  test('a span already priced keeps its cost', () => {
    tracer
      .startSpan('chat gpt-4o-mini', {
        attributes: {
          [ATTR_GEN_AI_SYSTEM]: 'openai',
          [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
          [ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 10,
          [ATTR_GEN_AI_USAGE_COMPLETION_TOKENS]: 10,
          [ATTR_GEN_AI_USAGE_COST]: 42,
        },
      })
      .end();
    assert.equal(byName('chat gpt-4o-mini').attributes[ATTR_GEN_AI_USAGE_COST], 42);
  });

  test('non-inference spans (an OpenInference CHAIN, an HTTP span) are left alone', () => {
    tracer
      .startSpan('chain', {
        attributes: { [OPENINFERENCE_SPAN_KIND]: 'CHAIN', [OPENINFERENCE_TOKEN_PROMPT]: 5 },
      })
      .end();
    tracer.startSpan('GET /', { attributes: { [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 5 } }).end();
    for (const s of exporter.getFinishedSpans())
      assert.equal(s.attributes[ATTR_TOKENMETER_PRICING_MATCH], undefined);
  });

  test('deprecated prompt/completion token names are read; an unknown model is unpriced with a reason', () => {
    tracer
      .startSpan('chat my-model', {
        attributes: {
          [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
          [ATTR_GEN_AI_SYSTEM]: 'openai',
          [ATTR_GEN_AI_REQUEST_MODEL]: 'my-private-model',
          [ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 10,
          [ATTR_GEN_AI_USAGE_COMPLETION_TOKENS]: 10,
        },
      })
      .end();
    const a = byName('chat my-model').attributes;
    assert.equal(a[ATTR_GEN_AI_USAGE_COST], undefined);
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], 'unknown_model');
  });

  test("the Anthropic SDK's own span is skipped while tokenmeter instruments the process", async () => {
    const { coverage } = await import('../src/coverage.js');
    const sdkTracer = provider.getTracer(ANTHROPIC_SDK_SCOPE);
    const attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
      [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
      [ATTR_GEN_AI_REQUEST_MODEL]: 'claude-3-5-haiku-20241022',
      [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 10,
      [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 10,
    };
    coverage().instrumenting++;
    try {
      sdkTracer.startSpan('covered', { attributes }).end();
    } finally {
      coverage().instrumenting--;
    }
    sdkTracer.startSpan('alone', { attributes }).end();
    assert.equal(byName('covered').attributes[ATTR_GEN_AI_USAGE_COST], undefined);
    assert.ok(
      (byName('alone').attributes[ATTR_GEN_AI_USAGE_COST] as number) > 0,
      'priced when it is the only span',
    );
  });
});

describe('what is counted unpriced, and failures', () => {
  test('an inference span without token counts is unpriced with the reason no_usage (never dropped, never $0)', () => {
    tracer
      .startSpan('chat gpt-4o-mini no usage', {
        attributes: {
          [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
          [ATTR_GEN_AI_SYSTEM]: 'openai',
          [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
        },
      })
      .end();
    const a = byName('chat gpt-4o-mini no usage').attributes;
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], 'no_usage');
    assert.equal(a[ATTR_GEN_AI_USAGE_COST], undefined);
  });

  test("OpenLLMetry's dotted gen_ai.system values (aws.bedrock, az.ai.openai) are providers, not cut at the dot", () => {
    const read = (system: string) =>
      readPeerSpan('chat', {
        [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
        [ATTR_GEN_AI_SYSTEM]: system,
        [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1,
      })?.provider;
    assert.equal(read(GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK), GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK);
    assert.equal(read('az.ai.openai'), 'az.ai.openai');
    assert.equal(read('gcp.gen_ai'), 'gcp.gen_ai');
    assert.equal(read('OpenAI'), 'openai', 'older OpenLLMetry wrote OpenAI');
    assert.equal(read('openai.chat'), 'openai', 'the Vercel AI SDK writes its provider id');
  });

  test('a span the processor fails to read is exported as it was, and the failure is logged through diag and counted', () => {
    const processor = new CostSpanProcessor({ recordMetrics: false });
    const logged: unknown[][] = [];
    const counted: string[] = [];
    const metrics = metricsRecorder();
    const original = metrics.internalError;
    metrics.internalError = (component: string) => {
      counted.push(component);
    };
    diag.setLogger(
      {
        error: () => {},
        warn: (...args: unknown[]) => logged.push(args),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.WARN,
    );
    try {
      const hostile = new Proxy(
        {},
        {
          get() {
            throw new Error('attribute read failed');
          },
        },
      );
      const span = {
        name: 'chat hostile',
        kind: 2,
        attributes: hostile,
        startTime: [0, 0] as [number, number],
        spanContext: () => ({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 1 }),
        setAttributes: () => assert.fail('nothing is written to a span that could not be read'),
      };
      assert.doesNotThrow(() => processor.onEnding(span));
      assert.deepEqual(counted, [COST_SPAN_PROCESSOR_COMPONENT]);
      assert.equal(logged.length, 1);
      assert.match(logged[0]!.map(String).join(' '), /could not price span "chat hostile"/);
    } finally {
      metrics.internalError = original;
      diag.disable();
    }
  });
});
