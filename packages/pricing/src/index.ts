// @tokenmeter/pricing: the one pricing engine of tokenmeter.

export { bundledCatalog, catalogFromGenaiPrices, catalogVersion } from './catalog-data.js';
export { MAX_MODEL_NAME_LENGTH, validateCostInput } from './cost-input.js';
export { MAX_TOKENS, validateUsage } from './engine.js';
export { CatalogDataError } from './errors/CatalogDataError.js';
export { PricingConfigError } from './errors/PricingConfigError.js';
export { PricingInputError } from './errors/PricingInputError.js';
export { TokenmeterError } from './errors/TokenmeterError.js';
export {
  loadPricingFile,
  loadPricingFileFromEnv,
  MAX_PRICING_FILE_BYTES,
  PRICING_FILE_ENV,
  parsePricingOverrides,
  validateOverrides,
} from './overrides.js';
export {
  calculateCost,
  configurePricing,
  createPricer,
  explainPrice,
  getDefaultPricer,
  listCatalogModels,
  priceCall,
  priceValidUsage,
} from './pricer.js';
export { PROVIDER_NAME_TO_CATALOG, providerNameOfCatalog, SELF_HOSTED_PROVIDERS } from './providers.js';
export { GENAI_PRICES_DATA_URL, startCatalogRefresh } from './refresh.js';
export type {
  CatalogData,
  CatalogModelInfo,
  CatalogRefreshHandle,
  CatalogRefreshOptions,
  CostInput,
  CostResult,
  MatchLogic,
  MatchQuality,
  OverrideConditionalPrice,
  OverrideModel,
  OverridePriceKey,
  OverridePrices,
  PriceCallResult,
  PriceExplanation,
  Pricer,
  PricerOptions,
  PriceSource,
  PriceTableUsd,
  PricingFileResult,
  PricingOverrides,
  PricingProblem,
  TieredPrice,
  TokenUsage,
  UnpricedReason,
} from './types.js';
// Not exported: the snapshot format and compiled forms (internal-types.ts, catalog/compile.ts); they
// change with the engine. Use CatalogData values from bundledCatalog() / catalogFromGenaiPrices().
