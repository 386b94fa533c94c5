// OTTL statements for the collector's `transform` processor that price GenAI spans of chosen models
// from the catalog: the collector-only alternative to the gateway for small setups. They read the
// GenAI semconv usage names (and the deprecated prompt/completion ones), leave spans that already
// have a cost or a tokenmeter verdict alone, and write gen_ai.usage.cost plus the pricing provenance.
// Only flat per-token prices translate: a model priced by tiers or only per request is skipped.
import { explainPrice, PROVIDER_NAME_TO_CATALOG, type PriceExplanation } from '@tokenmeter/pricing';
import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_COST_AMOUNT,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  ATTR_TOKENMETER_COST_CURRENCY,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_PRICING_MODEL_ID,
  ATTR_TOKENMETER_PRICING_PROVIDER_ID,
  ATTR_TOKENMETER_PRICING_VERSION,
} from '@tokenmeter/semconv';

/** A model the statements price, with its standard prices in USD per million tokens. */
export interface OttlModel {
  /** Catalog provider id, e.g. `openai`. */
  provider: string;
  /** Catalog model id, e.g. `gpt-4o-mini`. */
  modelId: string;
  /** Model names spans carry that mean it (the catalog id, the name asked for); dated versions match too. */
  names: string[];
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  version: string;
}

/** Models the catalog cannot express as flat OTTL prices, and why. */
export interface SkippedModel {
  name: string;
  why: string;
}

function flat(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The catalog entries for `names` (as `tokenmeter price` resolves them), at `at`. */
export function resolveOttlModels(
  names: readonly string[],
  at: number,
): { models: OttlModel[]; skipped: SkippedModel[] } {
  const models: OttlModel[] = [];
  const skipped: SkippedModel[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const e: PriceExplanation | null = explainPrice(undefined, name, at);
    if (e === null) {
      skipped.push({ name, why: 'not in the catalog' });
      continue;
    }
    const key = `${e.provider}/${e.modelId}`;
    const known = models.find((m) => `${m.provider}/${m.modelId}` === key);
    if (known) {
      if (!known.names.includes(name)) known.names.push(name);
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    const p = e.prices;
    const input = flat(p.input_mtok);
    const output = flat(p.output_mtok);
    if (input === undefined || output === undefined) {
      skipped.push({ name, why: 'its prices are tiered or not per token (the gateway prices it)' });
      continue;
    }
    const cacheRead = p.cache_read_mtok === undefined ? input : flat(p.cache_read_mtok);
    const cacheWrite = p.cache_write_mtok === undefined ? input : flat(p.cache_write_mtok);
    if (cacheRead === undefined || cacheWrite === undefined) {
      skipped.push({ name, why: 'its cache prices are tiered (the gateway prices it)' });
      continue;
    }
    models.push({
      provider: e.provider,
      modelId: e.modelId,
      names: [...new Set([e.modelId, name])],
      input,
      output,
      cacheRead,
      cacheWrite,
      version: e.version,
    });
  }
  return { models, skipped };
}

const attr = (name: string) => `attributes["${name}"]`;
const str = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const regexEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An OTTL float literal (always with a decimal point). */
export function ottlFloat(n: number): string {
  const text = String(n);
  if (/e/i.test(text)) throw new Error(`price ${n} cannot be written as an OTTL float literal`);
  return text.includes('.') ? text : `${text}.0`;
}

/** gen_ai.provider.name / gen_ai.system values that mean this catalog provider. */
function providerNames(catalogId: string): string[] {
  const names = new Set([catalogId]);
  for (const [name, id] of Object.entries(PROVIDER_NAME_TO_CATALOG)) if (id === catalogId) names.add(name);
  return [...names].sort();
}

/** The statements (span context) that price `models`. */
export function ottlStatements(models: readonly OttlModel[]): string[] {
  const s: string[] = [];
  const setFrom = (target: string, ...sources: string[]) => {
    // Last one present wins: list them from the least to the most preferred.
    s.push(`set(${target}, ${attr(sources[0]!)})`);
    for (const src of sources.slice(1)) s.push(`set(${target}, ${attr(src)}) where ${attr(src)} != nil`);
  };
  setFrom('cache["model"]', ATTR_GEN_AI_REQUEST_MODEL, ATTR_GEN_AI_RESPONSE_MODEL);
  setFrom('cache["provider"]', ATTR_GEN_AI_SYSTEM, ATTR_GEN_AI_PROVIDER_NAME);
  setFrom('cache["in"]', ATTR_GEN_AI_USAGE_PROMPT_TOKENS, ATTR_GEN_AI_USAGE_INPUT_TOKENS);
  setFrom('cache["out"]', ATTR_GEN_AI_USAGE_COMPLETION_TOKENS, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS);
  s.push('set(cache["cr"], 0)');
  s.push(
    `set(cache["cr"], ${attr(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS)}) where ${attr(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS)} != nil`,
  );
  s.push('set(cache["cw"], 0)');
  s.push(
    `set(cache["cw"], ${attr(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS)}) where ${attr(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS)} != nil`,
  );
  // Which model: the first whose name and provider match (a dated version counts as the model).
  for (const m of models) {
    const model = `(?i)^(${m.names.map(regexEscape).join('|')})(-\\d{4}-\\d{2}-\\d{2}|-\\d{8})?$`;
    const provider = `(?i)^(${providerNames(m.provider).map(regexEscape).join('|')})$`;
    s.push(
      `set(cache["m"], ${str(`${m.provider}/${m.modelId}`)}) where cache["m"] == nil and cache["model"] != nil and cache["provider"] != nil and IsMatch(cache["model"], ${str(model)}) and IsMatch(cache["provider"], ${str(provider)})`,
    );
  }
  s.push(
    `set(cache["ok"], true) where cache["m"] != nil and ${attr(ATTR_GEN_AI_USAGE_COST)} == nil and ${attr(ATTR_GEN_AI_USAGE_COST_AMOUNT)} == nil and ${attr(ATTR_TOKENMETER_PRICING_MATCH)} == nil and cache["in"] != nil and cache["out"] != nil`,
  );
  for (const m of models) {
    // Input includes cached tokens (GenAI semconv): the uncached part is input - cache read - cache write.
    const cost =
      `(Double(cache["in"] - cache["cr"] - cache["cw"]) * ${ottlFloat(m.input)}` +
      ` + Double(cache["cr"]) * ${ottlFloat(m.cacheRead)}` +
      ` + Double(cache["cw"]) * ${ottlFloat(m.cacheWrite)}` +
      ` + Double(cache["out"]) * ${ottlFloat(m.output)}) / 1000000.0`;
    const id = `${m.provider}/${m.modelId}`;
    s.push(
      `set(${attr(ATTR_GEN_AI_USAGE_COST)}, ${cost}) where cache["ok"] == true and cache["m"] == ${str(id)}`,
    );
    s.push(
      `set(${attr(ATTR_TOKENMETER_PRICING_PROVIDER_ID)}, ${str(m.provider)}) where cache["ok"] == true and cache["m"] == ${str(id)}`,
    );
    s.push(
      `set(${attr(ATTR_TOKENMETER_PRICING_MODEL_ID)}, ${str(m.modelId)}) where cache["ok"] == true and cache["m"] == ${str(id)}`,
    );
  }
  const version = models[0]?.version;
  if (version !== undefined)
    s.push(`set(${attr(ATTR_TOKENMETER_PRICING_VERSION)}, ${str(version)}) where cache["ok"] == true`);
  s.push(`set(${attr(ATTR_TOKENMETER_COST_CURRENCY)}, "USD") where cache["ok"] == true`);
  return s;
}
