// Calls as CSV rows or JSON, for `cost --export`, `calls --csv` and GET /v1/telemetry/export.
import type { CallRow } from '@tokenmeter/store';
import { csvRow } from '../format/csv.js';
import { nanosToDecimal } from '../format/money.js';
import { callToJson } from './json.js';

export const CSV_COLUMNS = [
  'id',
  'start_time',
  'service',
  'provider',
  'operation',
  'request_model',
  'response_model',
  'feature',
  'user',
  'tenant',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'cost_nanos',
  'input_cost_nanos',
  'output_cost_nanos',
  'cache_read_cost_nanos',
  'cache_write_cost_nanos',
  'priced',
  'estimated',
  'pricing_match',
  'pricing_provider',
  'pricing_model',
  'pricing_source',
  'pricing_version',
  'pricing_tier',
  'stream',
  'duration_ms',
  'time_to_first_chunk_ms',
  'error_type',
  'http_status',
  'finish_reasons',
  'response_id',
  'trace_id',
  'span_id',
  'server_address',
  // Added later: appended, so the columns above keep their places.
  'cost_reported',
  'local_cost_usd',
  'local_cost_nanos',
  'gateway',
  'batch',
  'batch_id',
  'batch_custom_id',
] as const;

export function csvHeader(): string {
  return csvRow(CSV_COLUMNS);
}

export function callToCsv(r: CallRow): string {
  return csvRow([
    r.id,
    new Date(r.startTimeMs).toISOString(),
    r.service,
    r.provider,
    r.operation,
    r.requestModel,
    r.responseModel,
    r.feature,
    r.user,
    r.tenant,
    r.inputTokens,
    r.outputTokens,
    r.cacheReadTokens,
    r.cacheWriteTokens,
    r.reasoningTokens,
    r.priced ? nanosToDecimal(r.costNanos) : '',
    r.costNanos,
    r.inputCostNanos,
    r.outputCostNanos,
    r.cacheReadCostNanos,
    r.cacheWriteCostNanos,
    r.priced,
    r.estimated,
    r.pricingMatch,
    r.pricingProvider,
    r.pricingModelId,
    r.pricingSource,
    r.pricingVersion,
    r.pricingTier,
    r.stream,
    r.durationMs,
    r.timeToFirstChunkMs,
    r.errorType,
    r.httpStatus,
    r.finishReasons.join(' '),
    r.responseId,
    r.traceId,
    r.spanId,
    r.serverAddress,
    r.costReported,
    r.localCostNanos === null ? '' : nanosToDecimal(r.localCostNanos),
    r.localCostNanos,
    r.gateway,
    r.batch,
    r.batchId,
    r.batchCustomId,
  ]);
}

export function callToJsonLine(r: CallRow): string {
  return JSON.stringify(callToJson(r));
}
