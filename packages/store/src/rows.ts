// Mapping between CallInput / CallRow and the columns of `calls`.
import type { StringDict } from './dict.js';
import type { CallInput, CallRow } from './types.js';

/** Columns written for each call, in the order of the values from `toRowValues`. */
export const INSERT_COLUMNS = [
  'start_time',
  'duration_ms',
  'ttfc_ms',
  'service',
  'provider',
  'operation',
  'request_model',
  'response_model',
  'response_id',
  'finish_reasons',
  'stream',
  'server_address',
  'service_tier',
  'batch',
  'usage_known',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'estimated',
  'priced',
  'cost_nanos',
  'input_cost_nanos',
  'output_cost_nanos',
  'cache_read_cost_nanos',
  'cache_write_cost_nanos',
  'pricing_match',
  'pricing_provider',
  'pricing_model',
  'pricing_source',
  'pricing_version',
  'pricing_tier',
  'error_type',
  'http_status',
  'feature',
  'user',
  'tenant',
  'trace_id',
  'span_id',
  'cache_write_1h_tokens',
  'input_audio_tokens',
  'output_audio_tokens',
  'cache_audio_read_tokens',
  'cost_reported',
  'local_cost_nanos',
  'gateway',
  'batch_id',
  'batch_custom_id',
] as const;

/** Dimensions of the rollups, in a fixed order (`Fact.dims` follows it). */
export const DIMS = [
  'provider',
  'request_model',
  'response_model',
  'operation',
  'service',
  'feature',
  'tenant',
  'user',
  'pricing_tier',
] as const;
export type Dim = (typeof DIMS)[number];

/** What a call adds to the rollups: its time, its dimension ids (0 = not set) and its measures. */
export interface Fact {
  startTime: number;
  dims: number[];
  /** In schema MEASURES order. */
  measures: number[];
}

function optString(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : 0;
}

function count(v: unknown): number {
  const n = int(v);
  return Math.max(n, 0);
}

/** Largest token count stored (the pricing engine's bound too): sums of counts stay exact integers. */
const MAX_TOKENS = 1e12;

/** A token count the store takes: absent, or a non-negative integer up to MAX_TOKENS. */
function validTokens(v: unknown): boolean {
  return v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_TOKENS);
}

/** `cost.source` of a cost the provider or an AI gateway reported (tokenmeter.pricing.source). */
const PROVIDER_SOURCE = 'provider';

/** A cost amount the store takes: a non-negative safe integer of nano-dollars. */
function validNanos(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * The usage and cost of a record as stored. Counts or amounts the store cannot sum exactly (1e308,
 * NaN, fractions, negatives, strings) would make totals ∞ or NaN: such a record keeps no usage and
 * no cost, with pricing match `invalid_usage` (the instrumentation checks usage first; this is the
 * last line of defence for other writers).
 */
function checkedMeasures(r: CallInput): {
  usage: CallInput['usage'] | undefined;
  cost: CallInput['cost'];
  pricingMatch: unknown;
} {
  const usage = r.usage && typeof r.usage === 'object' ? r.usage : undefined;
  const cost = r.cost && typeof r.cost === 'object' ? r.cost : null;
  const usageOk =
    usage === undefined ||
    (validTokens(usage.inputTokens) &&
      validTokens(usage.outputTokens) &&
      validTokens(usage.cacheReadTokens) &&
      validTokens(usage.cacheWriteTokens) &&
      validTokens(usage.reasoningTokens) &&
      validTokens(usage.cacheWrite1hTokens) &&
      validTokens(usage.inputAudioTokens) &&
      validTokens(usage.outputAudioTokens) &&
      validTokens(usage.cacheAudioReadTokens));
  const costOk =
    cost === null ||
    (validNanos(cost.totalNanos) &&
      validNanos(cost.inputNanos) &&
      validNanos(cost.outputNanos) &&
      validNanos(cost.cacheReadNanos) &&
      validNanos(cost.cacheWriteNanos));
  if (usageOk && costOk) return { usage, cost, pricingMatch: r.pricingMatch };
  return { usage: usageOk ? usage : undefined, cost: null, pricingMatch: 'invalid_usage' };
}

function optNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function ref(dict: StringDict, v: unknown): number | null {
  return typeof v === 'string' && v.length > 0 ? dict.intern(v) : null;
}

function req(dict: StringDict, v: unknown): number {
  return dict.intern(typeof v === 'string' ? v : '');
}

/** The stored text of one finish reason (`["stop"]`), by reason: the same string each time, hashed once. */
const oneReasonText = new Map<string, string>();
const MAX_REASON_TEXTS = 64;

/** Finish reasons as stored (a JSON array of strings). */
function reasonsText(reasons: readonly unknown[]): string {
  const only = reasons.length === 1 ? reasons[0] : undefined;
  if (typeof only !== 'string') return JSON.stringify(reasons.map(String));
  let text = oneReasonText.get(only);
  if (text === undefined) {
    text = JSON.stringify([only]);
    if (oneReasonText.size >= MAX_REASON_TEXTS) oneReasonText.clear();
    oneReasonText.set(only, text);
  }
  return text;
}

export function newFact(): Fact {
  return { startTime: 0, dims: [0, 0, 0, 0, 0, 0, 0, 0, 0], measures: new Array(14).fill(0) };
}

/**
 * Appends a record's column values (INSERT_COLUMNS order, strings interned through `dict`) to
 * `out` and fills `fact` (reused between records: no allocation per call). Never throws on a
 * malformed record: missing or ill-typed fields become null/0, so one bad record cannot fail a batch.
 */
export function appendRow(
  r: CallInput,
  dict: StringDict,
  defaultService: string | undefined,
  out: unknown[],
  fact: Fact,
): void {
  const startTime = Math.floor(
    typeof r.startTimeMs === 'number' && Number.isFinite(r.startTimeMs) ? r.startTimeMs : 0,
  );
  const { usage, cost, pricingMatch } = checkedMeasures(r);
  const attribution = r.attribution && typeof r.attribution === 'object' ? r.attribution : {};
  const service = ref(dict, r.serviceName ?? defaultService);
  const provider = req(dict, r.provider);
  const operation = req(dict, r.operation);
  const requestModel = ref(dict, r.requestModel);
  const responseModel = ref(dict, r.responseModel);
  const finish =
    Array.isArray(r.finishReasons) && r.finishReasons.length > 0
      ? dict.intern(reasonsText(r.finishReasons))
      : null;
  const errorType = ref(dict, r.errorType);
  const feature = ref(dict, attribution.feature);
  const user = ref(dict, attribution.user);
  const tenant = ref(dict, attribution.tenant);
  const inputTokens = count(usage?.inputTokens);
  const outputTokens = count(usage?.outputTokens);
  const cacheReadTokens = count(usage?.cacheReadTokens);
  const cacheWriteTokens = count(usage?.cacheWriteTokens);
  const reasoningTokens = count(usage?.reasoningTokens);
  const estimated = r.usageEstimated === true ? 1 : 0;
  const priced = cost ? 1 : 0;
  const costNanos = cost ? int(cost.totalNanos) : 0;
  const inputCost = cost ? int(cost.inputNanos) : 0;
  const outputCost = cost ? int(cost.outputNanos) : 0;
  const cacheReadCost = cost ? int(cost.cacheReadNanos) : 0;
  const cacheWriteCost = cost ? int(cost.cacheWriteNanos) : 0;
  const pricingTier = cost ? ref(dict, cost.serviceTier) : null;
  const reported = cost !== null && cost.source === PROVIDER_SOURCE;
  out.push(
    startTime,
    optNumber(r.durationMs) ?? 0,
    optNumber(r.timeToFirstChunkMs),
    service,
    provider,
    operation,
    requestModel,
    responseModel,
    optString(r.responseId),
    finish,
    r.stream === true ? 1 : 0,
    ref(dict, r.serverAddress),
    ref(dict, r.serviceTier),
    r.batch === true ? 1 : 0,
    usage ? 1 : 0,
    inputTokens,
    outputTokens,
    cacheReadTokens,
    cacheWriteTokens,
    reasoningTokens,
    estimated,
    priced,
    costNanos,
    inputCost,
    outputCost,
    cacheReadCost,
    cacheWriteCost,
    req(dict, pricingMatch),
    cost ? ref(dict, cost.provider) : null,
    cost ? ref(dict, cost.modelId) : null,
    cost ? ref(dict, cost.source) : null,
    cost ? ref(dict, cost.version) : null,
    pricingTier,
    errorType,
    optNumber(r.httpStatus) === null ? null : int(r.httpStatus),
    feature,
    user,
    tenant,
    optString(r.traceId),
    optString(r.spanId),
    count(usage?.cacheWrite1hTokens),
    count(usage?.inputAudioTokens),
    count(usage?.outputAudioTokens),
    count(usage?.cacheAudioReadTokens),
    reported ? 1 : 0,
    reported && r.localCost && validNanos(r.localCost.totalNanos) ? int(r.localCost.totalNanos) : null,
    ref(dict, r.gateway),
    r.batch === true ? ref(dict, r.batchId) : null,
    r.batch === true ? optString(r.batchCustomId) : null,
  );
  fact.startTime = startTime;
  const d = fact.dims;
  d[0] = provider;
  d[1] = requestModel ?? 0;
  d[2] = responseModel ?? 0;
  d[3] = operation;
  d[4] = service ?? 0;
  d[5] = feature ?? 0;
  d[6] = tenant ?? 0;
  d[7] = user ?? 0;
  d[8] = pricingTier ?? 0;
  const m = fact.measures;
  m[0] = 1;
  m[1] = errorType === null ? 0 : 1;
  m[2] = priced ? 0 : 1;
  m[3] = estimated;
  m[4] = inputTokens;
  m[5] = outputTokens;
  m[6] = cacheReadTokens;
  m[7] = cacheWriteTokens;
  m[8] = reasoningTokens;
  m[9] = costNanos;
  m[10] = inputCost;
  m[11] = outputCost;
  m[12] = cacheReadCost;
  m[13] = cacheWriteCost;
}

/** One record's column values and rollup fact (allocating; see appendRow for the batch path). */
export function toRowValues(
  r: CallInput,
  dict: StringDict,
  defaultService: string | undefined,
): { values: unknown[]; fact: Fact } {
  const values: unknown[] = [];
  const fact = newFact();
  appendRow(r, dict, defaultService, values, fact);
  return { values, fact };
}

/** A row of `calls` as selected with `SELECT *`. */
export interface RawCallRow {
  id: number;
  start_time: number;
  duration_ms: number;
  ttfc_ms: number | null;
  service: number | null;
  provider: number;
  operation: number;
  request_model: number | null;
  response_model: number | null;
  response_id: string | null;
  finish_reasons: number | null;
  stream: number;
  server_address: number | null;
  service_tier: number | null;
  batch: number;
  usage_known: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  estimated: number;
  priced: number;
  cost_nanos: number;
  input_cost_nanos: number;
  output_cost_nanos: number;
  cache_read_cost_nanos: number;
  cache_write_cost_nanos: number;
  pricing_match: number;
  pricing_provider: number | null;
  pricing_model: number | null;
  pricing_source: number | null;
  pricing_version: number | null;
  pricing_tier: number | null;
  error_type: number | null;
  http_status: number | null;
  feature: number | null;
  user: number | null;
  tenant: number | null;
  trace_id: string | null;
  span_id: string | null;
  cache_write_1h_tokens: number;
  input_audio_tokens: number;
  output_audio_tokens: number;
  cache_audio_read_tokens: number;
  cost_reported: number;
  local_cost_nanos: number | null;
  gateway: number | null;
  batch_id: number | null;
  batch_custom_id: string | null;
}

function parseReasons(text: string | null): string[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

export function toCallRow(r: RawCallRow, dict: StringDict): CallRow {
  const s = (id: number | null) => dict.valueOf(id);
  return {
    id: r.id,
    startTimeMs: r.start_time,
    durationMs: r.duration_ms,
    timeToFirstChunkMs: r.ttfc_ms,
    service: s(r.service),
    provider: s(r.provider) ?? '',
    operation: s(r.operation) ?? '',
    requestModel: s(r.request_model),
    responseModel: s(r.response_model),
    responseId: r.response_id,
    finishReasons: parseReasons(s(r.finish_reasons)),
    stream: r.stream === 1,
    serviceTier: s(r.service_tier),
    batch: r.batch === 1,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cacheReadTokens: r.cache_read_tokens,
    cacheWriteTokens: r.cache_write_tokens,
    reasoningTokens: r.reasoning_tokens,
    usageKnown: r.usage_known === 1,
    estimated: r.estimated === 1,
    priced: r.priced === 1,
    costNanos: r.cost_nanos,
    inputCostNanos: r.input_cost_nanos,
    outputCostNanos: r.output_cost_nanos,
    cacheReadCostNanos: r.cache_read_cost_nanos,
    cacheWriteCostNanos: r.cache_write_cost_nanos,
    pricingMatch: s(r.pricing_match) ?? '',
    pricingProvider: s(r.pricing_provider),
    pricingModelId: s(r.pricing_model),
    pricingSource: s(r.pricing_source),
    pricingVersion: s(r.pricing_version),
    pricingTier: s(r.pricing_tier),
    serverAddress: s(r.server_address),
    errorType: s(r.error_type),
    httpStatus: r.http_status,
    feature: s(r.feature),
    user: s(r.user),
    tenant: s(r.tenant),
    traceId: r.trace_id,
    spanId: r.span_id,
    costReported: r.cost_reported === 1,
    localCostNanos: r.local_cost_nanos,
    gateway: s(r.gateway),
    batchId: s(r.batch_id),
    batchCustomId: r.batch_custom_id,
  };
}
