// The CallRecord of one priced openai chat completion to a loopback server, as the preload hands it
// to the metrics recorder and the store writer (the in-process A/B diagnostics' calls): 9 input and
// 3 output tokens of gpt-4o-mini.
import { randomBytes } from 'node:crypto';
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_COST_AMOUNT,
  ATTR_GEN_AI_USAGE_COST_CURRENCY,
  ATTR_GEN_AI_USAGE_COST_SOURCE,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TOKENMETER_COST_CURRENCY,
  ATTR_TOKENMETER_COST_INPUT,
  ATTR_TOKENMETER_COST_OUTPUT,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_PRICING_MODEL_ID,
  ATTR_TOKENMETER_PRICING_PROVIDER_ID,
  ATTR_TOKENMETER_PRICING_VERSION,
} from '@tokenmeter/semconv';
import type { CallRecord } from '../../packages/instrumentation/src/call-record.js';

const COST: NonNullable<CallRecord['cost']> = {
  totalUsd: 0.00000315,
  inputUsd: 0.00000135,
  outputUsd: 0.0000018,
  cacheReadUsd: 0,
  cacheWriteUsd: 0,
  totalNanos: 3150,
  inputNanos: 1350,
  outputNanos: 1800,
  cacheReadNanos: 0,
  cacheWriteNanos: 0,
  requestNanos: 0,
  currency: 'USD',
  provider: 'openai',
  modelId: 'gpt-4o-mini',
  match: 'exact',
  source: 'catalog',
  version: '0.0.40',
  serviceTier: 'default',
  discount: 1,
};

/** The record of call number `i` (its duration varies a little); ids and the response model are the caller's. */
export function pricedChatRecord(i: number, responseModel = 'gpt-4o-mini-2024-07-18'): CallRecord {
  return {
    startTimeMs: Date.now(),
    durationMs: 0.8 + (i % 7) / 10,
    provider: 'openai',
    operation: 'chat',
    stream: false,
    serverAddress: '127.0.0.1',
    serverPort: 8080,
    requestModel: 'gpt-4o-mini',
    responseModel,
    finishReasons: ['stop'],
    usage: { inputTokens: 9, outputTokens: 3, cacheReadTokens: 0, reasoningTokens: 0 },
    usageEstimated: false,
    cost: COST,
    pricingMatch: 'exact',
    attribution: {},
    httpStatus: 200,
    sampled: true,
  };
}

/** Call number `i` as the preload hands it to the store's writer: the priced record with unique ids. */
export function storedChatRecord(
  i: number,
): CallRecord & { responseId: string; traceId: string; spanId: string } {
  return {
    ...pricedChatRecord(i),
    responseId: `chatcmpl-${i}-${randomBytes(6).toString('hex')}`,
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
  };
}

/**
 * The span attributes of call number `i` (the same priced call: 23 attributes, ~960 bytes encoded),
 * for the OTLP writer and span-retention diagnostics.
 */
export function pricedChatSpanAttributes(i: number): Attributes {
  return {
    [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
    [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
    [ATTR_SERVER_ADDRESS]: '127.0.0.1',
    [ATTR_SERVER_PORT]: 41234,
    [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
    [ATTR_GEN_AI_RESPONSE_ID]: `chatcmpl-${i}-${Math.random().toString(36).slice(2)}`,
    [ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-4o-mini-2024-07-18',
    [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['stop'],
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 9,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 3,
    [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 0,
    [ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: 0,
    [ATTR_TOKENMETER_PRICING_MATCH]: 'exact',
    [ATTR_GEN_AI_USAGE_COST]: 0.00000315,
    [ATTR_GEN_AI_USAGE_COST_AMOUNT]: 0.00000315,
    [ATTR_GEN_AI_USAGE_COST_CURRENCY]: 'USD',
    [ATTR_GEN_AI_USAGE_COST_SOURCE]: 'local',
    [ATTR_TOKENMETER_COST_INPUT]: 0.00000135,
    [ATTR_TOKENMETER_COST_OUTPUT]: 0.0000018,
    [ATTR_TOKENMETER_COST_CURRENCY]: 'USD',
    [ATTR_TOKENMETER_PRICING_VERSION]: '0.0.40',
    [ATTR_TOKENMETER_PRICING_PROVIDER_ID]: 'openai',
    [ATTR_TOKENMETER_PRICING_MODEL_ID]: 'gpt-4o-mini',
  };
}
