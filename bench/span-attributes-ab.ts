// An in-process A/B diagnostic (not a headline figure, no assertions): the ~20 attributes a priced
// call's span gets after its start, set the way call.ts does (an object built, then
// `span.setAttributes`, which walks it) against one `span.setAttribute` each (call.ts before
// b5c1449: more code for V8 to compile in a fresh process, ~0.3 µs less per span after), on spans
// of the OpenTelemetry SDK, in alternating blocks in one process. Checks both give the same
// attributes in the same order, then reports CPU ns per span, median [p25 … p75] over the blocks, and
// the difference per alternation.
// Run: npx tsx bench/span-attributes-ab.ts [alternations]
import { type AttributeValue, SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, type Span } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_TOKENMETER_COST_CURRENCY,
  ATTR_TOKENMETER_COST_INPUT,
  ATTR_TOKENMETER_COST_OUTPUT,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_PRICING_MODEL_ID,
  ATTR_TOKENMETER_PRICING_PROVIDER_ID,
  ATTR_TOKENMETER_PRICING_SERVICE_TIER,
  ATTR_TOKENMETER_PRICING_SOURCE,
  ATTR_TOKENMETER_PRICING_VERSION,
} from '@tokenmeter/semconv';
import { alternate, printAlternation } from './lib/alternate.js';

const ALTERNATIONS = Number(process.argv[2] ?? 40);
const SPANS = 3000;

// What a priced openai chat completion's span gets after its start (bench/fetch-ab.ts's calls).
const ATTRIBUTES: [string, AttributeValue][] = [
  [ATTR_GEN_AI_REQUEST_MAX_TOKENS, 256],
  [ATTR_GEN_AI_RESPONSE_ID, 'chatcmpl-ab'],
  [ATTR_GEN_AI_RESPONSE_MODEL, 'gpt-4o-mini-2024-07-18'],
  [ATTR_GEN_AI_RESPONSE_FINISH_REASONS, ['stop']],
  [ATTR_GEN_AI_USAGE_INPUT_TOKENS, 9],
  [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, 3],
  [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, 0],
  [ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, 0],
  [ATTR_TOKENMETER_PRICING_MATCH, 'exact'],
  [ATTR_GEN_AI_USAGE_COST, 0.00000315],
  [ATTR_TOKENMETER_COST_CURRENCY, 'USD'],
  [ATTR_TOKENMETER_COST_INPUT, 0.00000135],
  [ATTR_TOKENMETER_COST_OUTPUT, 0.0000018],
  [ATTR_TOKENMETER_PRICING_SOURCE, 'genai-prices'],
  [ATTR_TOKENMETER_PRICING_VERSION, '0.0.40'],
  [ATTR_TOKENMETER_PRICING_PROVIDER_ID, 'openai'],
  [ATTR_TOKENMETER_PRICING_MODEL_ID, 'gpt-4o-mini'],
  [ATTR_TOKENMETER_PRICING_SERVICE_TIER, 'default'],
];

const sides = {
  object: (span: Span) => {
    const a: Record<string, AttributeValue> = {};
    for (const [k, v] of ATTRIBUTES) a[k] = v;
    span.setAttributes(a);
  },
  each: (span: Span) => {
    for (const [k, v] of ATTRIBUTES) span.setAttribute(k, v);
  },
};

const tracer = new BasicTracerProvider().getTracer('@tokenmeter/instrumentation');
const start = () => tracer.startSpan('chat gpt-4o-mini', { kind: SpanKind.CLIENT }) as unknown as Span;
const once = Object.values(sides).map((set) => {
  const span = start();
  set(span);
  return JSON.stringify(Object.entries(span.attributes));
});
if (once[0] !== once[1]) throw new Error('the two ways give different attributes');

const block = (set: (span: Span) => void) => {
  const spans = Array.from({ length: SPANS }, start);
  const c0 = process.cpuUsage();
  for (const s of spans) set(s);
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / SPANS;
};
const ORDER = ['object', 'each'] as const;
const per = alternate(ORDER, ALTERNATIONS, 5, () => (name) => block(sides[name]));
printAlternation(
  per,
  ORDER,
  'ns/span',
  0,
  `${ALTERNATIONS} alternations of ${SPANS} spans, ${ATTRIBUTES.length} attributes each (identical)`,
);
