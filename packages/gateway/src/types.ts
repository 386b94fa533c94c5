// Public configuration and handle of the gateway.
import type { CostAttributeNames } from '@tokenmeter/instrumentation';

/** Where the gateway's own cost metrics go over OTLP (besides its Prometheus /metrics). */
export interface GatewayOtlpMetrics {
  /** Full URL, e.g. `http://collector:4318/v1/metrics`. */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  headers?: Record<string, string>;
  /** Export interval, ms. Default 60000. */
  intervalMs?: number;
  timeoutMs?: number;
  temporality?: 'cumulative' | 'delta';
}

export interface GatewayOptions {
  /**
   * Base URL of the next OTLP/HTTP hop (a collector, a backend): traces go to `<forward>/v1/traces`,
   * metrics and logs to `/v1/metrics` and `/v1/logs`. Required.
   */
  forward: string;
  /** Address to bind. Default `127.0.0.1`; any other address needs `token`. */
  host?: string;
  /** Port. Default 4319 (0 = any free port). */
  port?: number;
  /**
   * Bearer token every request must carry (`Authorization: Bearer <token>`). Required to bind off
   * loopback. It is not passed on to the next hop.
   */
  token?: string;
  /** Spans accepted and not yet delivered, at most; past it senders get 429 + Retry-After. Default 100000. */
  maxQueueSpans?: number;
  /** Bytes of accepted batches not yet delivered, at most. Default 256 MiB. */
  maxQueueBytes?: number;
  /** Largest request body, compressed or not (413 above it). Default 64 MiB, as the OTLP spec recommends. */
  maxBodyBytes?: number;
  /** Deliveries to the next hop in flight at once. Default 8. */
  concurrency?: number;
  /** Time limit of one delivery attempt, ms. Default 10000. */
  forwardTimeoutMs?: number;
  /** First retry delay, ms (doubled up to retryMaxMs, ±50 % jitter). Default 500. */
  retryInitialMs?: number;
  /** Longest retry delay, ms. Default 30000. */
  retryMaxMs?: number;
  /** Give a batch up after retrying this long, ms. Default 300000. */
  retryMaxElapsedMs?: number;
  /** Headers added to every forwarded request (over the sender's), e.g. the next hop's credentials. */
  forwardHeaders?: Record<string, string>;
  /** Which cost attribute names to write (as TOKENMETER_COST_ATTRIBUTES). Default `tokenmeter`. */
  costAttributes?: CostAttributeNames;
  /** Attribution labels allowed on the llm_* metrics. Default none. */
  metricLabels?: ('feature' | 'user')[];
  /** Cap on llm_* label sets. Default 2000. */
  maxMetricSeries?: number;
  /** Also push the cost metrics over OTLP. Default: only the Prometheus /metrics endpoint. */
  otlpMetrics?: GatewayOtlpMetrics;
  /** Also write every priced call into this tokenmeter store (SQLite file). */
  storePath?: string;
  /** service.name of the gateway's own metrics resource. Default `tokenmeter-gateway`. */
  serviceName?: string;
  /** Where one-line warnings go. Default: the OTel diag logger. */
  warn?: (line: string) => void;
}

/** A running gateway. */
export interface Gateway {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  /** Spans accepted and not yet delivered. */
  readonly queuedSpans: number;
  /**
   * Stop accepting (503 + Retry-After, /readyz 503), deliver everything accepted (bounded by
   * `drainTimeoutMs`, default 30000; what is left then is dropped, counted and logged), flush the
   * metrics and the store, and close. Idempotent.
   */
  close(drainTimeoutMs?: number): Promise<void>;
}
