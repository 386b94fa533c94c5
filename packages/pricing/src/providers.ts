// Maps gen_ai.provider.name values (and common aliases) to catalog provider ids, and rewrites model
// names the way providers report them (Bedrock ARNs, Gemini `models/...`) into names the catalog knows.

import {
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK,
  GEN_AI_PROVIDER_NAME_VALUE_FIREWORKS_AI,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI,
  GEN_AI_PROVIDER_NAME_VALUE_GROQ,
  GEN_AI_PROVIDER_NAME_VALUE_LM_STUDIO,
  GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI,
  GEN_AI_PROVIDER_NAME_VALUE_OLLAMA,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI_COMPATIBLE,
  GEN_AI_PROVIDER_NAME_VALUE_OPENROUTER,
  GEN_AI_PROVIDER_NAME_VALUE_TOGETHER_AI,
  GEN_AI_PROVIDER_NAME_VALUE_VLLM,
  GEN_AI_PROVIDER_NAME_VALUE_X_AI,
} from '@tokenmeter/semconv';

/**
 * gen_ai.provider.name → catalog provider id. Names not listed here are looked up as catalog ids,
 * then through the catalog's `provider_match` rules.
 */
export const PROVIDER_NAME_TO_CATALOG: Readonly<Record<string, string>> = {
  [GEN_AI_PROVIDER_NAME_VALUE_OPENAI]: 'openai',
  [GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI]: 'azure',
  [GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC]: 'anthropic',
  [GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI]: 'google',
  [GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI]: 'google',
  [GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK]: 'aws',
  [GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI]: 'mistral',
  [GEN_AI_PROVIDER_NAME_VALUE_GROQ]: 'groq',
  [GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK]: 'deepseek',
  [GEN_AI_PROVIDER_NAME_VALUE_X_AI]: 'x-ai',
  [GEN_AI_PROVIDER_NAME_VALUE_TOGETHER_AI]: 'together',
  [GEN_AI_PROVIDER_NAME_VALUE_FIREWORKS_AI]: 'fireworks',
  [GEN_AI_PROVIDER_NAME_VALUE_OPENROUTER]: 'openrouter',
  // Aliases seen in other instrumentations' spans (OpenLLMetry, OpenInference, older semconv).
  azure_openai: 'azure',
  'az.ai.openai': 'azure',
  gemini: 'google',
  vertex_ai: 'google',
  vertexai: 'google',
  'gcp.gen_ai': 'google',
  bedrock: 'aws',
  aws_bedrock: 'aws',
  mistralai: 'mistral',
  xai: 'x-ai',
};

/**
 * Catalog provider id → the gen_ai.provider.name to record for a call it priced: the first name of
 * PROVIDER_NAME_TO_CATALOG that maps to it (`google` → the Gemini API's name, `x-ai` → `x_ai`); a catalog id
 * with no GenAI name (cohere, cerebras, moonshotai, ...) is recorded as it is.
 */
export function providerNameOfCatalog(catalogId: string): string {
  return CATALOG_TO_PROVIDER_NAME.get(catalogId) ?? catalogId;
}

const CATALOG_TO_PROVIDER_NAME: ReadonlyMap<string, string> = (() => {
  const out = new Map<string, string>();
  for (const [name, id] of Object.entries(PROVIDER_NAME_TO_CATALOG)) if (!out.has(id)) out.set(id, name);
  return out;
})();

/**
 * Self-hosted servers: priced only by user overrides (the catalog has no price for hardware you run).
 * When the call's base URL matches a hosted provider's API (an `openai_compatible` client pointed at
 * api.deepseek.com), that provider's prices apply.
 */
export const SELF_HOSTED_PROVIDERS: ReadonlySet<string> = new Set([
  GEN_AI_PROVIDER_NAME_VALUE_OLLAMA,
  GEN_AI_PROVIDER_NAME_VALUE_VLLM,
  GEN_AI_PROVIDER_NAME_VALUE_LM_STUDIO,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI_COMPATIBLE,
  'llama.cpp',
  'localai',
  'tgi',
]);

/** Catalog id → the `<name>/` prefixes that name it in front of a model id (its id and its gen_ai names). */
const PREFIXES_OF_CATALOG: ReadonlyMap<string, readonly string[]> = (() => {
  const out = new Map<string, string[]>();
  for (const [name, id] of Object.entries(PROVIDER_NAME_TO_CATALOG)) {
    const list = out.get(id) ?? [`${id}/`];
    if (!list.includes(`${name}/`)) list.push(`${name}/`);
    out.set(id, list);
  }
  return out;
})();

/** Prefixes that name where a model is hosted rather than the model (LiteLLM's, some gateways'). */
const HOSTING_PREFIXES = ['bedrock/', 'vertex_ai/', 'azure/'];

/** Fireworks' catalog names its serverless models `accounts/fireworks/models/<id>` (routers apart). */
const FIREWORKS_ACCOUNT = 'accounts/fireworks/';

const GOOGLE_RESOURCE = /^(?:projects\/[^/]+\/locations\/[^/]+\/)?(?:publishers\/[^/]+\/)?models\/(.+)$/;
const BEDROCK_ARN =
  /^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:(?:foundation-model|inference-profile|system-defined-inference-profile)\/(.+)$/;
const BEDROCK_GEO_PREFIX = /^(?:us|eu|apac|au|jp|ca|us-gov|in)\.(.+)$/;
const DATE_SUFFIX = /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

/** `-20241022` → `-2024-10-22` (genai-prices tries this form too). */
function expandDates(name: string): string {
  return name.replace(DATE_SUFFIX, (all, dash: string, y: string, m: string, d: string) => {
    const t = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
    return t.getUTCFullYear() === Number(y) &&
      t.getUTCMonth() === Number(m) - 1 &&
      t.getUTCDate() === Number(d)
      ? `${dash}${y}-${m}-${d}`
      : all;
  });
}

/**
 * The names to try for a (lower-cased) model, most literal first: the name itself; without a Google
 * resource prefix (`models/`, `publishers/google/models/`); the model id inside a Bedrock ARN;
 * without a provider prefix (`openai/gpt-4o` sent to openai; `fireworks_ai/...` and `together_ai/...`,
 * the gen_ai names LiteLLM and gateways put in front); a bare Fireworks id under
 * `accounts/fireworks/models/` (and `routers/`); without a Bedrock geography prefix
 * (`apac.`, `us-gov.`); each with its dates expanded.
 */
export function modelNameVariants(name: string, catalogProviderId: string | undefined): string[] {
  const out: string[] = [name];
  const add = (v: string | undefined) => {
    if (v && !out.includes(v)) out.push(v);
  };
  let base = name;
  const g = GOOGLE_RESOURCE.exec(base);
  if (g) {
    base = g[1]!;
    add(base);
  }
  const arn = BEDROCK_ARN.exec(base);
  if (arn) {
    base = arn[1]!;
    add(base);
  }
  if (catalogProviderId && catalogProviderId !== 'openrouter') {
    const own = PREFIXES_OF_CATALOG.get(catalogProviderId) ?? [`${catalogProviderId}/`];
    for (const prefix of [...own, ...HOSTING_PREFIXES]) {
      if (base.startsWith(prefix)) {
        base = base.slice(prefix.length);
        add(base);
      }
    }
  }
  if (catalogProviderId === 'fireworks' && !base.startsWith(FIREWORKS_ACCOUNT) && !base.includes('/')) {
    // The short id some gateways and SDKs use (`llama-v3p1-8b-instruct`): Fireworks' own full name.
    add(`${FIREWORKS_ACCOUNT}models/${base}`);
    add(`${FIREWORKS_ACCOUNT}routers/${base}`);
  }
  if (catalogProviderId === 'aws') {
    const geo = BEDROCK_GEO_PREFIX.exec(base);
    if (geo) add(geo[1]);
  }
  for (const v of [...out]) add(expandDates(v));
  return out;
}
