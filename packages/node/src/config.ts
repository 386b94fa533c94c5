// Reads every setting of the distro from the environment (OTel's own variables plus TOKENMETER_*),
// validates each one, and returns the config to use with one line per problem. Never throws: a bad
// value is reported and its default used, so a typo never stops the app.
import { resolveStorePath } from '@tokenmeter/store';
import type {
  CostAttributeNames,
  Env,
  LogLevelName,
  MetricsExporterName,
  MetricTemporality,
  OpenAIStreamUsageMode,
  OtlpProtocol,
  OtlpSignalConfig,
  ParsedConfig,
  PropagatorName,
  ProviderEndpoint,
  SamplerName,
  TokenmeterNodeConfig,
  TracesExporterName,
} from './types.js';

export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';
export const DEFAULT_OTLP_TIMEOUT_MS = 10_000;
export const DEFAULT_PROMETHEUS_HOST = '127.0.0.1';
export const DEFAULT_PROMETHEUS_PORT = 9464;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 2000;
export const DEFAULT_MAX_METRIC_SERIES = 2000;
export const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 60_000;
export const DEFAULT_METRIC_EXPORT_TIMEOUT_MS = 30_000;
export const DEFAULT_SERVICE_NAME = 'unknown_service:node';
/** The resource attribute key of the service name (a stable OTel name, not a tokenmeter convention). */
const SERVICE_NAME_KEY = ['service', 'name'].join('.');

const LOG_LEVELS: readonly LogLevelName[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];
const TRACES_EXPORTERS: readonly TracesExporterName[] = ['otlp', 'console'];
const METRICS_EXPORTERS: readonly MetricsExporterName[] = ['prometheus', 'otlp', 'console'];
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];
const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const PROPAGATORS: readonly PropagatorName[] = ['tracecontext', 'baggage'];
/** Propagators OTel defines that this distro does not ship. */
const UNSHIPPED_PROPAGATORS = ['b3', 'b3multi', 'jaeger', 'xray', 'ottrace'];
const TEMPORALITIES: readonly MetricTemporality[] = ['cumulative', 'delta', 'lowmemory'];
const STREAM_USAGE: readonly OpenAIStreamUsageMode[] = ['inject', 'estimate', 'off'];
const COST_ATTRIBUTES: readonly CostAttributeNames[] = ['tokenmeter', 'upstream', 'both'];
const METRIC_LABELS = ['feature', 'user'] as const;

/** Every variable the distro reads (for the README and for spotting typos). */
export const KNOWN_ENV_VARS = [
  'OTEL_SDK_DISABLED',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_LOG_LEVEL',
  'OTEL_TRACES_EXPORTER',
  'OTEL_METRICS_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  'OTEL_EXPORTER_OTLP_METRICS_HEADERS',
  'OTEL_EXPORTER_OTLP_TIMEOUT',
  'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
  'OTEL_EXPORTER_OTLP_METRICS_TIMEOUT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
  'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
  'OTEL_METRIC_EXPORT_INTERVAL',
  'OTEL_METRIC_EXPORT_TIMEOUT',
  'OTEL_EXPORTER_PROMETHEUS_HOST',
  'OTEL_EXPORTER_PROMETHEUS_PORT',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_PROPAGATORS',
  'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
  'TOKENMETER_HOME',
  'TOKENMETER_STORE',
  'TOKENMETER_PRICING_FILE',
  'TOKENMETER_OPENAI_STREAM_USAGE',
  'TOKENMETER_PROVIDERS',
  'TOKENMETER_METRIC_LABELS',
  'TOKENMETER_METRIC_MAX_SERIES',
  'TOKENMETER_COST_ATTRIBUTES',
  'TOKENMETER_SHUTDOWN_TIMEOUT_MS',
] as const;

/** Reads one variable: undefined when unset or blank. */
function read(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

class Reader {
  readonly problems: string[] = [];
  constructor(readonly env: Env) {}

  get(name: string): string | undefined {
    return read(this.env, name);
  }

  problem(line: string): void {
    this.problems.push(line);
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.get(name);
    if (raw === undefined) return fallback;
    const v = raw.toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
    this.problem(`${name}=${JSON.stringify(raw)} is not true or false; using ${fallback}`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.get(name);
    if (raw === undefined) return fallback;
    const v = raw.toLowerCase() as T;
    if (allowed.includes(v)) return v;
    this.problem(`${name}=${JSON.stringify(raw)} is not one of ${allowed.join(', ')}; using ${fallback}`);
    return fallback;
  }

  /** A whole number within [min, max]. */
  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER, what = 'number'): number {
    const raw = this.get(name);
    if (raw === undefined) return fallback;
    const n = /^[+]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    const range =
      max === Number.MAX_SAFE_INTEGER ? `a whole ${what} >= ${min}` : `a whole ${what} in ${min}..${max}`;
    this.problem(`${name}=${JSON.stringify(raw)} is not ${range}; using ${fallback}`);
    return fallback;
  }

  /** An http(s) URL, or undefined (with a problem) when it is not one. */
  url(name: string): string | undefined {
    const raw = this.get(name);
    if (raw === undefined) return undefined;
    if (isHttpUrl(raw)) return raw;
    this.problem(`${name}=${JSON.stringify(raw)} is not an http:// or https:// URL; ignored`);
    return undefined;
  }

  /** `key=value,key2=value2` with percent-encoded values (OTel's list format). */
  keyValues(name: string): Record<string, string> {
    const raw = this.get(name);
    const out: Record<string, string> = {};
    if (raw === undefined) return out;
    for (const part of raw.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      const key = eq > 0 ? part.slice(0, eq).trim() : '';
      if (!key) {
        this.problem(`${name}: ${JSON.stringify(part.trim())} is not key=value; ignored`);
        continue;
      }
      const rawValue = part.slice(eq + 1).trim();
      try {
        out[decodeURIComponent(key)] = decodeURIComponent(rawValue);
      } catch {
        this.problem(`${name}: the value of ${JSON.stringify(key)} is not valid percent-encoding; ignored`);
      }
    }
    return out;
  }

  /** A comma list of names from `allowed`; `none` alone means an empty list. */
  list<T extends string>(
    name: string,
    allowed: readonly T[],
    fallback: T[],
    explain: (bad: string) => string = () => '',
  ): T[] {
    const raw = this.get(name);
    if (raw === undefined) return fallback;
    const items = raw
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== '');
    if (items.length === 1 && items[0] === 'none') return [];
    const out: T[] = [];
    for (const item of items) {
      if (item === 'none') {
        this.problem(`${name}: "none" cannot be combined with other values; ignored`);
        continue;
      }
      if ((allowed as readonly string[]).includes(item)) {
        if (!out.includes(item as T)) out.push(item as T);
        continue;
      }
      const why = explain(item);
      this.problem(
        `${name}: ${JSON.stringify(item)} is not one of ${allowed.join(', ')}, none${why ? ` (${why})` : ''}; ignored`,
      );
    }
    if (out.length === 0 && items.some((i) => i !== 'none')) {
      this.problem(`${name}: no usable value; using ${fallback.length ? fallback.join(',') : 'none'}`);
      return fallback;
    }
    return out;
  }
}

export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Appends `/v1/<signal>` to a base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT asks. */
export function signalUrl(base: string, signal: 'traces' | 'metrics'): string {
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

function otlpSignal(r: Reader, signal: 'traces' | 'metrics'): OtlpSignalConfig {
  const S = signal.toUpperCase();
  const base = r.url('OTEL_EXPORTER_OTLP_ENDPOINT') ?? DEFAULT_OTLP_ENDPOINT;
  const url = r.url(`OTEL_EXPORTER_OTLP_${S}_ENDPOINT`) ?? signalUrl(base, signal);

  const protocolVar = r.get(`OTEL_EXPORTER_OTLP_${S}_PROTOCOL`)
    ? `OTEL_EXPORTER_OTLP_${S}_PROTOCOL`
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  let protocol: OtlpProtocol = 'http/protobuf';
  const rawProtocol = r.get(protocolVar);
  if (rawProtocol !== undefined) {
    const p = rawProtocol.toLowerCase();
    if ((PROTOCOLS as readonly string[]).includes(p)) protocol = p as OtlpProtocol;
    else if (p === 'grpc')
      r.problem(
        `${protocolVar}=grpc is not supported by tokenmeter (OTLP over HTTP only); using http/protobuf, so point the endpoint at the collector's OTLP/HTTP port (4318)`,
      );
    else
      r.problem(
        `${protocolVar}=${JSON.stringify(rawProtocol)} is not one of ${PROTOCOLS.join(', ')}; using http/protobuf`,
      );
  }

  const headers = {
    ...r.keyValues('OTEL_EXPORTER_OTLP_HEADERS'),
    ...r.keyValues(`OTEL_EXPORTER_OTLP_${S}_HEADERS`),
  };
  const generalTimeout = r.int(
    'OTEL_EXPORTER_OTLP_TIMEOUT',
    DEFAULT_OTLP_TIMEOUT_MS,
    1,
    3_600_000,
    'count of ms',
  );
  const timeoutMs = r.int(`OTEL_EXPORTER_OTLP_${S}_TIMEOUT`, generalTimeout, 1, 3_600_000, 'count of ms');
  return { url, protocol, headers, timeoutMs };
}

function parseProviders(r: Reader): ProviderEndpoint[] {
  const raw = r.get('TOKENMETER_PROVIDERS');
  if (raw === undefined) return [];
  const out: ProviderEndpoint[] = [];
  for (const part of raw.split(',')) {
    const item = part.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    const provider = eq > 0 ? item.slice(0, eq).trim().toLowerCase() : '';
    const baseUrl = eq > 0 ? item.slice(eq + 1).trim() : '';
    if (!provider || !/^[a-z0-9][a-z0-9_.-]*$/.test(provider)) {
      r.problem(
        `TOKENMETER_PROVIDERS: ${JSON.stringify(item)} is not name=url (e.g. vllm=http://localhost:8000/v1); ignored`,
      );
      continue;
    }
    if (!isHttpUrl(baseUrl)) {
      r.problem(
        `TOKENMETER_PROVIDERS: ${JSON.stringify(baseUrl)} (for ${provider}) is not an http:// or https:// URL; ignored`,
      );
      continue;
    }
    out.push({ provider, baseUrl: baseUrl.replace(/\/+$/, '') });
  }
  return out;
}

/** Parses OTEL_RESOURCE_ATTRIBUTES (W3C-baggage-like `k=v,k2=v2`, percent-encoded values). */
function parseResource(r: Reader): Record<string, string> {
  return r.keyValues('OTEL_RESOURCE_ATTRIBUTES');
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** TOKENMETER_* variables that look like a typo of one we read (other tools may define their own). */
function typos(r: Reader): void {
  const known = KNOWN_ENV_VARS as readonly string[];
  for (const name of Object.keys(r.env)) {
    if (!name.startsWith('TOKENMETER_') || known.includes(name)) continue;
    const near = known.find((k) => k.startsWith('TOKENMETER_') && levenshtein(k, name) <= 2);
    if (near) r.problem(`${name} is not a tokenmeter setting; did you mean ${near}?`);
  }
}

/**
 * Reads the distro's settings from `env`. Returns the config (defaults where a value is missing or
 * unusable) and one human-readable line per problem. Pure apart from reading `env`.
 */
export function parseConfig(env: Env = process.env): ParsedConfig {
  const r = new Reader(env);

  const disabled = r.bool('OTEL_SDK_DISABLED', false);
  const resourceAttributes = parseResource(r);
  const serviceName =
    r.get('OTEL_SERVICE_NAME') ?? resourceAttributes[SERVICE_NAME_KEY] ?? DEFAULT_SERVICE_NAME;
  delete resourceAttributes[SERVICE_NAME_KEY];

  const logLevel = r.oneOf<LogLevelName>('OTEL_LOG_LEVEL', LOG_LEVELS, 'none');

  const tracesExporters = r.list<TracesExporterName>(
    'OTEL_TRACES_EXPORTER',
    TRACES_EXPORTERS,
    ['otlp'],
    (bad) =>
      bad === 'zipkin' || bad === 'jaeger' ? 'not shipped by tokenmeter; send OTLP to a collector' : '',
  );
  const metricsExporters = r.list<MetricsExporterName>('OTEL_METRICS_EXPORTER', METRICS_EXPORTERS, [
    'prometheus',
  ]);

  const otlpTraces = otlpSignal(r, 'traces');
  const otlpMetrics = {
    ...otlpSignal(r, 'metrics'),
    temporality: r.oneOf<MetricTemporality>(
      'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
      TEMPORALITIES,
      'cumulative',
    ),
  };
  const metricExportIntervalMs = r.int(
    'OTEL_METRIC_EXPORT_INTERVAL',
    DEFAULT_METRIC_EXPORT_INTERVAL_MS,
    1,
    86_400_000,
    'count of ms',
  );
  let metricExportTimeoutMs = r.int(
    'OTEL_METRIC_EXPORT_TIMEOUT',
    DEFAULT_METRIC_EXPORT_TIMEOUT_MS,
    1,
    86_400_000,
    'count of ms',
  );
  // The periodic reader refuses a timeout longer than its interval.
  metricExportTimeoutMs = Math.min(metricExportTimeoutMs, metricExportIntervalMs);

  const host = r.get('OTEL_EXPORTER_PROMETHEUS_HOST') ?? DEFAULT_PROMETHEUS_HOST;
  const port = r.int('OTEL_EXPORTER_PROMETHEUS_PORT', DEFAULT_PROMETHEUS_PORT, 0, 65535, 'port number');

  const sampler = r.oneOf<SamplerName>('OTEL_TRACES_SAMPLER', SAMPLERS, 'parentbased_always_on');
  let samplerRatio = 1;
  const rawRatio = r.get('OTEL_TRACES_SAMPLER_ARG');
  if (rawRatio !== undefined && sampler.endsWith('traceidratio')) {
    const n = Number(rawRatio);
    if (Number.isFinite(n) && n >= 0 && n <= 1) samplerRatio = n;
    else r.problem(`OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(rawRatio)} is not a ratio in 0..1; using 1`);
  }

  const propagators = r.list<PropagatorName>(
    'OTEL_PROPAGATORS',
    PROPAGATORS,
    ['tracecontext', 'baggage'],
    (bad) => (UNSHIPPED_PROPAGATORS.includes(bad) ? 'not shipped by tokenmeter' : ''),
  );

  const captureMessageContent = r.bool('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', false);

  let storePath: string | null = null;
  try {
    storePath = resolveStorePath(env);
  } catch (e) {
    r.problem(
      `TOKENMETER_STORE: cannot resolve the store path (${(e as Error).message}); the local store is off`,
    );
  }

  const pricingFile = r.get('TOKENMETER_PRICING_FILE');
  const openaiStreamUsage = r.oneOf<OpenAIStreamUsageMode>(
    'TOKENMETER_OPENAI_STREAM_USAGE',
    STREAM_USAGE,
    'inject',
  );
  const providers = parseProviders(r);
  const metricLabels = r.list('TOKENMETER_METRIC_LABELS', METRIC_LABELS, []);
  const maxMetricSeries = r.int('TOKENMETER_METRIC_MAX_SERIES', DEFAULT_MAX_METRIC_SERIES, 1, 1_000_000);
  const costAttributes = r.oneOf<CostAttributeNames>(
    'TOKENMETER_COST_ATTRIBUTES',
    COST_ATTRIBUTES,
    'tokenmeter',
  );
  const shutdownTimeoutMs = r.int(
    'TOKENMETER_SHUTDOWN_TIMEOUT_MS',
    DEFAULT_SHUTDOWN_TIMEOUT_MS,
    0,
    600_000,
    'count of ms',
  );

  typos(r);

  const config: TokenmeterNodeConfig = {
    disabled,
    serviceName,
    resourceAttributes,
    logLevel,
    tracesExporters,
    metricsExporters,
    otlpTraces,
    otlpMetrics,
    metricExportIntervalMs,
    metricExportTimeoutMs,
    prometheus: { host, port },
    sampler,
    samplerRatio,
    propagators,
    captureMessageContent,
    storePath,
    pricingFile,
    openaiStreamUsage,
    providers,
    metricLabels,
    maxMetricSeries,
    costAttributes,
    shutdownTimeoutMs,
  };
  // Variables shared by both signals (OTEL_EXPORTER_OTLP_*) are read twice: report each problem once.
  return { config, problems: [...new Set(r.problems)] };
}
