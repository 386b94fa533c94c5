// DO NOT EDIT. Generated from conventions/metrics.yaml and upstream.yaml by scripts/gen-semconv.ts: run `npm run conventions`.

/** How an instrument is to be created: the arguments of `meter.create*(name, options)`. */
export interface MetricDescriptor {
  readonly name: string;
  readonly instrument: 'histogram' | 'counter' | 'updowncounter' | 'gauge';
  readonly unit: string;
  readonly description: string;
  /** The name OpenTelemetry's Prometheus exporter renders. */
  readonly prometheusName: string;
  /** Advised histogram bucket boundaries, if any. */
  readonly buckets?: readonly number[];
}

/**
 * GenAI operation duration.
 *
 * Instrument: histogram. Unit: s. Prometheus: gen_ai_client_operation_duration.
 * @experimental This metric is in development and may change.
 */
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration' as const;

/** The descriptor of {@link METRIC_GEN_AI_CLIENT_OPERATION_DURATION}. */
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  instrument: 'histogram',
  unit: 's',
  description: "GenAI operation duration.",
  prometheusName: 'gen_ai_client_operation_duration',
  buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
};

/**
 * Time to receive the first chunk of a streamed response, from when the request was issued.
 *
 * Instrument: histogram. Unit: s. Prometheus: gen_ai_client_operation_time_to_first_chunk.
 * @experimental This metric is in development and may change.
 */
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK = 'gen_ai.client.operation.time_to_first_chunk' as const;

/** The descriptor of {@link METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK}. */
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  instrument: 'histogram',
  unit: 's',
  description: "Time to receive the first chunk of a streamed response, from when the request was issued.",
  prometheusName: 'gen_ai_client_operation_time_to_first_chunk',
  buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
};

/**
 * Number of input and output tokens used.
 *
 * Instrument: histogram. Unit: {token}. Prometheus: gen_ai_client_token_usage.
 * @experimental This metric is in development and may change.
 */
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage' as const;

/** The descriptor of {@link METRIC_GEN_AI_CLIENT_TOKEN_USAGE}. */
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  instrument: 'histogram',
  unit: '{token}',
  description: "Number of input and output tokens used.",
  prometheusName: 'gen_ai_client_token_usage',
  buckets: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
};

/**
 * Cost in USD of LLM calls.
 *
 * @note Named llm.cost_usd rather than llm.cost with unit USD because OpenTelemetry JS's Prometheus exporter does not append units; the counter must render as llm_cost_usd_total.
 *
 * Instrument: counter. Unit: {USD}. Prometheus: llm_cost_usd_total.
 * @experimental This metric is in development and may change.
 */
export const METRIC_LLM_COST_USD = 'llm.cost_usd' as const;

/** The descriptor of {@link METRIC_LLM_COST_USD}. */
export const METRIC_LLM_COST_USD_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_LLM_COST_USD,
  instrument: 'counter',
  unit: '{USD}',
  description: "Cost in USD of LLM calls.",
  prometheusName: 'llm_cost_usd_total',
};

/**
 * Cost in USD over the last 24 hours, as seen by this process (or by the store, under tokenmeter serve).
 *
 * Instrument: gauge. Unit: {USD}. Prometheus: llm_cost_usd_rolling_24h.
 * @experimental This metric is in development and may change.
 */
export const METRIC_LLM_COST_USD_ROLLING_24H = 'llm.cost_usd_rolling_24h' as const;

/** The descriptor of {@link METRIC_LLM_COST_USD_ROLLING_24H}. */
export const METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_LLM_COST_USD_ROLLING_24H,
  instrument: 'gauge',
  unit: '{USD}',
  description: "Cost in USD over the last 24 hours, as seen by this process (or by the store, under tokenmeter serve).",
  prometheusName: 'llm_cost_usd_rolling_24h',
};

/**
 * Number of LLM calls.
 *
 * Instrument: counter. Unit: {request}. Prometheus: llm_requests_total.
 * @experimental This metric is in development and may change.
 */
export const METRIC_LLM_REQUESTS = 'llm.requests' as const;

/** The descriptor of {@link METRIC_LLM_REQUESTS}. */
export const METRIC_LLM_REQUESTS_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_LLM_REQUESTS,
  instrument: 'counter',
  unit: '{request}',
  description: "Number of LLM calls.",
  prometheusName: 'llm_requests_total',
};

/**
 * Number of tokens used, by kind.
 *
 * Instrument: counter. Unit: {token}. Prometheus: llm_tokens_total.
 * @experimental This metric is in development and may change.
 */
export const METRIC_LLM_TOKENS = 'llm.tokens' as const;

/** The descriptor of {@link METRIC_LLM_TOKENS}. */
export const METRIC_LLM_TOKENS_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_LLM_TOKENS,
  instrument: 'counter',
  unit: '{token}',
  description: "Number of tokens used, by kind.",
  prometheusName: 'llm_tokens_total',
};

/**
 * Batch jobs the application created (OpenAI Batch API, Anthropic Message Batches), by provider.
 *
 * @note A creation is an operation without cost, not an inference - it is kept out of llm_requests_total, so the cost per request never gets a $0 call. The batch's requests are counted in llm_requests_total, priced at the batch tier, when their results are downloaded. Creations the API refused are not counted (their create_batch span carries error.type).
 *
 * Instrument: counter. Unit: {batch}. Prometheus: tokenmeter_batch_creations_total.
 * @experimental This metric is in development and may change.
 */
export const METRIC_TOKENMETER_BATCH_CREATIONS = 'tokenmeter.batch.creations' as const;

/** The descriptor of {@link METRIC_TOKENMETER_BATCH_CREATIONS}. */
export const METRIC_TOKENMETER_BATCH_CREATIONS_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_TOKENMETER_BATCH_CREATIONS,
  instrument: 'counter',
  unit: '{batch}',
  description: "Batch jobs the application created (OpenAI Batch API, Anthropic Message Batches), by provider.",
  prometheusName: 'tokenmeter_batch_creations_total',
};

/**
 * Cost in USD of each priced GenAI call.
 *
 * @note Unpriced calls record no point here; they are counted by llm.requests with priced=false.
 *
 * Instrument: histogram. Unit: {USD}. Prometheus: tokenmeter_client_operation_cost.
 * @experimental This metric is in development and may change.
 */
export const METRIC_TOKENMETER_CLIENT_OPERATION_COST = 'tokenmeter.client.operation.cost' as const;

/** The descriptor of {@link METRIC_TOKENMETER_CLIENT_OPERATION_COST}. */
export const METRIC_TOKENMETER_CLIENT_OPERATION_COST_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_TOKENMETER_CLIENT_OPERATION_COST,
  instrument: 'histogram',
  unit: '{USD}',
  description: "Cost in USD of each priced GenAI call.",
  prometheusName: 'tokenmeter_client_operation_cost',
  buckets: [0.00001, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
};

/**
 * Spans accepted and not yet delivered to the next hop (waiting, in flight or between retries).
 *
 * Instrument: gauge. Unit: {span}. Prometheus: tokenmeter_gateway_queue_spans.
 * @experimental This metric is in development and may change.
 */
export const METRIC_TOKENMETER_GATEWAY_QUEUE_SPANS = 'tokenmeter.gateway.queue.spans' as const;

/** The descriptor of {@link METRIC_TOKENMETER_GATEWAY_QUEUE_SPANS}. */
export const METRIC_TOKENMETER_GATEWAY_QUEUE_SPANS_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_TOKENMETER_GATEWAY_QUEUE_SPANS,
  instrument: 'gauge',
  unit: '{span}',
  description: "Spans accepted and not yet delivered to the next hop (waiting, in flight or between retries).",
  prometheusName: 'tokenmeter_gateway_queue_spans',
};

/**
 * OTLP requests the gateway received, by signal and by what it answered.
 *
 * @note accepted is the only result that took data in; every other result was refused with the status the OTLP/HTTP spec gives for it (400, 401, 413, 415, 429, 503) and is the sender's to retry or drop.
 *
 * Instrument: counter. Unit: {request}. Prometheus: tokenmeter_gateway_requests_total.
 * @experimental This metric is in development and may change.
 */
export const METRIC_TOKENMETER_GATEWAY_REQUESTS = 'tokenmeter.gateway.requests' as const;

/** The descriptor of {@link METRIC_TOKENMETER_GATEWAY_REQUESTS}. */
export const METRIC_TOKENMETER_GATEWAY_REQUESTS_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_TOKENMETER_GATEWAY_REQUESTS,
  instrument: 'counter',
  unit: '{request}',
  description: "OTLP requests the gateway received, by signal and by what it answered.",
  prometheusName: 'tokenmeter_gateway_requests_total',
};

/**
 * Spans the gateway accepted, by what became of them at the next hop.
 *
 * @note forwarded once the next hop answered 2xx; dropped when it refused them for good (a 4xx other than 429), retries ran out, or shutdown's drain timed out. Every drop is also logged.
 *
 * Instrument: counter. Unit: {span}. Prometheus: tokenmeter_gateway_spans_total.
 * @experimental This metric is in development and may change.
 */
export const METRIC_TOKENMETER_GATEWAY_SPANS = 'tokenmeter.gateway.spans' as const;

/** The descriptor of {@link METRIC_TOKENMETER_GATEWAY_SPANS}. */
export const METRIC_TOKENMETER_GATEWAY_SPANS_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_TOKENMETER_GATEWAY_SPANS,
  instrument: 'counter',
  unit: '{span}',
  description: "Spans the gateway accepted, by what became of them at the next hop.",
  prometheusName: 'tokenmeter_gateway_spans_total',
};

/**
 * Failures inside tokenmeter itself (never seen by the app), by where they happened.
 *
 * Instrument: counter. Unit: {error}. Prometheus: tokenmeter_internal_errors_total.
 * @experimental This metric is in development and may change.
 */
export const METRIC_TOKENMETER_INTERNAL_ERRORS = 'tokenmeter.internal.errors' as const;

/** The descriptor of {@link METRIC_TOKENMETER_INTERNAL_ERRORS}. */
export const METRIC_TOKENMETER_INTERNAL_ERRORS_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_TOKENMETER_INTERNAL_ERRORS,
  instrument: 'counter',
  unit: '{error}',
  description: "Failures inside tokenmeter itself (never seen by the app), by where they happened.",
  prometheusName: 'tokenmeter_internal_errors_total',
};

/**
 * Call records dropped because the local store's write queue was full or the store was unwritable.
 *
 * Instrument: counter. Unit: {record}. Prometheus: tokenmeter_store_dropped_total.
 * @experimental This metric is in development and may change.
 */
export const METRIC_TOKENMETER_STORE_DROPPED = 'tokenmeter.store.dropped' as const;

/** The descriptor of {@link METRIC_TOKENMETER_STORE_DROPPED}. */
export const METRIC_TOKENMETER_STORE_DROPPED_DESCRIPTOR: MetricDescriptor = {
  name: METRIC_TOKENMETER_STORE_DROPPED,
  instrument: 'counter',
  unit: '{record}',
  description: "Call records dropped because the local store's write queue was full or the store was unwritable.",
  prometheusName: 'tokenmeter_store_dropped_total',
};
