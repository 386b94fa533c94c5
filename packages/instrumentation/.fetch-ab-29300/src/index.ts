// @tokenmeter/instrumentation: every LLM call made through fetch (or the AWS SDK for Bedrock)
// becomes a priced GenAI span, a CallRecord and cost metrics.
import { ANTHROPIC_MODULE } from './patches/anthropic.js';
import { BEDROCK_MODULE } from './patches/bedrock.js';
import { GOOGLE_GENAI_MODULE } from './patches/google-genai.js';
import { OPENAI_MODULE } from './patches/openai.js';

export { isKnownProviderHost } from './adapters/index.js';
export {
  attributionBaggage,
  getAttribution,
  type WithAttributionOptions,
  withAttribution,
} from './attribution.js';
export { ERROR_TYPE_INCOMPLETE_STREAM, ERROR_TYPE_MALFORMED_RESPONSE } from './call.js';
export type { Attribution, CallRecord, CallRecordSink } from './call-record.js';
export { writeCostAttributes } from './cost-attributes.js';
export {
  COST_SPAN_PROCESSOR_COMPONENT,
  CostSpanProcessor,
  type CostSpanProcessorOptions,
  type ReadableSpanLike,
  type SpanProcessorLike,
  type WritableSpanLike,
} from './cost-span-processor.js';
export { estimateRequestTokens, MEDIA_INPUT_TOKENS } from './estimate/request-tokens.js';
export { type InstrumentFetchOptions, instrumentFetch, isInstrumented } from './fetch/instrument-fetch.js';
export { TokenmeterInstrumentation } from './instrumentation.js';
export type { HistogramCell, HistogramStore, StoredHistogram } from './metrics/histogram-store.js';
export {
  createHistogramStore,
  MetricsRecorder,
  sharedMetrics as metricsRecorder,
} from './metrics/recorder.js';
export {
  type AttributeBag,
  hasCostVerdict,
  type PeerCall,
  type PeerSpanPlace,
  type PricedPeerSpan,
  peerCallRecord,
  peerResponseId,
  pricePeerSpan,
  readPeerSpan,
} from './peer-span.js';
export type { TokenmeterRuntime } from './runtime.js';
export { SUPPORTED_SDKS, type SupportedSdk, versionRange } from './supported-sdks.js';
export type {
  CostAttributeNames,
  OpenAIStreamUsageMode,
  PreSendDecision,
  PreSendHook,
  PreSendRequest,
  ProviderEndpoint,
  TokenmeterInstrumentationConfig,
} from './types.js';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

/**
 * The modules TokenmeterInstrumentation patches: the include list for the ESM loader hook
 * (`module.register('import-in-the-middle/hook.mjs', ..., { data: { include: PATCHED_MODULES } })`).
 */
export const PATCHED_MODULES: readonly string[] = Object.freeze([
  OPENAI_MODULE,
  ANTHROPIC_MODULE,
  GOOGLE_GENAI_MODULE,
  BEDROCK_MODULE,
]);

// Not exported: the provider adapters (src/adapters, a pure internal layer whose shapes may change)
// and the runtime's constructor (use TokenmeterInstrumentation#runtime; its `metrics` recorder is
// how the distro hands the call histograms to its own MetricProducer).
