// Pure matching: which catalog or override entry prices (provider, model, base URL), with its
// discount and service-tier rules. No cache and no arithmetic here (see pricer.ts and engine.ts).

import {
  type CompiledCatalog,
  type CompiledModel,
  type CompiledProvider,
  type CompiledTierRule,
  findModel,
} from './catalog/compile.js';
import type { Rational, ServiceTier } from './internal-types.js';
import { ONE, rationalToNumber } from './money.js';
import { modelNameVariants, PROVIDER_NAME_TO_CATALOG, SELF_HOSTED_PROVIDERS } from './providers.js';
import type { CostResult, PriceSource, UnpricedReason } from './types.js';

type PricedMatch = CostResult['match'];

/** What a pricer matches against: its catalog and the user's overrides. */
export interface PricingTables {
  readonly catalog: CompiledCatalog;
  readonly overrides: readonly OverrideEntry[];
  /** Discount multiplier by normalised provider id. */
  readonly discounts: ReadonlyMap<string, Rational>;
  /** Azure deployment name (lower-cased) → model name. */
  readonly deployments: ReadonlyMap<string, string>;
}

export interface Resolved {
  readonly ok: true;
  readonly source: PriceSource;
  readonly version: string;
  readonly providerId: string;
  readonly model: CompiledModel;
  readonly match: PricedMatch;
  readonly discount: Rational;
  readonly discountNumber: number;
  readonly batch: CompiledTierRule | undefined;
  readonly flex: CompiledTierRule | undefined;
  readonly priority: CompiledTierRule | undefined;
  readonly pricingUrls: readonly string[];
}

export interface Unresolved {
  readonly ok: false;
  readonly match: 'unknown_model' | 'unknown_provider';
  readonly reason: UnpricedReason;
}

export interface OverrideEntry {
  readonly model: CompiledModel;
  /** Normalised provider id (catalog id when the name maps to one), or undefined for any provider. */
  readonly provider: string | undefined;
}

/** A provider name as a comparable id: the catalog id it maps to, else the lower-cased name. */
export function normProvider(name: string): string {
  const p = name.trim().toLowerCase();
  return PROVIDER_NAME_TO_CATALOG[p] ?? p;
}

/** The catalog provider a call goes to, 'self_hosted', or undefined (unknown). */
export function catalogProvider(
  t: PricingTables,
  provider: string,
  baseUrl: string | undefined,
): CompiledProvider | 'self_hosted' | undefined {
  const p = provider.trim().toLowerCase();
  const byUrl = () => {
    if (!baseUrl) return undefined;
    return t.catalog.providers.find((c) => c.apiPattern?.test(baseUrl));
  };
  if (SELF_HOSTED_PROVIDERS.has(p)) return byUrl() ?? 'self_hosted';
  const id = PROVIDER_NAME_TO_CATALOG[p] ?? p;
  const direct = t.catalog.byId.get(id);
  if (direct) return direct;
  if (p !== '') {
    const byMatch = t.catalog.providers.find((c) => c.providerMatch?.(p));
    if (byMatch) return byMatch;
  }
  return byUrl();
}

/** A catalog provider named by `name` (a gen_ai.provider.name, an alias, a catalog id or a `provider_match`). */
function providerNamed(t: PricingTables, name: string): CompiledProvider | undefined {
  const id = PROVIDER_NAME_TO_CATALOG[name] ?? name;
  return t.catalog.byId.get(id) ?? t.catalog.providers.find((c) => c.providerMatch?.(name));
}

/** The first catalog provider whose `model_match` takes the model (genai-prices' order). */
function providerByModelMatch(t: PricingTables, lowerModel: string): CompiledProvider | undefined {
  return t.catalog.providers.find((c) => c.modelMatch?.(lowerModel));
}

/** A provider inferred from a model name, and the name to look up in its list. */
export interface InferredProvider {
  readonly provider: CompiledProvider;
  readonly model: string;
}

/**
 * The provider a (lower-cased) model name belongs to, inferred the way genai-prices infers one:
 * a vendor prefix that names a catalog provider (`anthropic/claude-3.5-sonnet`, `gemini/...`,
 * genai-prices' LiteLLM rule), else the first provider whose `model_match` takes the name
 * (`gpt-*` openai, `claude` anthropic, `gemini` google, `@cf/` cloudflare), else, for a gateway's
 * routing slug (`@openai-prod/gpt-4o`, Portkey's model catalog), the same for the rest of the name.
 */
export function inferProvider(t: PricingTables, lowerModel: string): InferredProvider | undefined {
  const slash = lowerModel.indexOf('/');
  if (slash > 0 && slash < lowerModel.length - 1) {
    const prefix = lowerModel.slice(0, slash);
    const rest = lowerModel.slice(slash + 1);
    if (!prefix.startsWith('@')) {
      const named = providerNamed(t, prefix);
      // An aggregator's prefix (`openrouter/auto`) names no vendor of the model.
      if (named !== undefined && named.id !== 'openrouter') return { provider: named, model: rest };
    }
    const whole = providerByModelMatch(t, lowerModel);
    if (whole !== undefined) return { provider: whole, model: lowerModel };
    if (prefix.startsWith('@')) {
      const slug = providerByModelMatch(t, rest);
      if (slug !== undefined) return { provider: slug, model: rest };
    }
    return undefined;
  }
  const byMatch = providerByModelMatch(t, lowerModel);
  return byMatch === undefined ? undefined : { provider: byMatch, model: lowerModel };
}

function override(t: PricingTables, providerNorm: string, lowerModel: string): CompiledModel | undefined {
  for (const o of t.overrides) {
    if (o.provider !== undefined && o.provider !== providerNorm) continue;
    if (o.model.matcher(lowerModel) !== 0) return o.model;
  }
  return undefined;
}

function findInCatalog(
  t: PricingTables,
  cp: CompiledProvider,
  lowerModel: string,
): { provider: CompiledProvider; model: CompiledModel; match: PricedMatch } | undefined {
  for (const name of modelNameVariants(lowerModel, cp.id)) {
    const hit = findModel(cp, name);
    if (hit) return { provider: cp, model: hit.model, match: hit.kind === 1 ? 'exact' : 'pattern' };
    for (const fb of cp.fallbacks) {
      const fp = t.catalog.byId.get(fb);
      const fh = fp && findModel(fp, name);
      if (fp && fh) return { provider: fp, model: fh.model, match: 'fallback_provider' };
    }
  }
  return undefined;
}

function tierRule(
  cp: CompiledProvider | undefined,
  modelId: string,
  tier: ServiceTier,
  overrideModel: boolean,
): CompiledTierRule | undefined {
  if (!cp) return undefined;
  const lower = modelId.toLowerCase();
  for (const rule of cp.tierRules) {
    if (rule.tier !== tier) continue;
    if (overrideModel && (rule.matcher || !rule.multiplier)) continue;
    if (rule.matcher?.(lower) !== 0) return rule;
  }
  return undefined;
}

function resolved(
  t: PricingTables,
  source: PriceSource,
  providerId: string,
  model: CompiledModel,
  match: PricedMatch,
  billing: CompiledProvider | undefined,
  discount: Rational,
  pricingUrls: readonly string[],
): Resolved {
  const isOverride = source === 'override';
  return {
    ok: true,
    source,
    version: isOverride ? 'overrides' : t.catalog.version,
    providerId,
    model,
    match,
    discount,
    discountNumber: rationalToNumber(discount),
    batch: tierRule(billing, model.id, 'batch', isOverride),
    flex: tierRule(billing, model.id, 'flex', isOverride),
    priority: tierRule(billing, model.id, 'priority', isOverride),
    pricingUrls,
  };
}

export function resolve(
  t: PricingTables,
  provider: string,
  model: string,
  baseUrl: string | undefined,
): Resolved | Unresolved {
  const lowerModel = model.trim().toLowerCase();
  const providerNorm = normProvider(provider);
  const target = catalogProvider(t, provider, baseUrl);
  const billing = typeof target === 'object' ? target : undefined;
  const overrideProviderId = provider.trim() || billing?.id || 'unknown';

  const ov = override(t, providerNorm, lowerModel);
  if (ov) return resolved(t, 'override', overrideProviderId, ov, 'override', billing, ONE, []);

  let name = lowerModel;
  let viaDeployment = false;
  const mapped = (providerNorm === 'azure' || billing?.id === 'azure') && t.deployments.get(lowerModel);
  if (mapped) {
    name = mapped;
    viaDeployment = true;
    const ov2 = override(t, providerNorm, name);
    if (ov2) return resolved(t, 'override', overrideProviderId, ov2, 'deployment', billing, ONE, []);
  }

  let cp = billing;
  if (target === undefined && provider.trim() === '') {
    // No provider given: infer it from the model name, as genai-prices does.
    cp = t.catalog.providers.find((c) => c.modelMatch?.(name));
  }
  if (!cp) {
    return {
      ok: false,
      match: 'unknown_provider',
      reason: target === 'self_hosted' ? 'self_hosted' : 'unknown_provider',
    };
  }
  const hit = findInCatalog(t, cp, name);
  if (!hit) return { ok: false, match: 'unknown_model', reason: 'unknown_model' };
  const discount = t.discounts.get(providerNorm) ?? t.discounts.get(cp.id) ?? ONE;
  return resolved(
    t,
    t.catalog.source,
    hit.provider.id,
    hit.model,
    viaDeployment ? 'deployment' : hit.match,
    cp,
    discount,
    hit.provider.raw.pricing_urls ?? [],
  );
}
