export type { AdminFault, BilledUsage, BillingPrice } from './billing.js';
export { DEFAULT_BILLING_PRICES } from './billing.js';
export { decodeEventStream, encodeEventStreamMessage } from './eventstream.js';
export { startMockProvider } from './server.js';
export type {
  FaultKind,
  MockProvider,
  MockProviderOptions,
  RecordedRequest,
  RecordedResponse,
} from './types.js';
export {
  CHARS_PER_TOKEN,
  DEFAULT_REPLY_TOKENS,
  GEMINI_CACHED_CONTENT_TOKENS,
  IMPLICIT_CACHE_MIN_TOKENS,
  ITEM_OVERHEAD_TOKENS,
  MEDIA_TOKENS,
  REASONING_TOKENS,
} from './usage.js';
