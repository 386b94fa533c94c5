// Private shapes of @tokenmeter/pricing: the bundled snapshot format and the compiled forms the engine
// runs on. Not exported from the package entry point.

import type { MatchLogic } from './types.js';

/**
 * The price keys tokenmeter prices, in the snapshot's integer form. Token keys are micro-USD per
 * million tokens (= USD/Mtok × 1e6 = pico-USD per token); `requests` is micro-USD per thousand
 * requests (= USD/K requests × 1e6 = nano-USD per request).
 */
export const PRICE_KEYS = [
  'input',
  'cache_read',
  'cache_write',
  'cache_write_1h',
  'input_audio',
  'cache_audio_read',
  'output',
  'output_reasoning',
  'output_audio',
  'requests',
] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];

/** genai-prices key (`input_mtok`) of each tokenmeter price key. */
export const GENAI_PRICE_KEY: Record<PriceKey, string> = {
  input: 'input_mtok',
  cache_read: 'cache_read_mtok',
  cache_write: 'cache_write_mtok',
  cache_write_1h: 'cache_write_1h_mtok',
  input_audio: 'input_audio_mtok',
  cache_audio_read: 'cache_audio_read_mtok',
  output: 'output_mtok',
  output_reasoning: 'output_reasoning_mtok',
  output_audio: 'output_audio_mtok',
  requests: 'requests_kcount',
};

/** A price in integer form: flat, or tiered by the request's total input tokens. */
export type IntPrice = number | IntTieredPrice;
export interface IntTieredPrice {
  base: number;
  /** Ascending by `start`; a tier applies when total input tokens > start. */
  tiers: { start: number; price: number }[];
}
export type IntPriceTable = Partial<Record<PriceKey, IntPrice>>;

export type SnapshotConstraint = { start_date: string } | { start_time: string; end_time: string };

export interface SnapshotConditionalPrice {
  constraint?: SnapshotConstraint;
  prices: IntPriceTable;
  /** genai-prices price keys present here that tokenmeter does not price (web searches, images, ...). */
  other_units?: string[];
}

export interface SnapshotModel {
  id: string;
  name?: string;
  match: MatchLogic;
  context_window?: number;
  deprecated?: boolean;
  price_comments?: string;
  /** One entry per price period; the engine takes the last whose constraint holds (genai-prices' rule). */
  prices: SnapshotConditionalPrice[];
}

export interface SnapshotProvider {
  id: string;
  name: string;
  api_pattern?: string;
  pricing_urls?: string[];
  model_match?: MatchLogic;
  provider_match?: MatchLogic;
  fallback_model_providers?: string[];
  models: SnapshotModel[];
}

export type ServiceTier = 'standard' | 'batch' | 'flex' | 'priority';

/** A price rule for a non-standard service tier (from src/catalog/supplements.yaml). */
export interface ServiceTierRule {
  provider: string;
  tier: Exclude<ServiceTier, 'standard'>;
  /** Matched against the catalog model id that priced the call; absent = every model of the provider. */
  match?: MatchLogic;
  /** Decimal multiplier applied to the standard prices, e.g. '0.5'. */
  multiplier?: string;
  /** Explicit prices for the tier (replace the standard ones). */
  prices?: IntPriceTable;
  price_comments: string;
}

export interface CatalogSnapshot {
  /** e.g. `genai-prices@0.1.8`. */
  version: string;
  providers: SnapshotProvider[];
  service_tiers: ServiceTierRule[];
  /** `provider/model` ids of models added by tokenmeter's supplements (kept across refreshes). */
  supplement_models?: string[];
}

/** An exact rational multiplier num/den (den > 0). */
export interface Rational {
  num: number;
  den: number;
}
