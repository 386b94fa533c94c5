import type { CostResult, MatchQuality, TokenUsage } from '@tokenmeter/pricing';

/** Who and what a call is spent for (tokenmeter.feature, tokenmeter.user.id, tokenmeter.tenant.id). */
export interface Attribution {
  feature?: string;
  user?: string;
  tenant?: string;
}

/**
 * One LLM call, as observed at the capture point and priced. The single record every sink reads:
 * span attributes, metrics, the local store and budgets. Holds no message content.
 */
export interface CallRecord {
  /** Wall-clock start, epoch milliseconds. */
  startTimeMs: number;
  /** From request start to the end of the response (the terminal stream event for streams). */
  durationMs: number;
  /** Streams: from request start to the first body chunk. */
  timeToFirstChunkMs?: number;
  /**
   * gen_ai.provider.name: the provider whose price list priced the call. Through a gateway or to an
   * unknown host that is the provider inferred from the model (`pricingMatch` inferred_provider);
   * `serverAddress` and `gateway` say where the call went.
   */
  provider: string;
  /** gen_ai.operation.name */
  operation: string;
  requestModel?: string;
  responseModel?: string;
  responseId?: string;
  finishReasons?: string[];
  stream: boolean;
  serverAddress?: string;
  serverPort?: number;
  /** The service tier the request asked for (OpenAI `service_tier`, ...). */
  serviceTier?: string;
  batch?: boolean;
  /** A call read from batch results: the batch, when the results URL names it (Anthropic). */
  batchId?: string;
  /** A call read from batch results: the custom id the application gave the request. */
  batchCustomId?: string;
  /** Normalised usage (input includes cached, output includes reasoning). Absent when unknown. */
  usage?: TokenUsage;
  /** True when `usage` was counted locally because the provider reported none. */
  usageEstimated: boolean;
  /**
   * The call's cost, or null when no price is known (see `pricingMatch`): the cost the provider or
   * gateway reported (`cost.source` = `provider`: OpenRouter's usage.cost, LiteLLM's
   * x-litellm-response-cost) when it did, else tokenmeter's own computation.
   */
  cost: CostResult | null;
  /**
   * tokenmeter's own computation for a call whose `cost` the provider reported (so drift shows);
   * absent otherwise (then `cost` is the local computation), or when the model has no local price.
   */
  localCost?: CostResult;
  /** The AI gateway the call went through (tokenmeter.ai_gateway.name), when known. */
  gateway?: string;
  /** How the price was matched, or why the call is unpriced. */
  pricingMatch: MatchQuality;
  /** error.type: the HTTP status code as a string, or an error class name (AbortError, TypeError). */
  errorType?: string;
  httpStatus?: number;
  attribution: Attribution;
  traceId?: string;
  spanId?: string;
  /** Whether the span was sampled; the record reaches metrics, store and budgets either way. */
  sampled: boolean;
  /** What a budget did to the call before it was sent: blocked (never sent, $0) or routed. */
  budgetOutcome?: 'blocked' | 'routed';
  /** The budget that blocked or routed the call. */
  budgetName?: string;
  /** The model the application asked for, when a route-cheap budget sent `requestModel` instead. */
  requestedModel?: string;
  /**
   * The call's budget reservation, set by the pre-send hook's settle: the local store deletes the
   * reservation in the transaction that stores the call.
   */
  budgetRef?: string;
}

/** Receives every finished CallRecord (metrics, the local store, budgets). Must not throw and must return fast. */
export type CallRecordSink = (record: CallRecord) => void;
