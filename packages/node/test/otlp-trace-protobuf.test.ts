import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TOKENMETER_COST_CURRENCY,
  ATTR_TOKENMETER_PRICING_MATCH,
} from '@tokenmeter/semconv';
import { TokenmeterProtobufTraceSerializer } from '../src/otlp-trace-protobuf.js';

function recorder(
  resource: Record<string, string | number>,
  attributeCountLimit?: number,
): { provider: BasicTracerProvider; spans: () => ReadableSpan[] } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    ...(attributeCountLimit === undefined ? {} : { spanLimits: { attributeCountLimit } }),
  });
  return { provider, spans: () => exporter.getFinishedSpans() };
}

function assertSameBytes(spans: ReadableSpan[]): void {
  const theirs = ProtobufTraceSerializer.serializeRequest(spans);
  const ours = TokenmeterProtobufTraceSerializer.serializeRequest(spans);
  assert.ok(theirs !== undefined && ours !== undefined);
  assert.equal(ours.length, theirs.length, 'same length');
  assert.ok(Buffer.from(ours).equals(Buffer.from(theirs)), 'same bytes');
}

const TOKENMETER_SPAN = {
  [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
  [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
  [ATTR_SERVER_ADDRESS]: 'api.openai.com',
  [ATTR_SERVER_PORT]: 443,
  [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
  [ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-4o-mini-2024-07-18',
  [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['stop'],
  [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 9,
  [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 3,
  [ATTR_GEN_AI_USAGE_COST]: 0.00000315,
  [ATTR_TOKENMETER_COST_CURRENCY]: 'USD',
  [ATTR_TOKENMETER_PRICING_MATCH]: 'exact',
};

test('the OTLP span writer sends the bytes OpenTelemetry serializer sends, for every field and value type', () => {
  const a = recorder({ 'service.name': 'app', 'service.instance.id': 'ü-1', 'process.pid': 4242 });
  const b = recorder({ 'service.name': 'other' }, 4);
  const tracer = a.provider.getTracer('@tokenmeter/instrumentation', '0.1.0');
  const other = a.provider.getTracer('scope-without-version', undefined, {
    schemaUrl: 'https://opentelemetry.io/schemas/1.28.0',
  });
  const long = 'x'.repeat(20_000);
  for (let i = 0; i < 3; i++) {
    tracer
      .startSpan('chat gpt-4o-mini', {
        kind: SpanKind.CLIENT,
        attributes: { ...TOKENMETER_SPAN, [ATTR_GEN_AI_RESPONSE_ID]: `chatcmpl-${i}` },
      })
      .end();
  }
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=a,other=b'),
  });
  const span = other.startSpan(
    'değerler ✓ 🚀',
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        ascii: 'plain',
        utf8: 'çà ✓ 🚀',
        lone: 'a\uD800b',
        empty: '',
        long,
        yes: true,
        no: false,
        zero: 0,
        negative: -42,
        big: 2 ** 53,
        huge: 2 ** 62,
        tooBigForInt: 2 ** 63,
        double: 3.25,
        tiny: 1e-12,
        negDouble: -0.5,
        nan: Number.NaN,
        inf: Number.POSITIVE_INFINITY,
        strings: ['a', 'ü', ''],
        numbers: [1, 2.5, -3],
        bools: [true, false],
        holes: ['a', null, undefined, 'b'],
        'key ✓': 'non-ASCII key',
      },
      links: [
        {
          context: {
            traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
            spanId: '00f067aa0ba902b7',
            traceFlags: TraceFlags.NONE,
            traceState: new TraceState('k=v'),
            isRemote: true,
          },
          attributes: { 'link.attr': 'x', n: 7 },
        },
        {
          context: { traceId: 'ABCDEF0123456789ABCDEF0123456789', spanId: 'ABCDEF0123456789', traceFlags: 1 },
        },
      ],
    },
    parent,
  );
  span.addEvent('first', { 'event.attr': 'v', count: 3 });
  span.addEvent('no attributes');
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'rate_limited ✗' });
  span.end();
  const local = tracer.startSpan('child of a local span', {}, trace.setSpan(ROOT_CONTEXT, span));
  local.setStatus({ code: SpanStatusCode.OK });
  local.end();
  // Past the attribute count limit: dropped_attributes_count > 0.
  b.provider
    .getTracer('limited')
    .startSpan('limited', { attributes: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 } })
    .end();

  assertSameBytes([...a.spans(), ...b.spans(), ...a.spans()]);
  // The second request uses the keys kept from the first: still the same bytes.
  assertSameBytes(a.spans());
});

test('a request of thousands of tokenmeter spans (multi-byte lengths at every level) is byte-identical', () => {
  const a = recorder({ 'service.name': 'app' });
  const tracer = a.provider.getTracer('@tokenmeter/instrumentation', '0.1.0');
  for (let i = 0; i < 2048; i++)
    tracer
      .startSpan(`chat model-${i % 7}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          ...TOKENMETER_SPAN,
          [ATTR_GEN_AI_RESPONSE_ID]: `chatcmpl-${i}`,
          [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: i * 997,
        },
      })
      .end();
  const spans = a.spans();
  assertSameBytes(spans);
  assertSameBytes(spans.slice(0, 1));
  assertSameBytes([]);
});

test('span ids that are not hex (non-ASCII too), or of odd length, give the same bytes', () => {
  const a = recorder({ 'service.name': 'app' });
  a.provider.getTracer('t').startSpan('odd').end();
  const real = a.spans()[0]!;
  const withTraceId = (traceId: string) => {
    const ctx = { ...real.spanContext(), traceId };
    return Object.create(real, { spanContext: { value: () => ctx } }) as ReadableSpan;
  };
  assertSameBytes([withTraceId('not-hex-NOT-HEX-not-hex-not-hex!')]);
  assertSameBytes([withTraceId('ü€-0123456789abcdefABCDEF\u00ff\u0080~')]);
  assertSameBytes([withTraceId('abc')]);
  assertSameBytes([withTraceId('')]);
});

test('an attribute copied whole from the spans before is written anew when its value changes, an array changed in place included', () => {
  const a = recorder({ 'service.name': 'app' });
  const tracer = a.provider.getTracer('@tokenmeter/instrumentation', '0.1.0');
  const strings = ['a', 'a', 'a', 'b', 'b', 'b', 'a', 'ü', 'ü', 'ü', '', '', ''];
  const numbers = [1, 1, 1, 2, 2, 2, 1.5, 1.5, 1.5, -0, 0, 0, 2 ** 40];
  const booleans = [true, true, true, false, false, false, true, true, true, false, true, true, true];
  for (let i = 0; i < strings.length; i++)
    tracer
      .startSpan('chat', {
        attributes: {
          'k.string': strings[i]!,
          'k.number': numbers[i]!,
          'k.boolean': booleans[i]!,
          'k.array': i < 6 ? ['stop'] : ['stop', 'length'],
          'k.mixed': i % 4 < 3 ? 'same' : 7,
        },
      })
      .end();
  const spans = a.spans();
  // One span per request, as the writer keeps what it copies from one export to the next.
  for (const s of spans) assertSameBytes([s]);
  assertSameBytes(spans);

  const real = spans[0]!;
  const reasons = ['stop'];
  const attributes = { 'k.array': reasons, 'k.string': 'x' };
  const span = Object.create(real, { attributes: { value: attributes } }) as ReadableSpan;
  for (const reason of ['stop', 'stop', 'stop', 'length', 'length', 'length', 'stop']) {
    reasons[0] = reason;
    assertSameBytes([span]);
  }
  reasons.push('tool_calls');
  assertSameBytes([span]);
  attributes['k.string'] = 'y';
  assertSameBytes([span]);
});
