// AI gateways (LLM API gateways and proxies; not tokenmeter's OTLP gateway): which one a response
// came through, when its host did not say (a self-hosted LiteLLM proxy, Helicone, Portkey or
// Cloudflare AI Gateway behind a company URL), and the cost a gateway reports in a header.
// Hosts are classified in recognize.ts; response bodies (OpenRouter's usage.cost) in the formats.
//
// Response headers that name a gateway (each gateway's documented headers):
// - LiteLLM proxy: x-litellm-call-id, x-litellm-model-id, x-litellm-version, x-litellm-response-cost
// - Helicone: helicone-id
// - Portkey: x-portkey-trace-id (also x-portkey-cache-status, x-portkey-retry-attempt-count)
// - Cloudflare AI Gateway: cf-aig-log-id, cf-aig-cache-status, cf-aig-event-id
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

/** LiteLLM's cost of the call in USD (a decimal string), on non-streamed responses. */
export const LITELLM_COST_HEADER = 'x-litellm-response-cost';

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const v = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The gateway a response's headers name, or undefined. */
export function gatewayFromHeaders(headers: HeaderSource): string | undefined {
  if (
    header(headers, 'x-litellm-call-id') !== undefined ||
    header(headers, 'x-litellm-model-id') !== undefined ||
    header(headers, 'x-litellm-version') !== undefined ||
    header(headers, LITELLM_COST_HEADER) !== undefined
  )
    return AI_GATEWAY_LITELLM;
  if (header(headers, 'helicone-id') !== undefined) return AI_GATEWAY_HELICONE;
  if (header(headers, 'x-portkey-trace-id') !== undefined) return AI_GATEWAY_PORTKEY;
  if (header(headers, 'cf-aig-log-id') !== undefined || header(headers, 'cf-aig-cache-status') !== undefined)
    return AI_GATEWAY_CLOUDFLARE;
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
