// AI gateways (LLM API gateways and proxies; not tokenmeter's OTLP gateway): which one a response
// came through, when its host did not say (a self-hosted LiteLLM proxy, Helicone, Portkey or
// Cloudflare AI Gateway behind a company URL), and the cost a gateway reports in a header.
// Hosts are classified in recognize.ts; response bodies (OpenRouter's usage.cost) in the formats.
//
// Response headers that name a gateway (each gateway's documented headers):
// - LiteLLM proxy: x-litellm-call-id, x-litellm-model-id, x-litellm-version, x-litellm-response-cost
// - Helicone: helicone-id (helicone-cache: HIT|MISS with caching on)
// - Portkey: x-portkey-trace-id (also x-portkey-cache-status, x-portkey-retry-attempt-count,
//   x-portkey-provider: the provider that served the call)
// - Cloudflare AI Gateway: cf-aig-log-id, cf-aig-cache-status (HIT|MISS), cf-aig-event-id
import {
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK,
  GEN_AI_PROVIDER_NAME_VALUE_FIREWORKS_AI,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI,
  GEN_AI_PROVIDER_NAME_VALUE_GROQ,
  GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI,
  GEN_AI_PROVIDER_NAME_VALUE_OLLAMA,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_OPENROUTER,
  GEN_AI_PROVIDER_NAME_VALUE_TOGETHER_AI,
  GEN_AI_PROVIDER_NAME_VALUE_X_AI,
} from '@tokenmeter/semconv';
import { usdToNanos } from './openai.js';
import type { HeaderSource } from './types.js';

export const AI_GATEWAY_OPENROUTER = 'openrouter';
export const AI_GATEWAY_LITELLM = 'litellm';
export const AI_GATEWAY_PORTKEY = 'portkey';
export const AI_GATEWAY_HELICONE = 'helicone';
export const AI_GATEWAY_CLOUDFLARE = 'cloudflare';
export const AI_GATEWAY_VERCEL = 'vercel';
/** The name of a gateway declared as `TOKENMETER_PROVIDERS=gateway=https://gw/v1`. */
export const AI_GATEWAY_DECLARED = 'gateway';

/** Names a declaration may give to say "this endpoint is a gateway": format by path, provider by model. */
export const AI_GATEWAY_NAMES: ReadonlySet<string> = new Set([
  AI_GATEWAY_DECLARED,
  AI_GATEWAY_LITELLM,
  AI_GATEWAY_PORTKEY,
  AI_GATEWAY_HELICONE,
  AI_GATEWAY_CLOUDFLARE,
  AI_GATEWAY_VERCEL,
]);

/**
 * Portkey's request headers that name the provider it relays a call to: `x-portkey-provider`, or the
 * `provider` of an inline `x-portkey-config` (a JSON object; a saved config's id, `pc-...`, says
 * nothing here). Portkey's provider slugs → gen_ai.provider.name.
 */
export const PORTKEY_PROVIDER_HEADER = 'x-portkey-provider';
export const PORTKEY_CONFIG_HEADER = 'x-portkey-config';

const PORTKEY_PROVIDERS: ReadonlyMap<string, string> = new Map([
  ['openai', GEN_AI_PROVIDER_NAME_VALUE_OPENAI],
  ['azure-openai', GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI],
  ['anthropic', GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC],
  ['google', GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI],
  ['vertex-ai', GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI],
  ['bedrock', GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK],
  ['groq', GEN_AI_PROVIDER_NAME_VALUE_GROQ],
  ['mistral-ai', GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI],
  ['deepseek', GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK],
  ['x-ai', GEN_AI_PROVIDER_NAME_VALUE_X_AI],
  ['together-ai', GEN_AI_PROVIDER_NAME_VALUE_TOGETHER_AI],
  ['fireworks-ai', GEN_AI_PROVIDER_NAME_VALUE_FIREWORKS_AI],
  ['openrouter', GEN_AI_PROVIDER_NAME_VALUE_OPENROUTER],
  ['ollama', GEN_AI_PROVIDER_NAME_VALUE_OLLAMA],
]);

/**
 * The provider Portkey's request headers name (gen_ai.provider.name), or undefined: absent, a slug
 * of the user's own (`@openai-prod`), a provider tokenmeter has no name for, or a config that routes
 * to several targets. Reads only the `provider` member of an inline config (never its keys).
 */
export function portkeyProvider(
  provider: string | undefined,
  config: string | undefined,
): string | undefined {
  if (provider !== undefined) return PORTKEY_PROVIDERS.get(provider.trim().toLowerCase());
  if (config === undefined || !config.trimStart().startsWith('{')) return undefined;
  try {
    const named = (JSON.parse(config) as { provider?: unknown } | null)?.provider;
    return typeof named === 'string' ? PORTKEY_PROVIDERS.get(named.trim().toLowerCase()) : undefined;
  } catch {
    return undefined;
  }
}

/** The response header in which a gateway says whether it answered from its own cache. */
const CACHE_STATUS_HEADERS: ReadonlyMap<string, string> = new Map([
  [AI_GATEWAY_CLOUDFLARE, 'cf-aig-cache-status'],
  [AI_GATEWAY_PORTKEY, 'x-portkey-cache-status'],
  [AI_GATEWAY_HELICONE, 'helicone-cache'],
]);

/**
 * The gateway answered from its own cache (`HIT`; Portkey's semantic cache: `SEMANTIC HIT`), so no
 * provider was called and the call cost nothing. One header lookup, for those three gateways only.
 */
export function gatewayCacheHit(gateway: string, headers: HeaderSource): boolean {
  const name = CACHE_STATUS_HEADERS.get(gateway);
  if (name === undefined) return false;
  const status = header(headers, name)?.trim().toUpperCase();
  return status === 'HIT' || status === 'SEMANTIC HIT';
}

/** LiteLLM's cost of the call in USD (a decimal string), on non-streamed responses. */
export const LITELLM_COST_HEADER = 'x-litellm-response-cost';

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const v = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The response headers that name a gateway, in the order the gateways are told apart (the first present wins). */
const GATEWAY_HEADERS: readonly (readonly [string, string])[] = [
  ['x-litellm-call-id', AI_GATEWAY_LITELLM],
  ['x-litellm-model-id', AI_GATEWAY_LITELLM],
  ['x-litellm-version', AI_GATEWAY_LITELLM],
  [LITELLM_COST_HEADER, AI_GATEWAY_LITELLM],
  ['helicone-id', AI_GATEWAY_HELICONE],
  ['x-portkey-trace-id', AI_GATEWAY_PORTKEY],
  ['cf-aig-log-id', AI_GATEWAY_CLOUDFLARE],
  ['cf-aig-cache-status', AI_GATEWAY_CLOUDFLARE],
];
const GATEWAY_HEADER_RANK: ReadonlyMap<string, number> = new Map(
  GATEWAY_HEADERS.map(([name], i) => [name, i]),
);

/** The gateway a response's headers name, or undefined. */
export function gatewayFromHeaders(headers: HeaderSource): string | undefined {
  // A fetch Response's headers: one pass over the names it has (eight get()s cost three times more).
  if (headers instanceof Headers) {
    let best = GATEWAY_HEADERS.length;
    for (const name of headers.keys()) {
      const rank = GATEWAY_HEADER_RANK.get(name);
      if (rank !== undefined && rank < best) best = rank;
    }
    return GATEWAY_HEADERS[best]?.[1];
  }
  for (const [name, gateway] of GATEWAY_HEADERS) if (header(headers, name) !== undefined) return gateway;
  return undefined;
}

/**
 * The cost a gateway reports in a response header, in nano-dollars: LiteLLM's
 * `x-litellm-response-cost`. Read on non-streamed responses only: a stream's headers are sent
 * before the model has generated anything, so a streamed call's header cannot hold its cost.
 */
export function headerReportedCost(headers: HeaderSource): number | undefined {
  const v = header(headers, LITELLM_COST_HEADER);
  return v === undefined ? undefined : usdToNanos(v);
}
