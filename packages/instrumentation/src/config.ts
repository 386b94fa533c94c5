// The resolved configuration: TokenmeterInstrumentationConfig with the env vars applied and every
// value normalised, read once when a runtime is built (never per call). The variables are read by
// @tokenmeter/config's one reader, so an app with its own SDK and the distro parse them alike.
import { diag } from '@opentelemetry/api';
import {
  COST_ATTRIBUTE_NAMES,
  ENV_VARS,
  type EnvName,
  OPENAI_STREAM_USAGE_MODES,
  readEnv,
} from '@tokenmeter/config';
import type { Attribution } from './call-record.js';
import type {
  CostAttributeNames,
  OpenAIStreamUsageMode,
  ProviderEndpoint,
  TokenmeterInstrumentationConfig,
} from './types.js';

export interface ResolvedConfig {
  captureMessageContent: boolean;
  openaiStreamUsage: OpenAIStreamUsageMode;
  providers: readonly ProviderEndpoint[];
  instrumentGlobalFetch: boolean;
  metricLabels: { feature: boolean; user: boolean };
  maxMetricSeries: number;
  costAttributes: CostAttributeNames;
  maxContentBytes: number;
  unreadBodyTimeoutMs: number;
  /** The service-wide attribution defaults (empty when none). */
  defaultAttribution: Attribution;
  onCallRecord: TokenmeterInstrumentationConfig['onCallRecord'];
}

export const DEFAULT_MAX_METRIC_SERIES = ENV_VARS.TOKENMETER_METRIC_MAX_SERIES.default;
export const DEFAULT_MAX_CONTENT_BYTES = 64 * 1024;
export const DEFAULT_UNREAD_BODY_TIMEOUT_MS = 60_000;

type Env = Record<string, string | undefined>;

/** The options an environment variable stands in for, when the option is not given. */
const ENV_OF = {
  captureMessageContent: 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
  openaiStreamUsage: 'TOKENMETER_OPENAI_STREAM_USAGE',
  providers: 'TOKENMETER_PROVIDERS',
  metricLabels: 'TOKENMETER_METRIC_LABELS',
  maxMetricSeries: 'TOKENMETER_METRIC_MAX_SERIES',
  costAttributes: 'TOKENMETER_COST_ATTRIBUTES',
} as const satisfies Partial<Record<keyof TokenmeterInstrumentationConfig, EnvName>>;

/** The variables `defaultAttribution` stands in for, one per field. */
const ATTRIBUTION_ENV = {
  feature: 'TOKENMETER_FEATURE',
  user: 'TOKENMETER_USER',
  tenant: 'TOKENMETER_TENANT',
} as const satisfies Record<keyof Attribution, EnvName>;

const log = diag.createComponentLogger({ namespace: '@tokenmeter/instrumentation' });
/** Each setting problem is logged once per process, however many runtimes read the environment. */
const reported = new Set<string>();

function oneOf<T extends string>(values: readonly T[], value: unknown): T | undefined {
  return (values as readonly unknown[]).includes(value) ? (value as T) : undefined;
}

function labels(list: readonly string[]): { feature: boolean; user: boolean } {
  return { feature: list.includes('feature'), user: list.includes('user') };
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? Math.floor(n) : undefined;
}

/** An Attribution with only the fields that have a value. */
function attributionOf(
  feature: string | undefined,
  user: string | undefined,
  tenant: string | undefined,
): Attribution {
  const out: Attribution = {};
  if (feature !== undefined) out.feature = feature;
  if (user !== undefined) out.user = user;
  if (tenant !== undefined) out.tenant = tenant;
  return out;
}

/** Apply env vars under explicit options (an explicit option wins) and fill the defaults. */
export function resolveConfig(
  config: TokenmeterInstrumentationConfig = {},
  env: Env = process.env,
): ResolvedConfig {
  const explicit = {
    captureMessageContent: config.captureMessageContent,
    openaiStreamUsage: oneOf(OPENAI_STREAM_USAGE_MODES, config.openaiStreamUsage),
    providers: config.providers,
    metricLabels: config.metricLabels,
    maxMetricSeries: positive(config.maxMetricSeries),
    costAttributes: oneOf(COST_ATTRIBUTE_NAMES, config.costAttributes),
  };
  // Only the variables of options not given (an option set in code makes its variable irrelevant);
  // each of those is read, so its value (or default) is there below.
  const names: EnvName[] = (Object.keys(ENV_OF) as (keyof typeof ENV_OF)[])
    .filter((k) => explicit[k] === undefined)
    .map((k) => ENV_OF[k]);
  if (config.defaultAttribution === undefined) names.push(...Object.values(ATTRIBUTION_ENV));
  const { values: v, problems } = readEnv(env, names);
  for (const p of problems) {
    if (reported.has(p)) continue;
    reported.add(p);
    log.warn(`tokenmeter: ${p}`);
  }
  return {
    captureMessageContent:
      explicit.captureMessageContent ?? v.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
    openaiStreamUsage: explicit.openaiStreamUsage ?? v.TOKENMETER_OPENAI_STREAM_USAGE,
    providers: explicit.providers ?? v.TOKENMETER_PROVIDERS,
    instrumentGlobalFetch: config.instrumentGlobalFetch ?? true,
    metricLabels: labels(explicit.metricLabels ?? v.TOKENMETER_METRIC_LABELS),
    maxMetricSeries: explicit.maxMetricSeries ?? v.TOKENMETER_METRIC_MAX_SERIES,
    costAttributes: explicit.costAttributes ?? v.TOKENMETER_COST_ATTRIBUTES,
    maxContentBytes: positive(config.maxContentBytes) ?? DEFAULT_MAX_CONTENT_BYTES,
    unreadBodyTimeoutMs:
      config.unreadBodyTimeoutMs !== undefined && config.unreadBodyTimeoutMs > 0
        ? config.unreadBodyTimeoutMs
        : DEFAULT_UNREAD_BODY_TIMEOUT_MS,
    defaultAttribution:
      config.defaultAttribution ??
      attributionOf(v.TOKENMETER_FEATURE, v.TOKENMETER_USER, v.TOKENMETER_TENANT),
    onCallRecord: config.onCallRecord,
  };
}
