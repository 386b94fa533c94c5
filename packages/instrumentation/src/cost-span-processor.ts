// CostSpanProcessor: prices GenAI spans made by other instrumentations (OpenLLMetry/Traceloop,
// OpenInference, the contrib @opentelemetry/instrumentation-openai, the Vercel AI SDK's telemetry)
// from the usage attributes they already carry. It works in `onEnding`, where an SDK 2.x span is
// still writable; on an SDK without onEnding it does nothing.
//
// One call, one cost. It prices inference spans only (chat, text_completion, generate_content,
// embeddings, an OpenInference LLM/EMBEDDING span, a Vercel `.doGenerate/.doStream/.doEmbed` span),
// never their parents, and skips:
// - spans already priced (gen_ai.usage.cost or gen_ai.usage.cost.amount present);
// - tokenmeter's own spans;
// - spans whose call tokenmeter's fetch span covers: the span our span ran under (the Anthropic
//   SDK's self-trace, a peer's span around an SDK method), or one with a response id we priced;
// - the Anthropic SDK's self-trace whenever tokenmeter's instrumentation is on.
// Priced (and unpriced) inference spans are recorded to the same metrics as tokenmeter's own calls.
import type { Attributes, AttributeValue, Context, SpanContext } from '@opentelemetry/api';
import type { TokenUsage } from '@tokenmeter/pricing';
import {
  ATTR_GEN_AI_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_COST_AMOUNT,
  ATTR_GEN_AI_USAGE_COST_CURRENCY,
  ATTR_GEN_AI_USAGE_COST_SOURCE,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TOKENMETER_COST_CACHE_READ,
  ATTR_TOKENMETER_COST_CACHE_WRITE,
  ATTR_TOKENMETER_COST_CURRENCY,
  ATTR_TOKENMETER_COST_INPUT,
  ATTR_TOKENMETER_COST_OUTPUT,
  ATTR_TOKENMETER_FEATURE,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_PRICING_MODEL_ID,
  ATTR_TOKENMETER_PRICING_PROVIDER_ID,
  ATTR_TOKENMETER_PRICING_SERVICE_TIER,
  ATTR_TOKENMETER_PRICING_SOURCE,
  ATTR_TOKENMETER_PRICING_VERSION,
  ATTR_TOKENMETER_TENANT_ID,
  ATTR_TOKENMETER_USER_ID,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT,
  GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI,
  GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI,
  GEN_AI_USAGE_COST_SOURCE_VALUE_LOCAL,
  GEN_AI_USAGE_COST_SOURCE_VALUE_PROVIDER,
} from '@tokenmeter/semconv';
import type { Attribution, CallRecord } from './call-record.js';
import { resolveConfig } from './config.js';
import { coverage } from './coverage.js';
import { type MetricsRecorder, sharedMetrics } from './metrics/recorder.js';
import { ANTHROPIC_SDK_SCOPE } from './patches/anthropic.js';
import {
  OPENINFERENCE_KIND_EMBEDDING,
  OPENINFERENCE_KIND_LLM,
  OPENINFERENCE_MODEL,
  OPENINFERENCE_PROVIDER,
  OPENINFERENCE_SPAN_KIND,
  OPENINFERENCE_SYSTEM,
  OPENINFERENCE_TOKEN_CACHE_READ,
  OPENINFERENCE_TOKEN_CACHE_WRITE,
  OPENINFERENCE_TOKEN_COMPLETION,
  OPENINFERENCE_TOKEN_PROMPT,
  OPENINFERENCE_TOKEN_REASONING,
  TRACELOOP_CACHE_READ,
  TRACELOOP_CACHE_WRITE,
  TRACELOOP_REQUEST_TYPE,
  VERCEL_INNER_OPERATION,
  VERCEL_MODEL_ID,
  VERCEL_MODEL_PROVIDER,
  VERCEL_OPERATION_ID,
  VERCEL_RESPONSE_MODEL,
  VERCEL_USAGE_CACHE_READ,
  VERCEL_USAGE_CACHE_WRITE,
  VERCEL_USAGE_CACHED_INPUT,
  VERCEL_USAGE_COMPLETION,
  VERCEL_USAGE_INPUT,
  VERCEL_USAGE_OUTPUT,
  VERCEL_USAGE_PROMPT,
  VERCEL_USAGE_REASONING,
} from './peer-attributes.js';
import { priceRequest } from './price.js';
import type { CostAttributeNames } from './types.js';
import { PACKAGE_NAME } from './version.js';

/** The parts of an SDK span this processor reads (SDK 1.x and 2.x shapes). */
export interface ReadableSpanLike {
  readonly name: string;
  readonly kind: number;
  readonly attributes: Attributes;
  /** [seconds, nanoseconds] */
  readonly startTime: [number, number];
  readonly duration?: [number, number];
  readonly instrumentationScope?: { name: string };
  /** SDK 1.x */
  readonly instrumentationLibrary?: { name: string };
  spanContext(): SpanContext;
}

/** A span still open for writing (what `onEnding` receives). */
export interface WritableSpanLike extends ReadableSpanLike {
  setAttributes(attributes: Attributes): unknown;
  isRecording?(): boolean;
}

/** Structurally an OpenTelemetry SDK SpanProcessor (no SDK package needed). */
export interface SpanProcessorLike {
  onStart(span: unknown, parentContext: Context): void;
  onEnding?(span: WritableSpanLike): void;
  onEnd(span: ReadableSpanLike): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface CostSpanProcessorOptions {
  /** Which cost attribute names to write (as TokenmeterInstrumentationConfig). Env: TOKENMETER_COST_ATTRIBUTES. */
  costAttributes?: CostAttributeNames;
  /** Record the spans it prices to the llm.* and gen_ai.* metrics. Default true. */
  recordMetrics?: boolean;
  /** Attribution labels allowed on the llm.* metrics (as TokenmeterInstrumentationConfig). */
  metricLabels?: ('feature' | 'user')[];
  /** Cap on distinct label sets per llm.* metric. */
  maxMetricSeries?: number;
}

const INFERENCE_OPERATIONS = new Set<string>([
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
  GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT,
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  // Older names seen in OpenLLMetry spans.
  'completion',
  'embedding',
]);

function num(value: AttributeValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function str(value: AttributeValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function first(a: Attributes, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = num(a[k]);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** The Vercel AI SDK's `ai.model.provider` (`openai.chat`, `google.generative-ai`, ...) as gen_ai.provider.name. */
function vercelProvider(value: string): string {
  const head = value.split('.')[0]!.toLowerCase();
  switch (head) {
    case 'google':
      return value.toLowerCase().includes('vertex')
        ? GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI
        : GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI;
    case 'vertex':
      return GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI;
    case 'amazon-bedrock':
    case 'bedrock':
      return GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK;
    case 'azure':
    case 'azure-openai':
      return GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI;
    case 'mistral':
      return GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI;
    default:
      return head;
  }
}

/** What a peer span says about its call, or undefined when it is not an inference span. */
export interface PeerCall {
  operation: string;
  provider: string;
  requestModel?: string;
  responseModel?: string;
  usage: TokenUsage;
  serviceTier?: string;
}

/** Read an inference span's call from its attributes (pure; exported for tests). */
export function readPeerSpan(name: string, a: Attributes): PeerCall | undefined {
  // Which operation: the GenAI name, else OpenInference's span kind, else the Vercel operation id.
  const vercelOp = str(a[VERCEL_OPERATION_ID]);
  if (vercelOp !== undefined && !VERCEL_INNER_OPERATION.test(vercelOp)) return undefined; // a parent
  if (vercelOp === undefined && name.startsWith('ai.') && !VERCEL_INNER_OPERATION.test(name))
    return undefined;
  let operation = str(a[ATTR_GEN_AI_OPERATION_NAME]) ?? str(a[TRACELOOP_REQUEST_TYPE]);
  const oiKind = str(a[OPENINFERENCE_SPAN_KIND]);
  if (operation === undefined && oiKind !== undefined) {
    if (oiKind === OPENINFERENCE_KIND_LLM) operation = GEN_AI_OPERATION_NAME_VALUE_CHAT;
    else if (oiKind === OPENINFERENCE_KIND_EMBEDDING) operation = GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS;
    else return undefined; // CHAIN, AGENT, TOOL, ...: not an inference
  }
  if (operation === undefined && vercelOp !== undefined) {
    operation = vercelOp.endsWith('.doEmbed')
      ? GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS
      : GEN_AI_OPERATION_NAME_VALUE_CHAT;
  }
  if (operation === undefined || !INFERENCE_OPERATIONS.has(operation)) return undefined;

  const input = first(
    a,
    ATTR_GEN_AI_USAGE_INPUT_TOKENS,
    ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
    OPENINFERENCE_TOKEN_PROMPT,
    VERCEL_USAGE_INPUT,
    VERCEL_USAGE_PROMPT,
  );
  const output = first(
    a,
    ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
    ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
    OPENINFERENCE_TOKEN_COMPLETION,
    VERCEL_USAGE_OUTPUT,
    VERCEL_USAGE_COMPLETION,
  );
  if (input === undefined && output === undefined) return undefined;
  const usage: TokenUsage = { inputTokens: input ?? 0, outputTokens: output ?? 0 };
  const cacheRead = first(
    a,
    ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    TRACELOOP_CACHE_READ,
    OPENINFERENCE_TOKEN_CACHE_READ,
    VERCEL_USAGE_CACHE_READ,
    VERCEL_USAGE_CACHED_INPUT,
  );
  const cacheWrite = first(
    a,
    ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
    TRACELOOP_CACHE_WRITE,
    OPENINFERENCE_TOKEN_CACHE_WRITE,
    VERCEL_USAGE_CACHE_WRITE,
  );
  const reasoning = first(
    a,
    ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    OPENINFERENCE_TOKEN_REASONING,
    VERCEL_USAGE_REASONING,
  );
  if (cacheRead !== undefined) usage.cacheReadTokens = cacheRead;
  if (cacheWrite !== undefined) usage.cacheWriteTokens = cacheWrite;
  if (reasoning !== undefined && reasoning <= usage.outputTokens) usage.reasoningTokens = reasoning;
  // Input includes cached tokens (semconv); a reporter that left them out is corrected.
  const cached = (cacheRead ?? 0) + (cacheWrite ?? 0);
  if (cached > usage.inputTokens) usage.inputTokens += cached;

  let provider = str(a[ATTR_GEN_AI_PROVIDER_NAME]) ?? str(a[OPENINFERENCE_PROVIDER]);
  const system = str(a[ATTR_GEN_AI_SYSTEM]) ?? str(a[OPENINFERENCE_SYSTEM]);
  const vercel = str(a[VERCEL_MODEL_PROVIDER]);
  if (provider === undefined && vercel !== undefined) provider = vercelProvider(vercel);
  if (provider === undefined && system !== undefined)
    provider = system.includes('.') ? vercelProvider(system) : system;
  if (provider === undefined) return undefined;
  provider = provider.toLowerCase();

  const call: PeerCall = { operation, provider, usage };
  const requestModel =
    str(a[ATTR_GEN_AI_REQUEST_MODEL]) ?? str(a[VERCEL_MODEL_ID]) ?? str(a[OPENINFERENCE_MODEL]);
  const responseModel = str(a[ATTR_GEN_AI_RESPONSE_MODEL]) ?? str(a[VERCEL_RESPONSE_MODEL]);
  if (requestModel !== undefined) call.requestModel = requestModel;
  if (responseModel !== undefined) call.responseModel = responseModel;
  const tier = str(a[ATTR_GEN_AI_OPENAI_REQUEST_SERVICE_TIER]);
  if (tier !== undefined) call.serviceTier = tier;
  return call;
}

function millis(t: [number, number] | undefined): number {
  return t === undefined ? 0 : t[0] * 1000 + t[1] / 1e6;
}

/**
 * Prices GenAI spans made by other instrumentations. Add it to your tracer provider before the
 * exporting processor:
 * `new NodeTracerProvider({ spanProcessors: [new CostSpanProcessor(), new BatchSpanProcessor(exporter)] })`.
 */
export class CostSpanProcessor implements SpanProcessorLike {
  private readonly costAttributes: CostAttributeNames;
  private readonly metrics: MetricsRecorder | undefined;

  constructor(options: CostSpanProcessorOptions = {}) {
    const config = resolveConfig({
      costAttributes: options.costAttributes,
      metricLabels: options.metricLabels,
      maxMetricSeries: options.maxMetricSeries,
    });
    this.costAttributes = config.costAttributes;
    if (options.recordMetrics !== false) {
      this.metrics = sharedMetrics();
      if (options.metricLabels !== undefined || options.maxMetricSeries !== undefined)
        this.metrics.configure(config);
    }
    coverage().active = true;
  }

  onStart(_span: unknown, _parentContext: Context): void {}

  onEnding(span: WritableSpanLike): void {
    try {
      this.price(span);
    } catch {
      // a span we cannot read is left as it is
    }
  }

  onEnd(_span: ReadableSpanLike): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  private price(span: WritableSpanLike): void {
    const a = span.attributes;
    if (a[ATTR_GEN_AI_USAGE_COST] !== undefined || a[ATTR_GEN_AI_USAGE_COST_AMOUNT] !== undefined) return;
    const scope = span.instrumentationScope?.name ?? span.instrumentationLibrary?.name;
    if (scope === PACKAGE_NAME) return;
    const cov = coverage();
    const spanId = span.spanContext().spanId;
    if (cov.parentSpans.delete(spanId)) return;
    if (scope === ANTHROPIC_SDK_SCOPE && cov.instrumenting > 0) return;
    const responseId = str(a[ATTR_GEN_AI_RESPONSE_ID]);
    if (responseId !== undefined && cov.responseIds.has(responseId)) return;
    const call = readPeerSpan(span.name, a);
    if (call === undefined) return;

    const startTimeMs = millis(span.startTime);
    const priced = priceRequest({
      provider: call.provider,
      model: call.responseModel ?? call.requestModel,
      usage: call.usage,
      timestampMs: startTimeMs || Date.now(),
      serviceTier: call.serviceTier,
    });
    const out: Attributes = { [ATTR_TOKENMETER_PRICING_MATCH]: priced.match };
    const cost = priced.cost;
    if (cost !== null) {
      if (this.costAttributes !== 'upstream') {
        out[ATTR_GEN_AI_USAGE_COST] = cost.totalUsd;
        out[ATTR_TOKENMETER_COST_CURRENCY] = cost.currency;
      }
      if (this.costAttributes !== 'tokenmeter') {
        out[ATTR_GEN_AI_USAGE_COST_AMOUNT] = cost.totalUsd;
        out[ATTR_GEN_AI_USAGE_COST_CURRENCY] = cost.currency;
        out[ATTR_GEN_AI_USAGE_COST_SOURCE] =
          cost.source === 'provider'
            ? GEN_AI_USAGE_COST_SOURCE_VALUE_PROVIDER
            : GEN_AI_USAGE_COST_SOURCE_VALUE_LOCAL;
      }
      out[ATTR_TOKENMETER_COST_INPUT] = cost.inputUsd;
      out[ATTR_TOKENMETER_COST_OUTPUT] = cost.outputUsd;
      if (cost.cacheReadNanos > 0) out[ATTR_TOKENMETER_COST_CACHE_READ] = cost.cacheReadUsd;
      if (cost.cacheWriteNanos > 0) out[ATTR_TOKENMETER_COST_CACHE_WRITE] = cost.cacheWriteUsd;
      out[ATTR_TOKENMETER_PRICING_SOURCE] = cost.source;
      out[ATTR_TOKENMETER_PRICING_VERSION] = cost.version;
      out[ATTR_TOKENMETER_PRICING_PROVIDER_ID] = cost.provider;
      out[ATTR_TOKENMETER_PRICING_MODEL_ID] = cost.modelId;
      out[ATTR_TOKENMETER_PRICING_SERVICE_TIER] = cost.serviceTier;
    }
    span.setAttributes(out);

    if (this.metrics === undefined) return;
    const attribution: Attribution = {};
    const feature = str(a[ATTR_TOKENMETER_FEATURE]);
    const user = str(a[ATTR_TOKENMETER_USER_ID]);
    const tenant = str(a[ATTR_TOKENMETER_TENANT_ID]);
    if (feature !== undefined) attribution.feature = feature;
    if (user !== undefined) attribution.user = user;
    if (tenant !== undefined) attribution.tenant = tenant;
    const ctx = span.spanContext();
    const record: CallRecord = {
      startTimeMs,
      durationMs: millis(span.duration),
      provider: call.provider,
      operation: call.operation,
      stream: false,
      usage: call.usage,
      usageEstimated: false,
      cost,
      pricingMatch: priced.match,
      attribution,
      sampled: (ctx.traceFlags & 1) === 1,
      traceId: ctx.traceId,
      spanId: ctx.spanId,
    };
    if (call.requestModel !== undefined) record.requestModel = call.requestModel;
    if (call.responseModel !== undefined) record.responseModel = call.responseModel;
    const host = str(a[ATTR_SERVER_ADDRESS]);
    if (host !== undefined) {
      record.serverAddress = host;
      const port = num(a[ATTR_SERVER_PORT]);
      if (port !== undefined) record.serverPort = port;
    }
    this.metrics.record(record);
  }
}
