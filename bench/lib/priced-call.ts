// The CallRecord of one priced openai chat completion to a loopback server, as the preload hands it
// to the metrics recorder and the store writer (the in-process A/B diagnostics' calls): 9 input and
// 3 output tokens of gpt-4o-mini.
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
