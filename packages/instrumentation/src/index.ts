// @tokenmeter/instrumentation: every LLM call made through fetch (or the AWS SDK for Bedrock)
// becomes a priced GenAI span, a CallRecord and cost metrics.
import * as fetchPath from './fetch/instrument-fetch.js';
import { provideFetchPath } from './fetch/lazy-fetch.js';

// Imported here anyway (instrumentFetch below): wrappers made before their first call need not load it.
provideFetchPath(fetchPath);

export { isKnownProviderHost } from './adapters/index.js';
export {
  attributionBaggage,
  getAttribution,
  type WithAttributionOptions,
  withAttribution,
} from './attribution.js';
export { ERROR_TYPE_INCOMPLETE_STREAM, ERROR_TYPE_MALFORMED_RESPONSE } from './call.js';
export { completeEndedCalls } from './call-endings.js';
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
export { PATCHED_MODULES } from './patched-modules.js';
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

// `@tokenmeter/instrumentation/preload` (preload.ts) exports the part of this a distro needs at
// start-up, without loading the fetch path.
// Not exported: the provider adapters (src/adapters, a pure internal layer whose shapes may change)
// and the runtime's constructor (use TokenmeterInstrumentation#runtime; its `metrics` recorder is
// how the distro hands the call histograms to its own MetricProducer).
