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
  /**
   * Of `cacheReadTokens`, the audio tokens read from the cache (also part of `inputAudioTokens`),
   * priced at the cached-audio rate where the catalog has one (OpenAI realtime, Gemini).
   */
  cacheAudioReadTokens?: number;
}

export interface CostInput {
  /** gen_ai.provider.name (openai, anthropic, gcp.gemini, aws.bedrock, azure.ai.openai, ...) or a catalog provider id. */
  provider: string;
  /** The model to price: the response model when known, else the request model. */
  model: string;
  usage: TokenUsage;
  /** When the call happened; selects the price in effect then. Default: now. */
  timestamp?: Date | number | undefined;
  /** OpenAI service tier (`flex`, `priority`, `default`, `auto`, `scale`) or equivalent. */
  serviceTier?: string | undefined;
  /** Sent through a batch API (priced at the provider's batch discount). */
  batch?: boolean | undefined;
  /** The request URL's origin, e.g. `https://myres.openai.azure.com`; helps match a provider and Azure deployments. */
  baseUrl?: string | undefined;
  /**
   * Infer the provider from the model name, the way genai-prices does (`gpt-*` is openai,
   * `claude-*` anthropic, a vendor prefix such as `anthropic/` names the vendor), for calls that
   * went through a gateway or to an unknown host:
   * - `first`: the inferred provider prices the call; `provider` only when nothing is inferred or
   *   the inferred provider does not price the model (a user override for it, say).
   * - `fallback`: `provider` prices the call; the inferred one only when `provider` does not price
   *   the model (a declared endpoint whose name is not a price list, or that lacks the model).
   * Priced through the inferred provider, the match is `inferred_provider` (`override` stays).
   * Absent: `provider` alone, as always.
   */
  providerFromModel?: 'first' | 'fallback' | undefined;
}

/** How the model was matched, or why it could not be. Values of tokenmeter.pricing.match. */
export type MatchQuality =
  | 'exact'
  | 'pattern'
  | 'fallback_provider'
  | 'override'
  | 'deployment'
  /** The provider was inferred from the model name (`CostInput.providerFromModel`). */
  | 'inferred_provider'
  | 'unknown_model'
  | 'unknown_provider'
  | 'no_usage'
  /** The provider reported token counts that are not valid (set by the instrumentation; never by `calculateCost`). */
  | 'invalid_usage'
  /**
   * The cost is the one the provider or an AI gateway reported and the model has no local price (set
   * by the instrumentation; never by `calculateCost`). With a local price the match is the local one's.
   */
  | 'provider_reported';

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
  /** `requestNanos` in USD. Added by @tokenmeter/pricing (not in the original contract). */
  requestUsd?: number;
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
  match: Exclude<MatchQuality, 'unknown_model' | 'unknown_provider' | 'no_usage' | 'invalid_usage'>;
  source: PriceSource;
  /** Version of the price data, e.g. `genai-prices@0.1.8`. */
  version: string;
  /** The tier the price was taken for: `standard`, `batch`, `flex`, `priority`. */
  serviceTier: string;
  /** A multiplier applied by a user discount (1 when none). */
  discount: number;
}

/** A model-name rule in genai-prices' words. Matching is case-insensitive. */
export type MatchLogic =
  | { equals: string }
  | { starts_with: string }
  | { ends_with: string }
  | { contains: string }
  | { regex: string }
  | { or: MatchLogic[] }
  | { and: MatchLogic[] };

/** A price tiered by the request's total input tokens: `price` applies to the whole request above `start`. */
export interface TieredPrice {
  base: number | string;
  tiers: { start: number; price: number | string }[];
}

/** Price keys accepted in overrides, with genai-prices' unit suffixes (USD per Mtok, per K requests). */
export type OverridePriceKey =
  | 'input_mtok'
  | 'output_mtok'
  | 'cache_read_mtok'
  | 'cache_write_mtok'
  | 'cache_write_1h_mtok'
  | 'input_audio_mtok'
  | 'cache_audio_read_mtok'
  | 'output_audio_mtok'
  | 'output_reasoning_mtok'
  | 'requests_kcount';

/** Prices in USD: a decimal number or a decimal string (`'0.075'`), flat or tiered. */
export type OverridePrices = Partial<Record<OverridePriceKey, number | string | TieredPrice>>;

export interface OverrideConditionalPrice {
  /** The prices apply from this UTC date (`YYYY-MM-DD`); absent = from the beginning. */
  constraint?: { start_date: string };
  prices: OverridePrices;
}

/** A user-priced model (custom, fine-tuned or self-hosted). */
export interface OverrideModel {
  /** The model id reported in `CostResult.modelId`. Matched exactly when `match` is absent. */
  id: string;
  /** Only for calls to this provider (gen_ai.provider.name or catalog id); absent = any provider. */
  provider?: string;
  name?: string;
  match?: MatchLogic;
  prices: OverridePrices | OverrideConditionalPrice[];
  price_comments?: string;
  prices_checked?: string;
  context_window?: number;
}

/** User overrides, in the words of the pricing file (`TOKENMETER_PRICING_FILE`). */
export interface PricingOverrides {
  /** Tried in order, before the catalog. */
  models?: OverrideModel[];
  /** Negotiated multiplier per provider (gen_ai.provider.name or catalog id), e.g. `{ openai: 0.8 }`. */
  discounts?: Record<string, number | string>;
  /** Azure OpenAI deployment name → model name, e.g. `{ 'my-gpt4o': 'gpt-4o' }`. */
  azure_deployments?: Record<string, string>;
}

/** One problem found in a pricing file: where and why. */
export interface PricingProblem {
  file: string;
  /** Path inside the document, e.g. `models[2].prices.input_mtok`; empty for the whole file. */
  path: string;
  reason: string;
}

/** The outcome of reading a pricing file: the valid part, and every problem found. */
export interface PricingFileResult {
  overrides: PricingOverrides;
  problems: PricingProblem[];
}

/** Why a call has no cost, beyond its MatchQuality. */
export type UnpricedReason =
  | 'invalid_input'
  | 'unknown_model'
  | 'unknown_provider'
  | 'self_hosted'
  | 'no_usage'
  | 'unsupported_units';

/** The result of `priceCall`: the cost, how the model was matched, and why there is no cost when null. */
export interface PriceCallResult {
  cost: CostResult | null;
  match: MatchQuality;
  /** Set when `cost` is null. */
  reason?: UnpricedReason;
  /** The input error when `reason` is `invalid_input` or `no_usage`. */
  error?: Error;
  /** The service tier asked for (`standard`, `batch`, `flex`, `priority`); `cost.serviceTier` is the one priced. */
  requestedTier: string;
  /**
   * The catalog provider id inferred from the model name (`CostInput.providerFromModel`), when the
   * result (priced, or `unknown_model`) is that provider's rather than `CostInput.provider`'s.
   */
  inferredProvider?: string;
}

/** A price table in USD per million tokens (and per thousand requests), as `explainPrice` shows it. */
export type PriceTableUsd = Partial<
  Record<OverridePriceKey, number | { base: number; tiers: { start: number; price: number }[] }>
>;

/** The catalog or override entry that prices a model, as the CLI shows it. */
export interface PriceExplanation {
  provider: string;
  modelId: string;
  name?: string;
  match: Exclude<MatchQuality, 'unknown_model' | 'unknown_provider' | 'no_usage' | 'invalid_usage'>;
  source: PriceSource;
  version: string;
  /** The standard prices in effect at `at`. */
  prices: PriceTableUsd;
  at: string;
  /** Constraint of the price period in effect, when the model has several. */
  constraint?: { start_date: string } | { start_time: string; end_time: string };
  /** Service tiers with their own rule for this model: multiplier or prices. */
  serviceTiers: { tier: string; multiplier?: number; prices?: PriceTableUsd; comments: string }[];
  /** Units the catalog prices but tokenmeter does not (web searches, images, ...). */
  otherUnits: string[];
  contextWindow?: number;
  priceComments?: string;
  pricingUrls: string[];
  /** A user discount multiplier for this provider (1 when none). */
  discount: number;
}

/** One model of the catalog, for listings. */
export interface CatalogModelInfo {
  provider: string;
  providerName: string;
  modelId: string;
  name?: string;
  contextWindow?: number;
  deprecated?: boolean;
  source: PriceSource;
}

export interface PricerOptions {
  /** User overrides (validated; invalid ones throw `PricingConfigError`). */
  overrides?: PricingOverrides;
  /** Replace the bundled catalog (tests, or data from `startCatalogRefresh`). */
  catalog?: CatalogData;
  /** Max cached (provider, model) matches before the cache is cleared. Default 10000. */
  matchCacheSize?: number;
}

/**
 * Catalog data in the engine's form. Obtain it from `bundledCatalog()` or `catalogFromGenaiPrices()`;
 * its contents are internal.
 */
export interface CatalogData {
  readonly version: string;
  readonly source: 'catalog' | 'refreshed_catalog';
  /** @internal */
  readonly _snapshot: unknown;
}

export interface Pricer {
  /** The cost of one call, or null when no price is known (never $0 for an unknown model). Never throws. */
  calculateCost(input: CostInput): CostResult | null;
  /** Like `calculateCost`, with the match quality and the reason when unpriced. Never throws. */
  priceCall(input: CostInput): PriceCallResult;
  /** The entry that would price `model` (for `provider`, or inferred from the model name), or null. */
  explainPrice(provider: string | undefined, model: string, at?: Date | number): PriceExplanation | null;
  /** Every model of the active catalog (and of the overrides). */
  listCatalogModels(): CatalogModelInfo[];
  /** Version of the active catalog, e.g. `genai-prices@0.1.8`. */
  readonly catalogVersion: string;
  /** Swap in catalog data (e.g. refreshed); clears the match cache. */
  setCatalog(catalog: CatalogData): void;
}

export interface CatalogRefreshOptions {
  /** URL of a genai-prices-format data.json. Default: genai-prices' own REMOTE_DATA_JSON_URL. */
  url?: string;
  /** Time between fetches. Default 6 hours; minimum 60 s. */
  intervalMs?: number;
  /** Directory for the last good data (`genai-prices-data.json`); absent = no disk cache. */
  cacheDir?: string;
  /** Called on each failed fetch or invalid document. Default: `console.warn`. */
  onError?: (error: Error) => void;
  /** Called after each successful update with the new version. */
  onUpdate?: (version: string) => void;
  /** The pricer to update. Default: the module-level default pricer. */
  pricer?: Pricer;
  /** Timeout of one fetch. Default 30 s. */
  timeoutMs?: number;
  /** fetch implementation. Default: globalThis.fetch. */
  fetch?: typeof fetch;
}

export interface CatalogRefreshHandle {
  /** Fetch now; resolves true when new data was applied. Never rejects. */
  refreshNow(): Promise<boolean>;
  /** Stop the timer. */
  stop(): void;
  /** Resolves once the disk cache (if any) was read and the first fetch finished. Never rejects. */
  readonly ready: Promise<void>;
}
