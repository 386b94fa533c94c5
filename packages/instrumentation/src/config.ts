// The resolved configuration: TokenmeterInstrumentationConfig with the env vars applied and every
// value normalised, read once when a runtime is built (never per call).
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
  onCallRecord: TokenmeterInstrumentationConfig['onCallRecord'];
}

export const DEFAULT_MAX_METRIC_SERIES = 2000;
export const DEFAULT_MAX_CONTENT_BYTES = 64 * 1024;
export const DEFAULT_UNREAD_BODY_TIMEOUT_MS = 60_000;

type Env = Record<string, string | undefined>;

function envBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === '0' || v === 'no' || v === 'off' || v === '') return false;
  return undefined;
}

function envInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

function streamUsageMode(value: unknown): OpenAIStreamUsageMode | undefined {
  return value === 'inject' || value === 'estimate' || value === 'off' ? value : undefined;
}

function costNames(value: unknown): CostAttributeNames | undefined {
  return value === 'tokenmeter' || value === 'upstream' || value === 'both' ? value : undefined;
}

/**
 * `TOKENMETER_PROVIDERS`: comma-separated `provider=baseUrl` pairs, e.g.
 * `vllm=http://localhost:8000/v1,ollama=http://gpu-box:11434/v1`. Invalid entries are skipped
 * (the node distro validates the variable at start and says which entry is wrong).
 */
export function parseProvidersEnv(value: string | undefined): ProviderEndpoint[] {
  if (!value) return [];
  const out: ProviderEndpoint[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const provider = part.slice(0, eq).trim();
    const baseUrl = part.slice(eq + 1).trim();
    try {
      new URL(baseUrl);
    } catch {
      continue;
    }
    if (provider) out.push({ provider, baseUrl });
  }
  return out;
}

function labels(list: readonly string[] | undefined): { feature: boolean; user: boolean } {
  return { feature: list?.includes('feature') ?? false, user: list?.includes('user') ?? false };
}

/** Apply env vars under explicit options (an explicit option wins) and fill the defaults. */
export function resolveConfig(
  config: TokenmeterInstrumentationConfig = {},
  env: Env = process.env,
): ResolvedConfig {
  const envLabels = env.TOKENMETER_METRIC_LABELS?.split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const maxSeries = config.maxMetricSeries ?? envInt(env.TOKENMETER_METRIC_MAX_SERIES);
  return {
    captureMessageContent:
      config.captureMessageContent ??
      envBool(env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT) ??
      false,
    openaiStreamUsage:
      streamUsageMode(config.openaiStreamUsage) ??
      streamUsageMode(env.TOKENMETER_OPENAI_STREAM_USAGE?.trim().toLowerCase()) ??
      'inject',
    providers: config.providers ?? parseProvidersEnv(env.TOKENMETER_PROVIDERS),
    instrumentGlobalFetch: config.instrumentGlobalFetch ?? true,
    metricLabels: labels(config.metricLabels ?? envLabels),
    maxMetricSeries:
      maxSeries !== undefined && maxSeries > 0 ? Math.floor(maxSeries) : DEFAULT_MAX_METRIC_SERIES,
    costAttributes:
      costNames(config.costAttributes) ??
      costNames(env.TOKENMETER_COST_ATTRIBUTES?.trim().toLowerCase()) ??
      'tokenmeter',
    maxContentBytes:
      config.maxContentBytes !== undefined && config.maxContentBytes > 0
        ? Math.floor(config.maxContentBytes)
        : DEFAULT_MAX_CONTENT_BYTES,
    unreadBodyTimeoutMs:
      config.unreadBodyTimeoutMs !== undefined && config.unreadBodyTimeoutMs > 0
        ? config.unreadBodyTimeoutMs
        : DEFAULT_UNREAD_BODY_TIMEOUT_MS,
    onCallRecord: config.onCallRecord,
  };
}
