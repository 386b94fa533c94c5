// Public types of @tokenmeter/pricing. Implementations must keep these shapes: the instrumentation,
// the store and the CLI are written against them.

/**
 * Token counts with the OpenTelemetry GenAI meaning. Each provider adapter normalises its wire format
 * to this before pricing.
 * - `inputTokens` INCLUDES cached tokens, both those read from and those written to the cache.
 * - `outputTokens` INCLUDES reasoning (thinking) tokens.
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens read from the provider's prompt cache (part of `inputTokens`). */
  cacheReadTokens?: number;
  /** Input tokens written to the provider's prompt cache (part of `inputTokens`). */
  cacheWriteTokens?: number;
  /** Of `cacheWriteTokens`, those written with a 1-hour TTL (Anthropic); the rest are 5-minute writes. */
  cacheWrite1hTokens?: number;
  /** Output tokens spent on reasoning (part of `outputTokens`). */
  reasoningTokens?: number;
  /** Input audio tokens (part of `inputTokens`), priced at the audio rate where the catalog has one. */
  inputAudioTokens?: number;
  /** Output audio tokens (part of `outputTokens`). */
  outputAudioTokens?: number;
}

export interface CostInput {
  /** gen_ai.provider.name (openai, anthropic, gcp.gemini, aws.bedrock, azure.ai.openai, ...) or a catalog provider id. */
  provider: string;
  /** The model to price: the response model when known, else the request model. */
  model: string;
  usage: TokenUsage;
  /** When the call happened; selects the price in effect then. Default: now. */
  timestamp?: Date | number;
  /** OpenAI service tier (`flex`, `priority`, `default`, `auto`, `scale`) or equivalent. */
  serviceTier?: string;
  /** Sent through a batch API (priced at the provider's batch discount). */
  batch?: boolean;
  /** The request URL's origin, e.g. `https://myres.openai.azure.com`; helps match a provider and Azure deployments. */
  baseUrl?: string;
}

/** How the model was matched, or why it could not be. Values of tokenmeter.pricing.match. */
export type MatchQuality =
  | 'exact'
  | 'pattern'
  | 'fallback_provider'
  | 'override'
  | 'deployment'
  | 'unknown_model'
  | 'unknown_provider'
  | 'no_usage';

/** Values of tokenmeter.pricing.source. */
export type PriceSource = 'catalog' | 'refreshed_catalog' | 'override' | 'provider';

/**
 * A priced call. Amounts are exact integer nano-dollars (1e-9 USD) in the `*Nanos` fields; the `*Usd`
 * fields are the same amounts as doubles, for display and span attributes.
 * totalNanos === inputNanos + outputNanos + cacheReadNanos + cacheWriteNanos + requestNanos.
 */
export interface CostResult {
  totalUsd: number;
  inputUsd: number;
  outputUsd: number;
  cacheReadUsd: number;
  cacheWriteUsd: number;
  totalNanos: number;
  inputNanos: number;
  outputNanos: number;
  cacheReadNanos: number;
  cacheWriteNanos: number;
  /** A fixed per-request fee, where the price list has one. */
  requestNanos: number;
  currency: 'USD';
  /** The catalog (or override) provider id whose prices applied, e.g. `openai`, `google`, `aws`. */
  provider: string;
  /** The catalog (or override) model id that matched, e.g. `gpt-4o-mini`. */
  modelId: string;
  match: Exclude<MatchQuality, 'unknown_model' | 'unknown_provider' | 'no_usage'>;
  source: PriceSource;
  /** Version of the price data, e.g. `genai-prices@0.1.8`. */
  version: string;
  /** The tier the price was taken for: `standard`, `batch`, `flex`, `priority`. */
  serviceTier: string;
  /** A multiplier applied by a user discount (1 when none). */
  discount: number;
}
