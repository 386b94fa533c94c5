// AI gateways in front of the mock's providers, chosen by a path prefix `/gateway/<name>/...` (the
// rest is the provider path the gateway serves): the response headers each gateway adds, and the
// cost it reports. Shapes from the gateways' docs:
// - openrouter: every response's `usage` carries `cost` (USD credits), `is_byok` and `cost_details`
//   (streams end with a usage chunk whether or not include_usage was asked: OpenRouter's "usage
//   accounting"); the body names the upstream `provider`.
// - litellm: x-litellm-call-id, x-litellm-model-id, x-litellm-version, x-litellm-response-duration-ms,
//   and x-litellm-response-cost (USD) on non-streamed responses (a stream's headers leave first);
//   with include_cost_in_streaming_usage, a stream's last usage carries `cost`.
// - portkey: x-portkey-trace-id, x-portkey-retry-attempt-count, x-portkey-cache-status, and
//   x-portkey-provider naming the provider that served the call (Portkey-AI/gateway sets it on
//   every response whose provider it knows).
// - helicone: helicone-id.
// - cloudflare: cf-aig-log-id, cf-aig-event-id, cf-aig-cache-status, cf-aig-step; its path is
//   `/v1/{account}/{gateway}/{provider}/{provider path}` (Cloudflare AI Gateway's own layout).
// - vercel: OpenAI format, no gateway headers.
// The reported cost is `x-mock-reported-cost` (USD) when the request sets it, else the call's
// tokens at gpt-4o-mini's list price ($0.15 in / $0.60 out per million).
import { randomUUID } from 'node:crypto';
import { type Ctx, header, type Provider } from './context.js';

export type MockGateway = 'openrouter' | 'litellm' | 'portkey' | 'helicone' | 'cloudflare' | 'vercel';

const GATEWAYS: ReadonlySet<string> = new Set([
  'openrouter',
  'litellm',
  'portkey',
  'helicone',
  'cloudflare',
  'vercel',
]);
const PREFIX = /^\/gateway\/([a-z]+)(\/.*)$/;
const CLOUDFLARE = /^\/v1\/[^/]+\/[^/]+\/[^/]+(\/.*)$/;

/** The gateway a path goes through and the provider path it serves, or undefined. */
export function gatewayOfPath(path: string): { gateway: MockGateway; path: string } | undefined {
  const m = PREFIX.exec(path);
  if (!m || !GATEWAYS.has(m[1]!)) return undefined;
  const gateway = m[1] as MockGateway;
  let rest = m[2]!;
  if (gateway === 'cloudflare') {
    const cf = CLOUDFLARE.exec(rest);
    if (cf) rest = cf[1]!;
  }
  return { gateway, path: rest };
}

/** The cost the gateway reports for a call with this OpenAI-style usage, in USD. */
export function reportedCostUsd(ctx: Ctx, promptTokens: number, completionTokens: number): number {
  const forced = header(ctx, 'x-mock-reported-cost');
  if (forced !== undefined && Number.isFinite(Number(forced))) return Number(forced);
  return (promptTokens * 0.15 + completionTokens * 0.6) / 1e6;
}

/** The cost the gateway reports for an OpenAI usage object, in USD. */
function costOfUsage(ctx: Ctx, usage: Record<string, unknown>): number {
  const prompt = typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : 0;
  const completion = typeof usage.completion_tokens === 'number' ? usage.completion_tokens : 0;
  return reportedCostUsd(ctx, prompt, completion);
}

/** OpenRouter's usage accounting added to an OpenAI usage object (in place). */
export function addOpenRouterCost(ctx: Ctx, usage: Record<string, unknown>): void {
  usage.cost = costOfUsage(ctx, usage);
  usage.is_byok = false;
  usage.cost_details = { upstream_inference_cost: null };
}

/**
 * A LiteLLM proxy run with `include_cost_in_streaming_usage: true` puts the call's cost in the usage
 * of a stream's last chunk (`usage.cost`, USD); the request asks the mock to be such a proxy with
 * `x-mock-include-cost-in-streaming-usage: true`. In place.
 */
export function addLiteLLMStreamCost(ctx: Ctx, usage: Record<string, unknown>): void {
  if (header(ctx, 'x-mock-include-cost-in-streaming-usage') === 'true') usage.cost = costOfUsage(ctx, usage);
}

/** The headers the gateway adds to a response (`usage` known: non-streamed JSON bodies). */
export function gatewayHeaders(
  ctx: Ctx,
  usage?: { prompt: number; completion: number },
): Record<string, string> {
  switch (ctx.gateway) {
    case 'litellm': {
      const h: Record<string, string> = {
        'x-litellm-call-id': randomUUID(),
        'x-litellm-model-id': 'b3c4f1d2e5a6978812345678abcdef0123456789abcdef0123456789abcdef01',
        'x-litellm-version': '1.74.9',
        'x-litellm-response-duration-ms': '412.5',
      };
      if (usage !== undefined)
        h['x-litellm-response-cost'] = String(reportedCostUsd(ctx, usage.prompt, usage.completion));
      return h;
    }
    case 'portkey':
      return {
        'x-portkey-trace-id': randomUUID(),
        'x-portkey-retry-attempt-count': '0',
        'x-portkey-cache-status': cacheHit(ctx) ? 'HIT' : 'DISABLED',
        'x-portkey-provider': portkeyServedBy(ctx),
      };
    case 'helicone':
      return cacheHit(ctx)
        ? { 'helicone-id': randomUUID(), 'helicone-cache': 'HIT' }
        : { 'helicone-id': randomUUID() };
    case 'cloudflare':
      return {
        'cf-aig-log-id': '01JADMCQQQBWH3NXZ5GCRN98DP',
        'cf-aig-event-id': randomUUID(),
        'cf-aig-cache-status': cacheHit(ctx) ? 'HIT' : 'MISS',
        'cf-aig-step': '0',
      };
    default:
      return {};
  }
}

/** The request asks for an answer "from the gateway's cache" (`x-mock-gateway-cache: hit`). */
function cacheHit(ctx: Ctx): boolean {
  return header(ctx, 'x-mock-gateway-cache') === 'hit';
}

/** Portkey's slug of each mock provider. */
const PORTKEY_SLUGS: Record<Provider, string> = {
  openai: 'openai',
  azure: 'azure-openai',
  anthropic: 'anthropic',
  gemini: 'google',
  bedrock: 'bedrock',
  ollama: 'ollama',
};

/**
 * The provider Portkey says served a call (its `x-portkey-provider` response header):
 * `x-mock-served-by` (what a virtual key or saved config resolved to, a fallback target), else the
 * one the request names in `x-portkey-provider` or an inline `x-portkey-config`, else the provider
 * whose API the path speaks.
 */
function portkeyServedBy(ctx: Ctx): string {
  const served = header(ctx, 'x-mock-served-by');
  if (served !== undefined) return served;
  const named = header(ctx, 'x-portkey-provider') ?? inlineConfigProvider(header(ctx, 'x-portkey-config'));
  return named !== undefined && !named.startsWith('@') ? named : PORTKEY_SLUGS[ctx.provider];
}

/** The `provider` of an inline JSON `x-portkey-config` (not a saved config's id). */
function inlineConfigProvider(config: string | undefined): string | undefined {
  if (config === undefined || !config.trimStart().startsWith('{')) return undefined;
  try {
    const provider = (JSON.parse(config) as { provider?: unknown }).provider;
    return typeof provider === 'string' ? provider : undefined;
  } catch {
    return undefined;
  }
}

/** The OpenAI / Anthropic usage of a JSON body, for the header cost. */
export function usageOfBody(body: string): { prompt: number; completion: number } | undefined {
  try {
    const u = (JSON.parse(body) as { usage?: Record<string, unknown> }).usage;
    if (!u) return undefined;
    const n = (v: unknown) => (typeof v === 'number' ? v : 0);
    return {
      prompt: n(u.prompt_tokens) + n(u.input_tokens),
      completion: n(u.completion_tokens) + n(u.output_tokens),
    };
  } catch {
    return undefined;
  }
}
