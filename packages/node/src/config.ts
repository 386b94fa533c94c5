// The distro's settings: every variable of the environment table (OTel's own plus TOKENMETER_*),
// read and validated by @tokenmeter/config's one reader, then put together into the config the
// distro starts from. Never throws: a bad value is reported on one line and its default used, so a
// typo never stops the app.
import { ENV_VARS, readEnv } from '@tokenmeter/config';
// The paths module alone: the store itself loads with the first call it records (lazy-store.ts).
import { defaultStorePath } from '@tokenmeter/store/paths';
import type { Attribution, Env, OtlpSignalConfig, ParsedConfig, TokenmeterNodeConfig } from './types.js';

export const DEFAULT_PROMETHEUS_HOST = ENV_VARS.OTEL_EXPORTER_PROMETHEUS_HOST.default;
export const DEFAULT_PROMETHEUS_PORT = ENV_VARS.OTEL_EXPORTER_PROMETHEUS_PORT.default;
const DEFAULT_SERVICE_NAME = 'unknown_service:node';
/** The resource attribute key of the service name (a stable OTel name, not a tokenmeter convention). */
const SERVICE_NAME_KEY = ['service', 'name'].join('.');

/** Every variable tokenmeter reads (the environment table's names). */
export { KNOWN_ENV_VARS } from '@tokenmeter/config';

/** Appends `/v1/<signal>` to a base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT asks. */
function signalUrl(base: string, signal: 'traces' | 'metrics'): string {
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

type Values = ReturnType<typeof readEnv>['values'];

/** One signal's OTLP settings: its own variables over the general ones. */
function otlpSignal(v: Values, signal: 'traces' | 'metrics'): OtlpSignalConfig {
  if (signal === 'traces')
    return {
      url: v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? signalUrl(v.OTEL_EXPORTER_OTLP_ENDPOINT, signal),
      protocol: v.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? v.OTEL_EXPORTER_OTLP_PROTOCOL,
      headers: { ...v.OTEL_EXPORTER_OTLP_HEADERS, ...v.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
      timeoutMs: v.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? v.OTEL_EXPORTER_OTLP_TIMEOUT,
    };
  return {
    url: v.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? signalUrl(v.OTEL_EXPORTER_OTLP_ENDPOINT, signal),
    protocol: v.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? v.OTEL_EXPORTER_OTLP_PROTOCOL,
    headers: { ...v.OTEL_EXPORTER_OTLP_HEADERS, ...v.OTEL_EXPORTER_OTLP_METRICS_HEADERS },
    timeoutMs: v.OTEL_EXPORTER_OTLP_METRICS_TIMEOUT ?? v.OTEL_EXPORTER_OTLP_TIMEOUT,
  };
}

/** TOKENMETER_STORE, else the default path (TOKENMETER_HOME); null when off or not resolvable. */
function storePath(v: Values, env: Env, problems: string[]): string | null {
  if (v.TOKENMETER_STORE !== undefined) return v.TOKENMETER_STORE;
  try {
    return defaultStorePath(env);
  } catch (e) {
    problems.push(
      `TOKENMETER_STORE: cannot resolve the default store path (${(e as Error).message}); the local store is off`,
    );
    return null;
  }
}

/** TOKENMETER_FEATURE, TOKENMETER_USER, TOKENMETER_TENANT, those set. */
function attribution(v: Values): Attribution {
  const out: Attribution = {};
  if (v.TOKENMETER_FEATURE !== undefined) out.feature = v.TOKENMETER_FEATURE;
  if (v.TOKENMETER_USER !== undefined) out.user = v.TOKENMETER_USER;
  if (v.TOKENMETER_TENANT !== undefined) out.tenant = v.TOKENMETER_TENANT;
  return out;
}

/**
 * Reads the distro's settings from `env`. Returns the config (defaults where a value is missing or
 * unusable) and one human-readable line per problem. Pure apart from reading `env`.
 */
export function parseConfig(env: Env = process.env): ParsedConfig {
  const { values: v, problems } = readEnv(env);

  const resourceAttributes = { ...v.OTEL_RESOURCE_ATTRIBUTES };
  const serviceName = v.OTEL_SERVICE_NAME ?? resourceAttributes[SERVICE_NAME_KEY] ?? DEFAULT_SERVICE_NAME;
  delete resourceAttributes[SERVICE_NAME_KEY];

  const config: TokenmeterNodeConfig = {
    disabled: v.OTEL_SDK_DISABLED,
    serviceName,
    resourceAttributes,
    logLevel: v.OTEL_LOG_LEVEL,
    tracesExporters: v.OTEL_TRACES_EXPORTER,
    metricsExporters: v.OTEL_METRICS_EXPORTER,
    otlpTraces: otlpSignal(v, 'traces'),
    otlpMetrics: {
      ...otlpSignal(v, 'metrics'),
      temporality: v.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE,
    },
    metricExportIntervalMs: v.OTEL_METRIC_EXPORT_INTERVAL,
    // The periodic reader refuses a timeout longer than its interval.
    metricExportTimeoutMs: Math.min(v.OTEL_METRIC_EXPORT_TIMEOUT, v.OTEL_METRIC_EXPORT_INTERVAL),
    prometheus: { host: v.OTEL_EXPORTER_PROMETHEUS_HOST, port: v.OTEL_EXPORTER_PROMETHEUS_PORT },
    sampler: v.OTEL_TRACES_SAMPLER,
    samplerRatio: v.OTEL_TRACES_SAMPLER_ARG,
    propagators: v.OTEL_PROPAGATORS,
    propagation: v.TOKENMETER_PROPAGATION,
    propagationHosts: v.TOKENMETER_PROPAGATION_HOSTS,
    defaultAttribution: attribution(v),
    captureMessageContent: v.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
    storePath: storePath(v, env, problems),
    pricingFile: v.TOKENMETER_PRICING_FILE,
    openaiStreamUsage: v.TOKENMETER_OPENAI_STREAM_USAGE,
    providers: v.TOKENMETER_PROVIDERS,
    metricLabels: v.TOKENMETER_METRIC_LABELS,
    maxMetricSeries: v.TOKENMETER_METRIC_MAX_SERIES,
    costAttributes: v.TOKENMETER_COST_ATTRIBUTES,
    shutdownTimeoutMs: v.TOKENMETER_SHUTDOWN_TIMEOUT_MS,
    esmHook: v.TOKENMETER_ESM_HOOK,
  };
  return { config, problems };
}
