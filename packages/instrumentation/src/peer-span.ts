// Reads and prices GenAI spans made by other instrumentations (OpenLLMetry/Traceloop, OpenInference,
// OpenLIT, the Vercel AI SDK's telemetry, the OpenTelemetry contrib GenAI instrumentations, Spring AI,
// Semantic Kernel) from the attributes they already carry. One module, two callers: the
// CostSpanProcessor (SDK spans, in `onEnding`) and the gateway (OTLP spans of any language). Both
// hand it an attribute bag: an SDK span's `attributes`, or a record built from OTLP KeyValues.
//
// The rules, the same for both:
// - only inference spans are read (chat, text_completion, generate_content, embeddings, an
//   OpenInference LLM/EMBEDDING span, a Vercel `.doGenerate/.doStream/.doEmbed` span), never their
//   parents: one call, one cost;
// - a span that already carries a cost (gen_ai.usage.cost, or the upstream proposal's amount) or a
//   tokenmeter verdict (tokenmeter.pricing.match) keeps it;
// - an unknown model is unpriced (`tokenmeter.pricing.match=unknown_model`), an inference span without
//   token counts is unpriced with the reason `no_usage`; neither is ever priced at $0.
import type { Attributes, AttributeValue } from '@opentelemetry/api';
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
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TOKENMETER_FEATURE,
  ATTR_TOKENMETER_PRICING_MATCH,
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
} from '@tokenmeter/semconv';
import type { Attribution, CallRecord } from './call-record.js';
import { writeCostAttributes } from './cost-attributes.js';
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
  OPENLIT_CACHE_READ,
  OPENLIT_CACHE_WRITE,
  OPENLIT_REASONING,
  TRACELOOP_CACHE_READ,
  TRACELOOP_CACHE_WRITE,
  TRACELOOP_REASONING,
  TRACELOOP_REASONING_LEGACY,
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
import { type PriceOutcome, priceRequest } from './price.js';
import type { CostAttributeNames } from './types.js';

/**
 * A span's attributes by key, read only: an SDK span's `attributes`, or a record built from an OTLP
 * span's KeyValue list (int64 values as numbers).
 */
export type AttributeBag = Readonly<Record<string, AttributeValue | undefined>>;

/** What an inference span says about its call. */
export interface PeerCall {
  /** gen_ai.operation.name */
  operation: string;
  /** gen_ai.provider.name, lower case. */
  provider: string;
  requestModel?: string;
  responseModel?: string;
  /** Normalised usage (input includes cached tokens); absent when the span has no token counts. */
  usage?: TokenUsage;
  serviceTier?: string;
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

function first(a: AttributeBag, keys: readonly string[]): number | undefined {
  for (const k of keys) {
    const v = num(a[k]);
    if (v !== undefined) return v;
  }
  return undefined;
}

const INPUT = [
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  OPENINFERENCE_TOKEN_PROMPT,
  VERCEL_USAGE_INPUT,
  VERCEL_USAGE_PROMPT,
] as const;
const OUTPUT = [
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  OPENINFERENCE_TOKEN_COMPLETION,
  VERCEL_USAGE_OUTPUT,
  VERCEL_USAGE_COMPLETION,
] as const;
const CACHE_READ = [
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  TRACELOOP_CACHE_READ,
  OPENINFERENCE_TOKEN_CACHE_READ,
  OPENLIT_CACHE_READ,
  VERCEL_USAGE_CACHE_READ,
  VERCEL_USAGE_CACHED_INPUT,
] as const;
const CACHE_WRITE = [
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  TRACELOOP_CACHE_WRITE,
  OPENINFERENCE_TOKEN_CACHE_WRITE,
  OPENLIT_CACHE_WRITE,
  VERCEL_USAGE_CACHE_WRITE,
] as const;
const REASONING = [
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  TRACELOOP_REASONING,
  TRACELOOP_REASONING_LEGACY,
  OPENINFERENCE_TOKEN_REASONING,
  OPENLIT_REASONING,
  VERCEL_USAGE_REASONING,
] as const;

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

/** The span's operation, or undefined when it is not an inference span. */
function inferenceOperation(name: string, a: AttributeBag): string | undefined {
  // The GenAI name, else OpenInference's span kind, else the Vercel operation id.
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
  return operation !== undefined && INFERENCE_OPERATIONS.has(operation) ? operation : undefined;
}

function readUsage(a: AttributeBag): TokenUsage | undefined {
  const input = first(a, INPUT);
  const output = first(a, OUTPUT);
  if (input === undefined && output === undefined) return undefined;
  const usage: TokenUsage = { inputTokens: input ?? 0, outputTokens: output ?? 0 };
  const cacheRead = first(a, CACHE_READ);
  const cacheWrite = first(a, CACHE_WRITE);
  const reasoning = first(a, REASONING);
  if (cacheRead !== undefined) usage.cacheReadTokens = cacheRead;
  if (cacheWrite !== undefined) usage.cacheWriteTokens = cacheWrite;
  if (reasoning !== undefined && reasoning <= usage.outputTokens) usage.reasoningTokens = reasoning;
  // Input includes cached tokens (semconv); a reporter that left them out is corrected.
  const cached = (cacheRead ?? 0) + (cacheWrite ?? 0);
  if (cached > usage.inputTokens) usage.inputTokens += cached;
  return usage;
}

function readProvider(a: AttributeBag): string | undefined {
  let provider = str(a[ATTR_GEN_AI_PROVIDER_NAME]) ?? str(a[OPENINFERENCE_PROVIDER]);
  const system = str(a[ATTR_GEN_AI_SYSTEM]) ?? str(a[OPENINFERENCE_SYSTEM]);
  const vercel = str(a[VERCEL_MODEL_PROVIDER]);
  if (provider === undefined && vercel !== undefined) provider = vercelProvider(vercel);
  // The Vercel AI SDK writes its provider id (openai.chat) to gen_ai.system; dotted semconv names
  // (aws.bedrock, OpenLLMetry's az.ai.openai and gcp.gen_ai) are names of their own.
  if (provider === undefined && system !== undefined)
    provider =
      system.includes('.') && !DOTTED_PROVIDER_NAMES.has(system.toLowerCase())
        ? vercelProvider(system)
        : system;
  return provider?.toLowerCase();
}

/** gen_ai.system / gen_ai.provider.name values with a dot that are not a Vercel AI SDK provider id. */
const DOTTED_PROVIDER_NAMES = new Set<string>([
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI,
  'azure.ai.inference',
  // OpenLLMetry's (opentelemetry-semantic-conventions-ai GenAISystem) and OpenLIT's own names.
  'az.ai.openai',
  'az.ai.inference',
  'gcp.gen_ai',
  'ibm.watsonx.ai',
  'ibm.watson.ai',
]);

/** Read an inference span's call from its attributes, or undefined when it is not one (pure). */
export function readPeerSpan(name: string, a: AttributeBag): PeerCall | undefined {
  const operation = inferenceOperation(name, a);
  if (operation === undefined) return undefined;
  const provider = readProvider(a);
  if (provider === undefined) return undefined;
  const call: PeerCall = { operation, provider };
  const usage = readUsage(a);
  if (usage !== undefined) call.usage = usage;
  const requestModel =
    str(a[ATTR_GEN_AI_REQUEST_MODEL]) ?? str(a[VERCEL_MODEL_ID]) ?? str(a[OPENINFERENCE_MODEL]);
  const responseModel = str(a[ATTR_GEN_AI_RESPONSE_MODEL]) ?? str(a[VERCEL_RESPONSE_MODEL]);
  if (requestModel !== undefined) call.requestModel = requestModel;
  if (responseModel !== undefined) call.responseModel = responseModel;
  const tier = str(a[ATTR_GEN_AI_OPENAI_REQUEST_SERVICE_TIER]);
  if (tier !== undefined) call.serviceTier = tier;
  return call;
}

/** Whether a span already carries a cost, or tokenmeter's verdict on it (priced or not): it keeps it. */
export function hasCostVerdict(a: AttributeBag): boolean {
  return (
    a[ATTR_GEN_AI_USAGE_COST] !== undefined ||
    a[ATTR_GEN_AI_USAGE_COST_AMOUNT] !== undefined ||
    a[ATTR_TOKENMETER_PRICING_MATCH] !== undefined
  );
}

/** The response id a span carries (to recognise a call tokenmeter priced already). */
export function peerResponseId(a: AttributeBag): string | undefined {
  return str(a[ATTR_GEN_AI_RESPONSE_ID]);
}

/** A priced (or unpriced, with its reason) inference span. */
export interface PricedPeerSpan {
  call: PeerCall;
  outcome: PriceOutcome;
  /** The attributes to add to the span: tokenmeter.pricing.match and, when priced, the cost. */
  attributes: Attributes;
}

/**
 * Price an inference span from its attributes: undefined when it is not one, or when it already has
 * a cost or a tokenmeter verdict. Never throws.
 */
export function pricePeerSpan(
  name: string,
  a: AttributeBag,
  startTimeMs: number,
  costAttributes: CostAttributeNames,
): PricedPeerSpan | undefined {
  if (hasCostVerdict(a)) return undefined;
  const call = readPeerSpan(name, a);
  if (call === undefined) return undefined;
  const outcome = priceRequest({
    provider: call.provider,
    model: call.responseModel ?? call.requestModel,
    usage: call.usage,
    timestampMs: startTimeMs || Date.now(),
    serviceTier: call.serviceTier,
  });
  const attributes: Attributes = { [ATTR_TOKENMETER_PRICING_MATCH]: outcome.match };
  if (outcome.cost !== null) writeCostAttributes(attributes, outcome.cost, costAttributes);
  return { call, outcome, attributes };
}

/** Where a priced peer span sits: times and ids, from the SDK span or the OTLP span. */
export interface PeerSpanPlace {
  startTimeMs: number;
  durationMs: number;
  traceId?: string;
  spanId?: string;
  sampled: boolean;
}

/** The CallRecord of a priced peer span (metrics, the store), with its attribution attributes. */
export function peerCallRecord(priced: PricedPeerSpan, a: AttributeBag, place: PeerSpanPlace): CallRecord {
  const { call, outcome } = priced;
  const attribution: Attribution = {};
  const feature = str(a[ATTR_TOKENMETER_FEATURE]);
  const user = str(a[ATTR_TOKENMETER_USER_ID]);
  const tenant = str(a[ATTR_TOKENMETER_TENANT_ID]);
  if (feature !== undefined) attribution.feature = feature;
  if (user !== undefined) attribution.user = user;
  if (tenant !== undefined) attribution.tenant = tenant;
  const record: CallRecord = {
    startTimeMs: place.startTimeMs,
    durationMs: place.durationMs,
    provider: call.provider,
    operation: call.operation,
    stream: false,
    usageEstimated: false,
    cost: outcome.cost,
    pricingMatch: outcome.match,
    attribution,
    sampled: place.sampled,
  };
  if (call.usage !== undefined) record.usage = call.usage;
  if (place.traceId !== undefined) record.traceId = place.traceId;
  if (place.spanId !== undefined) record.spanId = place.spanId;
  if (call.requestModel !== undefined) record.requestModel = call.requestModel;
  if (call.responseModel !== undefined) record.responseModel = call.responseModel;
  if (call.serviceTier !== undefined) record.serviceTier = call.serviceTier;
  const responseId = peerResponseId(a);
  if (responseId !== undefined) record.responseId = responseId;
  const host = str(a[ATTR_SERVER_ADDRESS]);
  if (host !== undefined) {
    record.serverAddress = host;
    const port = num(a[ATTR_SERVER_PORT]);
    if (port !== undefined) record.serverPort = port;
  }
  return record;
}
