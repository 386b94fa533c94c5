// @tokenmeter/instrumentation/preload: what a distro needs at start-up, without what observes a call.
// TokenmeterInstrumentation registers its SDK hooks and wraps the global fetch; the fetch path (request
// recognition, the adapters, the call and span code, the pricing glue) and Bedrock's middleware load
// with the first call. The same classes and functions as the main entry (one copy of each), so a
// distro may import both. `loadPricing()` gives @tokenmeter/pricing as the calls are priced with,
// loaded when the distro first needs it (a pricing file, the warm-up at the first request).
export { attributionBaggage, getAttribution } from './attribution.js';
export { completeEndedCalls } from './call-endings.js';
export type { Attribution, CallRecord, CallRecordSink } from './call-record.js';
export { TokenmeterInstrumentation } from './instrumentation.js';
export { loadPricing } from './lazy-pricing.js';
export { createHistogramStore } from './metrics/recorder.js';
export { PATCHED_MODULES } from './patched-modules.js';
export type {
  PreSendDecision,
  PreSendHook,
  PreSendRequest,
  TokenmeterInstrumentationConfig,
} from './types.js';
