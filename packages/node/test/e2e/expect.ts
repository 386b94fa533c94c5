// Assertions shared by the e2e tests: what a priced GenAI span must carry.
import assert from 'node:assert/strict';
import { calculateCost, catalogVersion, type TokenUsage } from '@tokenmeter/pricing';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_TOKENMETER_COST_CACHE_READ,
  ATTR_TOKENMETER_COST_CACHE_WRITE,
  ATTR_TOKENMETER_COST_CURRENCY,
  ATTR_TOKENMETER_COST_INPUT,
  ATTR_TOKENMETER_COST_OUTPUT,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_PRICING_SOURCE,
  ATTR_TOKENMETER_PRICING_VERSION,
  ATTR_TOKENMETER_USAGE_ESTIMATED,
  TOKENMETER_PRICING_SOURCE_VALUE_CATALOG,
} from '@tokenmeter/semconv';
import type { ReceivedSpan } from '../../../../test-support/otlp-receiver.js';

/** OTLP's number for SpanKind CLIENT. */
export const OTLP_KIND_CLIENT = 3;
/** OTLP's number for the ERROR status. */
export const OTLP_STATUS_ERROR = 2;

const nanos = (usd: unknown) => Math.round(Number(usd) * 1e9);

export interface PricedExpectation {
  provider: string;
  operation: string;
  requestModel: string;
  /** Usage as the app's SDK reported it, normalised (input includes cached). */
  usage: TokenUsage;
  /** Matching quality expected (default exact). */
  match?: string;
}

/** A CLIENT span named `{operation} {model}` with the usage the app saw and its exact price. */
export function assertPricedSpan(span: ReceivedSpan | undefined, e: PricedExpectation, label: string): void {
  assert.ok(span, `${label}: no span`);
  const a = span.attributes;
  assert.equal(span.name, `${e.operation} ${e.requestModel}`, `${label}: span name`);
  assert.equal(span.kind, OTLP_KIND_CLIENT, `${label}: kind CLIENT`);
  assert.notEqual(span.status.code, OTLP_STATUS_ERROR, `${label}: status`);
  assert.equal(a[ATTR_GEN_AI_OPERATION_NAME], e.operation, `${label}: operation`);
  assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], e.provider, `${label}: provider`);
  assert.equal(a[ATTR_GEN_AI_REQUEST_MODEL], e.requestModel, `${label}: request model`);
  assert.equal(
    a[ATTR_GEN_AI_USAGE_INPUT_TOKENS],
    e.usage.inputTokens,
    `${label}: input tokens (cached included)`,
  );
  assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], e.usage.outputTokens, `${label}: output tokens`);
  assert.equal(
    a[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] ?? 0,
    e.usage.cacheReadTokens ?? 0,
    `${label}: cache read`,
  );
  assert.equal(
    a[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] ?? 0,
    e.usage.cacheWriteTokens ?? 0,
    `${label}: cache write`,
  );
  assert.notEqual(a[ATTR_TOKENMETER_USAGE_ESTIMATED], true, `${label}: usage reported, not estimated`);

  const model = String(a[ATTR_GEN_AI_RESPONSE_MODEL] ?? e.requestModel);
  const expected = calculateCost({ provider: e.provider, model, usage: e.usage });
  assert.ok(expected, `${label}: calculateCost prices ${e.provider}/${model}`);
  assert.equal(nanos(a[ATTR_GEN_AI_USAGE_COST]), expected.totalNanos, `${label}: cost to the nano-dollar`);
  assert.equal(nanos(a[ATTR_TOKENMETER_COST_INPUT] ?? 0), expected.inputNanos, `${label}: input cost`);
  assert.equal(nanos(a[ATTR_TOKENMETER_COST_OUTPUT] ?? 0), expected.outputNanos, `${label}: output cost`);
  assert.equal(
    nanos(a[ATTR_TOKENMETER_COST_CACHE_READ] ?? 0),
    expected.cacheReadNanos,
    `${label}: cache read cost`,
  );
  assert.equal(
    nanos(a[ATTR_TOKENMETER_COST_CACHE_WRITE] ?? 0),
    expected.cacheWriteNanos,
    `${label}: cache write cost`,
  );
  assert.equal(a[ATTR_TOKENMETER_COST_CURRENCY], 'USD', `${label}: currency`);
  assert.equal(
    a[ATTR_TOKENMETER_PRICING_SOURCE],
    TOKENMETER_PRICING_SOURCE_VALUE_CATALOG,
    `${label}: pricing source`,
  );
  assert.equal(a[ATTR_TOKENMETER_PRICING_VERSION], catalogVersion, `${label}: pricing version`);
  assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], e.match ?? expected.match, `${label}: pricing match`);
}

/** A CLIENT span that recorded the failure and carries no cost. */
export function assertErrorSpan(
  span: ReceivedSpan | undefined,
  errorType: string | RegExp,
  label: string,
): void {
  assert.ok(span, `${label}: no span`);
  assert.equal(span.kind, OTLP_KIND_CLIENT, `${label}: kind CLIENT`);
  assert.equal(span.status.code, OTLP_STATUS_ERROR, `${label}: status ERROR`);
  const t = String(span.attributes[ATTR_ERROR_TYPE]);
  if (typeof errorType === 'string') assert.equal(t, errorType, `${label}: error.type`);
  else assert.match(t, errorType, `${label}: error.type`);
  assert.equal(span.attributes[ATTR_GEN_AI_USAGE_COST], undefined, `${label}: no cost`);
}

/** A span with no cost at all (never a made-up $0). */
export function assertUnpricedSpan(span: ReceivedSpan | undefined, label: string): void {
  assert.ok(span, `${label}: no span`);
  assert.equal(span.kind, OTLP_KIND_CLIENT, `${label}: kind CLIENT`);
  assert.equal(span.attributes[ATTR_GEN_AI_USAGE_COST], undefined, `${label}: no cost`);
}

/** OpenAI chat-completions usage → the normalised TokenUsage. */
export function openaiChatUsage(u: {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}): TokenUsage {
  return {
    inputTokens: u.prompt_tokens,
    outputTokens: u.completion_tokens,
    cacheReadTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

/** OpenAI Responses usage → TokenUsage. */
export function openaiResponsesUsage(u: {
  input_tokens: number;
  output_tokens: number;
  input_tokens_details?: { cached_tokens?: number };
  output_tokens_details?: { reasoning_tokens?: number };
}): TokenUsage {
  return {
    inputTokens: u.input_tokens,
    outputTokens: u.output_tokens,
    cacheReadTokens: u.input_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: u.output_tokens_details?.reasoning_tokens ?? 0,
  };
}

/** The scenario lines an app printed, by scenario name. */
export function byScenario(json: Record<string, unknown>[]): Map<string, Record<string, unknown>> {
  const m = new Map<string, Record<string, unknown>>();
  for (const j of json) if (typeof j.scenario === 'string') m.set(j.scenario, j);
  return m;
}
