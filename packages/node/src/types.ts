// Public types of @tokenmeter/node: the settings the distro reads from the environment, and the
// programmatic options and handle of `startTokenmeter`.
import type {
  Attribution,
  CallRecord,
  CallRecordSink,
  CostAttributeNames,
  OpenAIStreamUsageMode,
  ProviderEndpoint,
} from './instrumentation-types.js';

export type {
  Attribution,
  CallRecord,
  CallRecordSink,
  CostAttributeNames,
  OpenAIStreamUsageMode,
  ProviderEndpoint,
};

/** Environment variables, as `process.env`. */
export type Env = Record<string, string | undefined>;

export type TracesExporterName = 'otlp' | 'console';
export type MetricsExporterName = 'prometheus' | 'otlp' | 'console';
/** OTLP over HTTP: JSON or protobuf bodies. (gRPC is not supported.) */
export type OtlpProtocol = 'http/json' | 'http/protobuf';
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';
export type PropagatorName = 'tracecontext' | 'baggage';
/** TOKENMETER_PROPAGATION: send and read W3C headers on HTTP, send only, or neither. */
export type PropagationMode = 'on' | 'outgoing' | 'off';
export type LogLevelName = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';
export type MetricTemporality = 'cumulative' | 'delta' | 'lowmemory';

/** Where one signal goes over OTLP. */
export interface OtlpSignalConfig {
  /** Full URL, e.g. `http://localhost:4318/v1/traces`. */
  url: string;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  timeoutMs: number;
}

/** Every setting of the distro, validated. Built by `parseConfig` from the environment. */
export interface TokenmeterNodeConfig {
  /** OTEL_SDK_DISABLED=true: start nothing at all. */
  disabled: boolean;
  /** service.name of the resource and of stored calls. */
  serviceName: string;
  /** From OTEL_RESOURCE_ATTRIBUTES (service.name excluded; it is `serviceName`). */
  resourceAttributes: Record<string, string>;
  logLevel: LogLevelName;
  /** Span exporters; empty = spans are made (for context) but exported nowhere. */
  tracesExporters: TracesExporterName[];
  /** Metric readers; empty = no SDK metrics (the local store still records every call). */
  metricsExporters: MetricsExporterName[];
  otlpTraces: OtlpSignalConfig;
  otlpMetrics: OtlpSignalConfig & { temporality: MetricTemporality };
  /** OTEL_METRIC_EXPORT_INTERVAL, for the OTLP and console metric readers. */
  metricExportIntervalMs: number;
  /** OTEL_METRIC_EXPORT_TIMEOUT. */
  metricExportTimeoutMs: number;
  prometheus: { host: string; port: number };
  sampler: SamplerName;
  /** Ratio for the traceidratio samplers, 0..1. */
  samplerRatio: number;
  propagators: PropagatorName[];
  /**
   * TOKENMETER_PROPAGATION: the W3C headers (with the attribution in baggage) on the app's outgoing
   * HTTP requests (`on`, `outgoing`) and read from its incoming ones (`on`). Only when tokenmeter
   * runs the SDK.
   */
  propagation: PropagationMode;
  /** TOKENMETER_PROPAGATION_HOSTS: hosts that get the headers besides the private ones (`*.mycorp.com`, `*`). */
  propagationHosts: string[];
  /** TOKENMETER_FEATURE, TOKENMETER_USER, TOKENMETER_TENANT: the service-wide attribution. */
  defaultAttribution: Attribution;
  captureMessageContent: boolean;
  /** Path of the local SQLite store, or null when TOKENMETER_STORE=off. */
  storePath: string | null;
  /** TOKENMETER_PRICING_FILE, when set. */
  pricingFile: string | undefined;
  openaiStreamUsage: OpenAIStreamUsageMode;
  providers: ProviderEndpoint[];
  metricLabels: ('feature' | 'user')[];
  maxMetricSeries: number;
  costAttributes: CostAttributeNames;
  /** Bound on the flush at exit and on SIGTERM/SIGINT, ms. */
  shutdownTimeoutMs: number;
  /**
   * TOKENMETER_ESM_HOOK (the preload's only; `startTokenmeter` registers no hook): `on` registers the
   * ES module loader hook, for a CommonJS entry point on a Node without in-thread hooks just before
   * the first module that can import runs; `start` at start-up whatever the entry point; `off` leaves
   * it out when the app's entry point is CommonJS.
   */
  esmHook: 'on' | 'off' | 'start';
}

/** What `parseConfig` returns: the config to use, and one line per setting it could not use. */
export interface ParsedConfig {
  config: TokenmeterNodeConfig;
  problems: string[];
}

/** Options of `startTokenmeter`. Each one beats the environment. */
export interface StartTokenmeterOptions {
  /** Read settings from here instead of `process.env`. */
  env?: Env;
  /** Settings to use over those read from the environment. */
  config?: Partial<TokenmeterNodeConfig>;
  /** Called with every finished, priced call (after the local store). Must not throw. */
  onCallRecord?: CallRecordSink;
  /**
   * Flush on beforeExit / exit / SIGTERM / SIGINT (default true). Turn off to call
   * `handle.shutdown()` yourself.
   */
  handleExit?: boolean;
  /** Where the one-line setting problems and start failures go. Default: stderr. */
  warn?: (line: string) => void;
}

/** How tokenmeter joined the process. */
export type TokenmeterMode =
  /** OTEL_SDK_DISABLED=true: nothing started. */
  | 'disabled'
  /** tokenmeter registered its own tracer and meter providers. */
  | 'sdk'
  /** The app already had an OpenTelemetry SDK: only the instrumentation was added. */
  | 'joined';

/** The running distro. */
export interface TokenmeterHandle {
  readonly mode: TokenmeterMode;
  readonly config: TokenmeterNodeConfig;
  /** The setting problems found at start (also printed, one line each). */
  readonly problems: readonly string[];
  /** `http://host:port/metrics` of the Prometheus endpoint, when one is served. */
  readonly prometheusUrl: string | undefined;
  /** Export what is pending (spans, metrics, store), bounded by shutdownTimeoutMs. Never rejects. */
  forceFlush(): Promise<void>;
  /** Flush and stop everything, bounded by shutdownTimeoutMs. Idempotent. Never rejects. */
  shutdown(): Promise<void>;
}
