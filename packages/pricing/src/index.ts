export type {
  CostInput,
  CostResult,
  MatchQuality,
  PriceSource,
  TokenUsage,
} from './types.js';
