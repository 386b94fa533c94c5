// Request recognition: which wire format a request is in and which provider it goes to, from its
// URL (host + path); the format's own object (formats.ts) then reads the body. Runs on every fetch of
// the app, so a URL that is not an LLM inference call is rejected after a method compare, one
// hostname lookup and a few `endsWith` checks, without allocating.
//
// How a request is classified, in order:
// 1. Method: only POST requests are inference calls.
// 2. User-configured endpoints (`options.providers`, env TOKENMETER_PROVIDERS in the distro): a URL
//    under a configured base URL takes that entry's provider name; its wire format comes from the
//    path (OpenAI paths, `/messages`, Gemini `:generateContent`, Bedrock `/model/{id}/converse`).
//    This is how a user or a test says "this base URL is OpenAI":
//      providers: [{ baseUrl: 'http://127.0.0.1:4010/v1', provider: 'openai' }]
// 3. Known provider hosts (api.openai.com, *.openai.azure.com, api.anthropic.com,
//    generativelanguage.googleapis.com, *aiplatform.googleapis.com, bedrock-runtime.*.amazonaws.com,
//    api.mistral.ai, api.groq.com, api.deepseek.com, api.x.ai, api.together.xyz|ai,
//    api.fireworks.ai, openrouter.ai, and localhost|127.0.0.1:11434 and ollama.com for Ollama, whose
//    native API (`/api/chat`, `/api/generate`, `/api/embed`) is recognised there and under
//    configured endpoints, never by path alone).
//    Known AI gateways: openrouter.ai (its own price list, then the model's provider), Portkey
//    (api.portkey.ai), Helicone (oai.helicone.ai relays OpenAI, anthropic.helicone.ai Anthropic,
//    any other *.helicone.ai by model), Vercel AI Gateway (ai-gateway.vercel.sh) and Cloudflare AI
//    Gateway (gateway.ai.cloudflare.com/v1/{account}/{gateway}/{provider}/..., the provider named by
//    the path). A request through a gateway carries `gateway` (tokenmeter.ai_gateway.name).
// 4. Any other host (including loopback) by path, as the format's default provider (and, to keep
//    other APIs' look-alike paths out, with a `/v1` or `/openai/` prefix for the generic
//    `/completions`, `/embeddings`, `/responses`, and a `model` in the body when the body is known):
//    - OpenAI paths (`.../chat/completions`, `.../completions`, `.../embeddings`, `.../responses`)
//      → `openai_compatible`: the format is spoken by many vendors and local servers, so the host
//      does not tell which; `http://127.0.0.1:PORT/v1/chat/completions` is openai_compatible.
//    - `.../v1/messages` (Anthropic Messages) → `anthropic`, and Gemini paths
//      (`/models/{model}:generateContent`, ...) → the Gemini API provider: in practice only their owner's
//      API (behind a gateway, a proxy or a mock) speaks them on an unknown host. Known hosts that
//      offer an Anthropic-compatible endpoint (DeepSeek, xAI) keep their own provider.
//    On an unknown host or a gateway the provider that prices the call is inferred from the model
//    (`providerFromModel: 'first'`); a declared entry prices with its own name first and infers
//    when that does not price the model (`'fallback'`), unless it names a self-hosted server
//    (vllm, ollama, lm_studio, openai_compatible, ...: priced by overrides only). A declared name
//    `gateway` (or litellm, portkey, helicone, cloudflare, vercel) declares a gateway.
// Not inference calls, so null: Anthropic `/v1/messages/count_tokens` and `/v1/messages/batches`,
// OpenAI `/v1/batches`, Gemini `:countTokens` and `:batchGenerateContent`, Vertex `:countTokens` /
// `:computeTokens`, GET retrievals of stored responses, anything not POST. (Batch creations and
// reads, and downloads of batch results, are observed apart: adapters/batch-jobs.ts, batch-results.ts.)

import { SELF_HOSTED_PROVIDERS } from '@tokenmeter/pricing';
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
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI_COMPATIBLE,
  GEN_AI_PROVIDER_NAME_VALUE_OPENROUTER,
  GEN_AI_PROVIDER_NAME_VALUE_TOGETHER_AI,
  GEN_AI_PROVIDER_NAME_VALUE_X_AI,
} from '@tokenmeter/semconv';
import { bedrockModelFromId } from './bedrock/model-id.js';
import { WIRE_FORMATS } from './formats.js';
import {
  AI_GATEWAY_CLOUDFLARE,
  AI_GATEWAY_HELICONE,
  AI_GATEWAY_NAMES,
  AI_GATEWAY_OPENROUTER,
  AI_GATEWAY_PORTKEY,
  AI_GATEWAY_VERCEL,
} from './gateways.js';
import type { RequestInfo, RequestView, WireApi, WireFormat } from './types.js';
import { type Obj, obj } from './util.js';

/** A user-configured endpoint: requests under `baseUrl` are recorded with `provider`. */
export interface ProviderEndpointOption {
  baseUrl: string;
  provider: string;
}

export interface RecognizeOptions {
  /** Extra endpoints (self-hosted servers, proxies, test mocks). Checked before the known hosts. */
  providers?: readonly ProviderEndpointOption[];
}

type Format = WireApi;

const CHAT: Format = 'openai.chat';
const COMPLETIONS: Format = 'openai.completions';
const EMBEDDINGS: Format = 'openai.embeddings';
const RESPONSES: Format = 'openai.responses';
const MESSAGES: Format = 'anthropic.messages';

/** The OpenAI format a path ends with, or undefined. */
function openaiFormat(path: string): Format | undefined {
  if (path.endsWith('/chat/completions')) return CHAT;
  if (path.endsWith('/completions')) return COMPLETIONS;
  if (path.endsWith('/embeddings')) return EMBEDDINGS;
  if (path.endsWith('/responses')) return RESPONSES;
  return undefined;
}

/**
 * Ollama's native API (`/api/chat`, `/api/generate`, `/api/embed`, and the legacy `/api/embeddings`
 * when the provider is Ollama's), under any prefix: only on Ollama's own hosts and configured
 * endpoints, never by path alone on an unknown host (`/api/chat` is too common a path).
 */
function ollamaFormat(path: string, provider: string): Format | undefined {
  if (path.endsWith('/api/chat')) return 'ollama.chat';
  if (path.endsWith('/api/generate')) return 'ollama.generate';
  if (path.endsWith('/api/embed')) return 'ollama.embed';
  if (provider === GEN_AI_PROVIDER_NAME_VALUE_OLLAMA && path.endsWith('/api/embeddings'))
    return 'ollama.embed';
  return undefined;
}

/** Anthropic Messages: `/v1/messages` or `/messages` (not count_tokens, not batches). */
function isMessagesPath(path: string): boolean {
  return path.endsWith('/v1/messages') || path === '/messages' || path.endsWith('/anthropic/messages');
}

const GEMINI_PATH =
  /^(?:.*?)\/(?:v1|v1beta|v1alpha)\/(?:models|tunedModels)\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/;
const VERTEX_PATH =
  /^\/(?:v1|v1beta1)\/projects\/[^/]+\/locations\/[^/]+\/publishers\/([^/]+)\/models\/([^/:]+):([A-Za-z]+)$/;
const VERTEX_OPENAI_PATH = /^\/(?:v1|v1beta1)\/projects\/[^/]+\/locations\/[^/]+\/endpoints\/openapi\/(.+)$/;
const BEDROCK_PATH = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/;
const AZURE_DEPLOYMENT_PATH = /^\/openai\/deployments\/([^/]+)\/(.+)$/;

interface Classified {
  provider: string;
  format: Format;
  /** Model named by the URL (Gemini, Vertex, Bedrock, Azure deployment). */
  urlModel?: string;
  /** The body's `model` wins over `urlModel` (Azure: the body names the model the caller asked for). */
  bodyModelWins?: boolean;
  deployment?: string;
  /** The path says the response streams (streamGenerateContent, converse-stream, ...). */
  stream?: boolean;
  gateway?: string;
  providerFromModel?: 'first' | 'fallback';
  streamOptions?: boolean;
}

function geminiFromPath(provider: string, path: string): Classified | null {
  const m = GEMINI_PATH.exec(path);
  if (!m) return null;
  const method = m[2]!;
  if (method === 'embedContent' || method === 'batchEmbedContents') {
    return { provider, format: 'gemini.embed', urlModel: m[1]! };
  }
  return {
    provider,
    format: 'gemini.generate',
    urlModel: m[1]!,
    stream: method === 'streamGenerateContent',
  };
}

function bedrockFromPath(provider: string, path: string): Classified | null {
  const m = BEDROCK_PATH.exec(path);
  if (!m) {
    const format = path.startsWith('/openai/') ? openaiFormat(path) : undefined;
    return format ? { provider, format } : null;
  }
  let modelId: string;
  try {
    modelId = decodeURIComponent(m[1]!);
  } catch {
    modelId = m[1]!;
  }
  const action = m[2]!;
  return {
    provider,
    format: action.startsWith('converse') ? 'bedrock.converse' : 'bedrock.invoke',
    urlModel: bedrockModelFromId(modelId),
    stream: action.endsWith('stream'),
  };
}

/** Classify the path under a configured or unknown host, by wire format. */
function byFormat(provider: string | undefined, path: string): Classified | null {
  const openai = openaiFormat(path);
  if (openai) {
    if (openai === EMBEDDINGS && provider !== undefined) {
      const ollama = ollamaFormat(path, provider);
      if (ollama) return { provider, format: ollama };
    }
    return { provider: provider ?? GEN_AI_PROVIDER_NAME_VALUE_OPENAI_COMPATIBLE, format: openai };
  }
  if (isMessagesPath(path))
    return { provider: provider ?? GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC, format: MESSAGES };
  if (path.includes(':')) {
    const gemini = geminiFromPath(provider ?? GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI, path);
    if (gemini) return gemini;
    if (provider !== undefined) return vertexFromPath(provider, path);
    return null;
  }
  if (provider !== undefined) {
    if (path.startsWith('/model/')) return bedrockFromPath(provider, path);
    const ollama = ollamaFormat(path, provider);
    if (ollama) return { provider, format: ollama };
  }
  return null;
}

function vertexFromPath(provider: string, path: string): Classified | null {
  const m = VERTEX_PATH.exec(path);
  if (!m) {
    const o = VERTEX_OPENAI_PATH.exec(path);
    const format = o ? openaiFormat(`/${o[1]}`) : undefined;
    return format ? { provider, format } : null;
  }
  const publisher = m[1]!;
  const model = m[2]!;
  const method = m[3]!;
  if (publisher === 'google') {
    if (method === 'generateContent' || method === 'streamGenerateContent') {
      return {
        provider,
        format: 'gemini.generate',
        urlModel: model,
        stream: method === 'streamGenerateContent',
      };
    }
    if (method === 'predict' || method === 'embedContent') {
      return { provider, format: 'gemini.embed', urlModel: model };
    }
    return null;
  }
  if (method !== 'rawPredict' && method !== 'streamRawPredict') return null;
  if (model === 'count-tokens') return null;
  // Claude on Vertex speaks Anthropic Messages; the other partner models (Mistral, Llama, ...)
  // served through rawPredict speak the OpenAI chat format.
  const format = publisher === 'anthropic' ? MESSAGES : CHAT;
  return { provider, format, urlModel: model, stream: method === 'streamRawPredict' };
}

function azureFromPath(path: string): Classified | null {
  const provider = GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI;
  const d = AZURE_DEPLOYMENT_PATH.exec(path);
  if (d) {
    const rest = `/${d[2]}`;
    const format = openaiFormat(rest);
    if (!format) return null;
    let deployment: string;
    try {
      deployment = decodeURIComponent(d[1]!);
    } catch {
      deployment = d[1]!;
    }
    return { provider, format, urlModel: deployment, deployment, bodyModelWins: true };
  }
  if (path.startsWith('/openai/')) {
    const format = openaiFormat(path);
    return format ? { provider, format } : null;
  }
  if (path.startsWith('/models/')) {
    // Azure AI Foundry model inference: any vendor's model, OpenAI chat format.
    const format = openaiFormat(path);
    return format ? { provider: GEN_AI_PROVIDER_NAME_VALUE_OPENAI_COMPATIBLE, format } : null;
  }
  return null;
}

/** Known OpenAI-compatible hosts → provider. */
const COMPATIBLE_HOSTS: ReadonlyMap<string, string> = new Map([
  ['api.openai.com', GEN_AI_PROVIDER_NAME_VALUE_OPENAI],
  ['api.mistral.ai', GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI],
  ['api.groq.com', GEN_AI_PROVIDER_NAME_VALUE_GROQ],
  ['api.deepseek.com', GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK],
  ['api.x.ai', GEN_AI_PROVIDER_NAME_VALUE_X_AI],
  ['api.together.xyz', GEN_AI_PROVIDER_NAME_VALUE_TOGETHER_AI],
  ['api.together.ai', GEN_AI_PROVIDER_NAME_VALUE_TOGETHER_AI],
  ['api.fireworks.ai', GEN_AI_PROVIDER_NAME_VALUE_FIREWORKS_AI],
  ['openrouter.ai', GEN_AI_PROVIDER_NAME_VALUE_OPENROUTER],
]);

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function classifyKnownHost(host: string, path: string, url: URL): Classified | null | undefined {
  const compatible = COMPATIBLE_HOSTS.get(host);
  if (compatible !== undefined) {
    if (
      compatible === GEN_AI_PROVIDER_NAME_VALUE_OPENAI &&
      (path.includes('/batches') || !path.startsWith('/v1/'))
    ) {
      return null;
    }
    const format = openaiFormat(path);
    const c: Classified | null = format
      ? { provider: compatible, format }
      : // DeepSeek (/anthropic/v1/messages) and xAI (/v1/messages) also speak Anthropic Messages.
        isMessagesPath(path)
        ? { provider: compatible, format: MESSAGES }
        : null;
    if (c !== null && compatible === GEN_AI_PROVIDER_NAME_VALUE_OPENROUTER) {
      c.gateway = AI_GATEWAY_OPENROUTER;
      c.providerFromModel = 'fallback';
    }
    return c;
  }
  switch (host) {
    case 'api.anthropic.com':
      return path === '/v1/messages'
        ? { provider: GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC, format: MESSAGES }
        : null;
    case 'generativelanguage.googleapis.com': {
      if (path.includes('/openai/')) {
        const format = openaiFormat(path);
        return format ? { provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI, format } : null;
      }
      return geminiFromPath(GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI, path);
    }
    case 'aiplatform.googleapis.com':
      return vertexFromPath(GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI, path);
    case 'ollama.com':
      return ollamaOn(path);
    case 'gateway.ai.cloudflare.com':
      return cloudflareFromPath(path);
    case 'api.portkey.ai':
      return throughGateway(AI_GATEWAY_PORTKEY, path);
    case 'ai-gateway.vercel.sh':
      return throughGateway(AI_GATEWAY_VERCEL, path);
    case 'oai.helicone.ai':
      return relayedBy(AI_GATEWAY_HELICONE, byFormat(GEN_AI_PROVIDER_NAME_VALUE_OPENAI, path));
    case 'anthropic.helicone.ai':
      return relayedBy(AI_GATEWAY_HELICONE, byFormat(GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC, path));
  }
  // Suffix-matched hosts.
  if (
    host.endsWith('.openai.azure.com') ||
    host.endsWith('.cognitiveservices.azure.com') ||
    host.endsWith('.services.ai.azure.com')
  ) {
    return azureFromPath(path);
  }
  if (host.endsWith('-aiplatform.googleapis.com'))
    return vertexFromPath(GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI, path);
  if (
    (host.startsWith('bedrock-runtime.') || host.startsWith('bedrock-runtime-fips.')) &&
    (host.endsWith('.amazonaws.com') || host.endsWith('.amazonaws.com.cn'))
  ) {
    return bedrockFromPath(GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK, path);
  }
  if (host.endsWith('.helicone.ai')) return throughGateway(AI_GATEWAY_HELICONE, path);
  if (url.port === '11434' && LOOPBACK.has(host)) return ollamaOn(path);
  return undefined; // not a known host
}

/** A URL with no port: the host-only question below never takes a host for local Ollama. */
const HOST_ONLY = new URL('http://host.invalid');

/**
 * Whether `hostname` (lower case, no port) is a known LLM provider's own API host (step 3 above):
 * a third party, to which the distro sends no trace context or baggage. Configured endpoints and
 * loopback servers are not.
 */
export function isKnownProviderHost(hostname: string): boolean {
  // With an empty path every known host classifies as null (not an inference call), an unknown one
  // as undefined.
  return classifyKnownHost(hostname, '', HOST_ONLY) !== undefined;
}

/** A local Ollama server or Ollama's cloud API: the native API, and the OpenAI-compatible `/v1`. */
function ollamaOn(path: string): Classified | null {
  const format = ollamaFormat(path, GEN_AI_PROVIDER_NAME_VALUE_OLLAMA) ?? openaiFormat(path);
  return format ? { provider: GEN_AI_PROVIDER_NAME_VALUE_OLLAMA, format } : null;
}

/** A request through a gateway that serves any provider's models: the provider comes from the model. */
function throughGateway(gateway: string, path: string): Classified | null {
  const c = byFormat(undefined, path);
  if (c === null) return null;
  c.gateway = gateway;
  c.providerFromModel = 'first';
  return c;
}

/** A request a gateway relays to the provider the URL names: that provider, then the model's. */
function relayedBy(gateway: string, c: Classified | null): Classified | null {
  if (c === null) return null;
  c.gateway = gateway;
  c.providerFromModel = 'fallback';
  return c;
}

/** Cloudflare AI Gateway's provider path segments → gen_ai.provider.name. */
const CLOUDFLARE_PROVIDERS: ReadonlyMap<string, string> = new Map([
  ['openai', GEN_AI_PROVIDER_NAME_VALUE_OPENAI],
  ['anthropic', GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC],
  ['google-ai-studio', GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI],
  ['google-vertex-ai', GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI],
  ['azure-openai', GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI],
  ['aws-bedrock', GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK],
  ['groq', GEN_AI_PROVIDER_NAME_VALUE_GROQ],
  ['mistral', GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI],
  ['deepseek', GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK],
  ['grok', GEN_AI_PROVIDER_NAME_VALUE_X_AI],
  ['openrouter', GEN_AI_PROVIDER_NAME_VALUE_OPENROUTER],
]);

/**
 * Cloudflare AI Gateway: `/v1/{account}/{gateway}/{provider}/{the provider's own path}`. A provider
 * segment it relays to prices the call (then the model's provider); `compat` (the unified
 * OpenAI-compatible endpoint, `provider/model` names), `workers-ai` and the rest by model.
 */
function cloudflareFromPath(path: string): Classified | null {
  if (!path.startsWith('/v1/')) return null;
  let at = 4;
  for (let i = 0; i < 2; i++) {
    const next = path.indexOf('/', at);
    if (next < 0) return null;
    at = next + 1;
  }
  const end = path.indexOf('/', at);
  if (end < 0) return null;
  const segment = path.slice(at, end);
  const rest = path.slice(end);
  const provider = CLOUDFLARE_PROVIDERS.get(segment);
  if (provider === undefined) return throughGateway(AI_GATEWAY_CLOUDFLARE, rest);
  if (provider === GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK) {
    const model = rest.indexOf('/model/');
    return relayedBy(AI_GATEWAY_CLOUDFLARE, model < 0 ? null : bedrockFromPath(provider, rest.slice(model)));
  }
  return relayedBy(AI_GATEWAY_CLOUDFLARE, byFormat(provider, rest));
}

/** Declared providers whose servers reject `stream_options` (Mistral: 422) or send usage unasked. */
const NO_STREAM_OPTIONS: ReadonlySet<string> = new Set([
  GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI,
  GEN_AI_PROVIDER_NAME_VALUE_TOGETHER_AI,
  GEN_AI_PROVIDER_NAME_VALUE_FIREWORKS_AI,
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI, // by api-version (acceptsStreamOptions)
]);

/** A request under a declared endpoint: the format by path; how pricing and streams treat it by name. */
function declared(name: string, path: string): Classified | null {
  const c = AI_GATEWAY_NAMES.has(name) ? throughGateway(name, path) : byFormat(name, path);
  if (c === null) return null;
  // What the user declared is theirs: include_usage is asked for unless the name is known to refuse it.
  if (!NO_STREAM_OPTIONS.has(name)) c.streamOptions = true;
  if (c.gateway !== undefined) return c;
  if (!SELF_HOSTED_PROVIDERS.has(name)) c.providerFromModel = 'fallback';
  return c;
}

interface CompiledEndpoint {
  protocol: string;
  host: string;
  pathPrefix: string;
  provider: string;
}

const compiledCache = new WeakMap<readonly ProviderEndpointOption[], CompiledEndpoint[]>();

function compile(providers: readonly ProviderEndpointOption[]): CompiledEndpoint[] {
  let compiled = compiledCache.get(providers);
  if (compiled) return compiled;
  compiled = [];
  for (const p of providers) {
    try {
      const u = new URL(p.baseUrl);
      let prefix = u.pathname;
      if (prefix.endsWith('/')) prefix = prefix.slice(0, -1);
      compiled.push({ protocol: u.protocol, host: u.host, pathPrefix: prefix, provider: p.provider });
    } catch {
      // An invalid base URL is skipped (the distro validates config at start-up).
    }
  }
  // Longest prefix first, so a more specific entry wins.
  compiled.sort((a, b) => b.pathPrefix.length - a.pathPrefix.length);
  compiledCache.set(providers, compiled);
  return compiled;
}

function matchConfigured(
  url: URL,
  path: string,
  providers: readonly ProviderEndpointOption[],
): Classified | null | undefined {
  const host = url.host;
  for (const c of compile(providers)) {
    if (c.host !== host || c.protocol !== url.protocol) continue;
    if (c.pathPrefix !== '' && path !== c.pathPrefix && !path.startsWith(`${c.pathPrefix}/`)) continue;
    // The format is read from the whole path (OpenAI and Anthropic paths by suffix, Gemini by pattern).
    return declared(c.provider, path);
  }
  return undefined;
}

/**
 * On an unknown host a path suffix alone could be some other API's (`POST /forms/x/responses`).
 * Require the usual API prefix for the generic suffixes; when the body is known, `requestInfoOf`
 * also requires the fields the format cannot do without (`WireFormat.plausible`: a `model`;
 * Anthropic also `messages`).
 */
function plausiblePath(c: Classified, path: string): boolean {
  const api = c.format;
  if (api === 'openai.completions' || api === 'openai.embeddings' || api === 'openai.responses') {
    if (!path.includes('/v1') && !path.includes('/openai/')) return false;
  }
  return true;
}

function isPost(method: string | undefined): boolean {
  return (
    method === 'POST' || (method !== undefined && method.length === 4 && method.toUpperCase() === 'POST')
  );
}

/**
 * What a request's URL says (steps 2–4 above, the body not yet read): its wire format, provider and
 * URL-level facts. The fetch layer recognises the URL once, before it reads the body, and then
 * `requestInfoOf` reads the body into it: one classification per call instead of two. It depends
 * only on the URL and the options, and is never changed: it may be kept for a URL that never changes.
 */
export interface UrlMatch {
  /** @internal */
  readonly classified: Classified;
  /** @internal */
  readonly host: string;
  /** @internal The URL's port, or its protocol's. */
  readonly port: number;
  /** @internal The wire format's own object. */
  readonly format: WireFormat;
  /** @internal Azure OpenAI: the `api-version` query parameter, when present. */
  readonly apiVersion: string | undefined;
  /** @internal The host is unknown: the body must also look like the format's (`plausible`). */
  readonly unknownHost: boolean;
}

/**
 * Recognise an inference call's URL (a POST's): null fast for anything else. Never throws.
 * @param url the request URL.
 */
export function recognizeUrl(url: URL, options?: RecognizeOptions): UrlMatch | null {
  try {
    const path = url.pathname;
    let classified: Classified | null | undefined;
    const providers = options?.providers;
    if (providers !== undefined && providers.length > 0) classified = matchConfigured(url, path, providers);
    const host = url.hostname;
    if (classified === undefined) classified = classifyKnownHost(host, path, url);
    let unknownHost = false;
    if (classified === undefined) {
      // Unknown host: by path alone. Cheap pre-check before any regex.
      const last = path.charCodeAt(path.length - 1);
      // ...s (completions, embeddings, responses, messages) or ...t (generateContent, ...Contents)
      if (last !== 115 && last !== 116) return null;
      classified = byFormat(undefined, path);
      if (classified && !plausiblePath(classified, path)) return null;
      if (classified) classified.providerFromModel = 'first';
      unknownHost = true;
    }
    if (!classified) return null;
    const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
    const apiVersion =
      classified.provider === GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI
        ? url.searchParams.get('api-version') || undefined
        : undefined;
    return { classified, host, port, format: WIRE_FORMATS[classified.format], apiVersion, unknownHost };
  } catch {
    return null;
  }
}

/**
 * The RequestInfo of a recognised URL (`recognizeUrl`) and its request's parsed JSON body, when the
 * fetch layer has it: null when the body does not look like the format's on an unknown host. Never
 * throws. The result is what `recognizeRequest` returns for the same URL and body.
 */
export function requestInfoOf(match: UrlMatch, url: URL, body: unknown): RequestInfo | null {
  try {
    const b = obj(body);
    // no body for the fetch layer: trust the path
    if (match.unknownHost && b !== undefined && !match.format.plausible(b)) return null;
    return buildInfo(match, b, url);
  } catch {
    return null;
  }
}

/**
 * Recognise an LLM inference request. Returns null fast for anything else.
 * @param view the request URL, method and (when the fetch layer has it) the parsed JSON body.
 */
export function recognizeRequest(view: RequestView, options?: RecognizeOptions): RequestInfo | null {
  if (!isPost(view.method)) return null;
  const match = recognizeUrl(view.url, options);
  return match === null ? null : requestInfoOf(match, view.url, view.body);
}

function buildInfo(match: UrlMatch, b: Obj | undefined, url: URL): RequestInfo {
  const c = match.classified;
  const format = match.format;
  const info: RequestInfo = {
    provider: c.provider,
    operation: format.operation,
    stream: c.stream ?? false,
    serverAddress: match.host,
    serverPort: match.port,
    api: c.format,
  };
  if (c.urlModel !== undefined) info.requestModel = c.urlModel;
  if (c.deployment !== undefined) info.deployment = c.deployment;
  if (c.gateway !== undefined) info.gateway = c.gateway;
  if (c.providerFromModel !== undefined) info.providerFromModel = c.providerFromModel;
  if (c.streamOptions !== undefined) info.streamOptions = c.streamOptions;
  if (match.apiVersion !== undefined) info.apiVersion = match.apiVersion;
  // A format reads only the parameters the body sets (an unset one leaves no key: the record stays
  // small, and no copy or `delete` is needed to keep it so).
  if (b) format.readRequest(info, b);
  if (c.urlModel !== undefined && !c.bodyModelWins) info.requestModel = c.urlModel;
  if (info.stream) info.streamFormat = format.streamFraming(url);
  return info;
}
