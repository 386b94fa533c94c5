// The pricer: matches (provider, model) to a catalog or override entry, caches the match, and prices
// calls with the engine. Module-level functions use a default pricer that configurePricing replaces.

import {
  type CompiledCatalog,
  type CompiledModel,
  type CompiledProvider,
  type CompiledTable,
  type CompiledTierRule,
  compileCatalog,
  compileModel,
  findModel,
  periodAt,
} from './catalog/compile.js';
import { convertGenaiPrices } from './catalog/convert.js';
import { SNAPSHOT } from './catalog/data.generated.js';
import { type CheckedUsage, checkUsage, priceParts, splitUsage } from './engine.js';
import { PricingConfigError } from './errors/PricingConfigError.js';
import { PricingInputError } from './errors/PricingInputError.js';
import type {
  CatalogSnapshot,
  IntPrice,
  IntPriceTable,
  PriceKey,
  Rational,
  ServiceTier,
} from './internal-types.js';
import { GENAI_PRICE_KEY } from './internal-types.js';
import { mulRational, ONE, rationalFromDecimal, rationalToNumber, unscale } from './money.js';
import { overrideToSnapshotModel, validateOverrides } from './overrides.js';
import { modelNameVariants, PROVIDER_NAME_TO_CATALOG, SELF_HOSTED_PROVIDERS } from './providers.js';
import type {
  CatalogData,
  CatalogModelInfo,
  CostInput,
  CostResult,
  MatchQuality,
  OverridePriceKey,
  PriceCallResult,
  PriceExplanation,
  Pricer,
  PricerOptions,
  PriceSource,
  PriceTableUsd,
  PricingOverrides,
  UnpricedReason,
} from './types.js';
import { compileUserRegex } from './user-regex.js';

type PricedMatch = CostResult['match'];

interface CatalogDataImpl extends CatalogData {
  readonly _snapshot: CatalogSnapshot;
  compiled?: CompiledCatalog;
}

function compiledOf(c: CatalogData): CompiledCatalog {
  const impl = c as CatalogDataImpl;
  impl.compiled ??= compileCatalog(impl._snapshot, impl.source);
  return impl.compiled;
}

let bundled: CatalogDataImpl | undefined;

/** The catalog bundled at build time (genai-prices snapshot plus tokenmeter's supplements). */
export function bundledCatalog(): CatalogData {
  bundled ??= { version: SNAPSHOT.version, source: 'catalog', _snapshot: SNAPSHOT };
  return bundled;
}

/** `provider/model` ids that tokenmeter's supplements add to the catalog. */
const SUPPLEMENT_IDS: ReadonlySet<string> = new Set(SNAPSHOT.supplement_models ?? []);

/** Version of the bundled catalog, e.g. `genai-prices@0.1.8`. */
export const catalogVersion: string = SNAPSHOT.version;

/**
 * Catalog data from a genai-prices-format document (its Provider[] or data.json), with tokenmeter's
 * service-tier supplements. Throws `CatalogDataError` when the document is not usable.
 */
export function catalogFromGenaiPrices(
  data: unknown,
  options: { version: string; source?: 'catalog' | 'refreshed_catalog' },
): { catalog: CatalogData; dropped: string[] } {
  const { providers, report } = convertGenaiPrices(data);
  const snapshot: CatalogSnapshot = {
    version: options.version,
    providers: providers.map((p) => {
      // Keep tokenmeter's supplementary models (they are not in genai-prices' data).
      const own = SNAPSHOT.providers.find((b) => b.id === p.id);
      const extra = own?.models.filter((m) => SUPPLEMENT_IDS.has(`${p.id}/${m.id}`)) ?? [];
      return extra.length ? { ...p, models: [...p.models, ...extra] } : p;
    }),
    service_tiers: SNAPSHOT.service_tiers,
    supplement_models: SNAPSHOT.supplement_models ?? [],
  };
  const catalog: CatalogDataImpl = {
    version: options.version,
    source: options.source ?? 'refreshed_catalog',
    _snapshot: snapshot,
  };
  return { catalog, dropped: report.dropped };
}

interface Resolved {
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

interface Unresolved {
  readonly ok: false;
  readonly match: 'unknown_model' | 'unknown_provider';
  readonly reason: UnpricedReason;
}

interface OverrideEntry {
  readonly model: CompiledModel;
  /** Normalised provider id (catalog id when the name maps to one), or undefined for any provider. */
  readonly provider: string | undefined;
}

/** A provider name as a comparable id: the catalog id it maps to, else the lower-cased name. */
function normProvider(name: string): string {
  const p = name.trim().toLowerCase();
  return PROVIDER_NAME_TO_CATALOG[p] ?? p;
}

function normaliseTier(serviceTier: unknown, batch: unknown): ServiceTier {
  if (batch === true) return 'batch';
  if (typeof serviceTier !== 'string') return 'standard';
  switch (serviceTier.trim().toLowerCase()) {
    case 'flex':
      return 'flex';
    case 'priority':
      return 'priority';
    case 'batch':
      return 'batch';
    default:
      return 'standard';
  }
}

const USD_KEY: Record<PriceKey, OverridePriceKey> = GENAI_PRICE_KEY as Record<PriceKey, OverridePriceKey>;

function priceUsd(p: IntPrice): PriceTableUsd[OverridePriceKey] {
  return typeof p === 'number'
    ? unscale(p)
    : { base: unscale(p.base), tiers: p.tiers.map((t) => ({ start: t.start, price: unscale(t.price) })) };
}

function tableUsd(t: IntPriceTable, mul?: Rational): PriceTableUsd {
  const out: PriceTableUsd = {};
  for (const [k, v] of Object.entries(t) as [PriceKey, IntPrice][]) {
    const scaled: IntPrice =
      mul === undefined
        ? v
        : typeof v === 'number'
          ? (v * mul.num) / mul.den
          : {
              base: (v.base * mul.num) / mul.den,
              tiers: v.tiers.map((x) => ({ start: x.start, price: (x.price * mul.num) / mul.den })),
            };
    out[USD_KEY[k]] = priceUsd(scaled);
  }
  return out;
}

/**
 * Longest model name matched (the catalog's longest id has 61 characters; a Bedrock ARN about 120).
 * Bounds the work of matching one name, whatever the name: through a gateway, end users choose it.
 */
export const MAX_MODEL_NAME_LENGTH = 256;

const NO_USAGE_ERROR = new PricingInputError('usage', 'is required (no token counts reported)');

class PricerImpl implements Pricer {
  #catalog: CompiledCatalog;
  #catalogData: CatalogData;
  #overrides: OverrideEntry[] = [];
  #discounts = new Map<string, Rational>();
  #deployments = new Map<string, string>();
  #cache = new Map<string, Resolved | Unresolved>();
  readonly #cacheSize: number;
  readonly overrides: PricingOverrides | undefined;

  constructor(options: PricerOptions = {}) {
    this.#catalogData = options.catalog ?? bundledCatalog();
    this.#catalog = compiledOf(this.#catalogData);
    this.#cacheSize = options.matchCacheSize ?? 10_000;
    this.overrides = options.overrides;
    if (options.overrides) {
      const { overrides, problems } = validateOverrides(options.overrides, '<overrides>');
      if (problems.length) throw new PricingConfigError(problems);
      for (const m of overrides.models ?? []) {
        this.#overrides.push({
          model: compileModel(overrideToSnapshotModel(m), compileUserRegex),
          provider: m.provider ? normProvider(m.provider) : undefined,
        });
      }
      for (const [k, v] of Object.entries(overrides.discounts ?? {})) {
        this.#discounts.set(normProvider(k), rationalFromDecimal(v)!);
      }
      for (const [k, v] of Object.entries(overrides.azure_deployments ?? {})) {
        this.#deployments.set(k.trim().toLowerCase(), v.trim().toLowerCase());
      }
    }
  }

  get catalogVersion(): string {
    return this.#catalog.version;
  }

  get catalogData(): CatalogData {
    return this.#catalogData;
  }

  setCatalog(catalog: CatalogData): void {
    this.#catalog = compiledOf(catalog);
    this.#catalogData = catalog;
    this.#cache.clear();
  }

  calculateCost(input: CostInput): CostResult | null {
    return this.priceCall(input).cost;
  }

  priceCall(input: CostInput): PriceCallResult {
    try {
      return this.#price(input);
    } catch (e) {
      // Nothing below is expected to throw; this keeps the "never throws" promise if something does.
      const error = e instanceof Error ? e : new Error(String(e));
      return {
        cost: null,
        match: 'unknown_model',
        reason: 'invalid_input',
        error,
        requestedTier: 'standard',
      };
    }
  }

  #price(input: CostInput): PriceCallResult {
    const c = checkCostInput(input);
    if (!('checked' in c)) return c;
    const { checked, ms, requestedTier, provider, model } = c;
    const r = this.#resolveCached(provider, model, input.baseUrl);
    if (!r.ok) return { cost: null, match: r.match, reason: r.reason, requestedTier };

    let table: CompiledTable = r.model.single ?? periodAt(r.model, ms ?? Date.now()).table;
    if (table.onlyOtherUnits) {
      return { cost: null, match: 'unknown_model', reason: 'unsupported_units', requestedTier };
    }
    let mul = r.discount;
    let applied: ServiceTier = 'standard';
    if (requestedTier !== 'standard') {
      const rule = r[requestedTier];
      if (rule) {
        applied = requestedTier;
        if (rule.table) table = rule.table;
        else if (rule.multiplier) mul = mulRational(rule.multiplier, r.discount) ?? rule.multiplier;
      }
    }
    const leaves = splitUsage(table, checked);
    if (leaves instanceof PricingInputError) {
      return { cost: null, match: 'no_usage', reason: 'invalid_input', error: leaves, requestedTier };
    }
    const p = priceParts(table, leaves, checked.input, mul);
    const total = p.input + p.cacheRead + p.cacheWrite + p.output + p.request;
    if (total > Number.MAX_SAFE_INTEGER) {
      // Above 2^53 nano-USD (about 9 million USD for one call) integers are no longer exact as Numbers.
      const error = new PricingInputError('usage', 'gives a cost above 9,007,199 USD for one call', {
        provider,
        model,
      });
      return { cost: null, match: 'no_usage', reason: 'invalid_input', error, requestedTier };
    }
    const cost: CostResult = {
      totalUsd: total / 1e9,
      inputUsd: p.input / 1e9,
      outputUsd: p.output / 1e9,
      cacheReadUsd: p.cacheRead / 1e9,
      cacheWriteUsd: p.cacheWrite / 1e9,
      requestUsd: p.request / 1e9,
      totalNanos: total,
      inputNanos: p.input,
      outputNanos: p.output,
      cacheReadNanos: p.cacheRead,
      cacheWriteNanos: p.cacheWrite,
      requestNanos: p.request,
      currency: 'USD',
      provider: r.providerId,
      modelId: r.model.id,
      match: r.match,
      source: r.source,
      version: r.version,
      serviceTier: applied,
      discount: r.discountNumber,
    };
    return { cost, match: r.match, requestedTier };
  }

  #resolveCached(provider: string, model: string, baseUrl: string | undefined): Resolved | Unresolved {
    const key = baseUrl ? `${provider}\u0000${model}\u0000${baseUrl}` : `${provider}\u0000${model}`;
    let r = this.#cache.get(key);
    if (r === undefined) {
      r = this.#resolve(provider, model, baseUrl);
      if (this.#cache.size >= this.#cacheSize) this.#cache.clear();
      this.#cache.set(key, r);
    }
    return r;
  }

  /** The catalog provider a call goes to, 'self_hosted', or undefined (unknown). */
  #catalogProvider(
    provider: string,
    baseUrl: string | undefined,
  ): CompiledProvider | 'self_hosted' | undefined {
    const p = provider.trim().toLowerCase();
    const byUrl = () => {
      if (!baseUrl) return undefined;
      return this.#catalog.providers.find((c) => c.apiPattern?.test(baseUrl));
    };
    if (SELF_HOSTED_PROVIDERS.has(p)) return byUrl() ?? 'self_hosted';
    const id = PROVIDER_NAME_TO_CATALOG[p] ?? p;
    const direct = this.#catalog.byId.get(id);
    if (direct) return direct;
    if (p !== '') {
      const byMatch = this.#catalog.providers.find((c) => c.providerMatch?.(p));
      if (byMatch) return byMatch;
    }
    return byUrl();
  }

  #override(providerNorm: string, lowerModel: string): CompiledModel | undefined {
    for (const o of this.#overrides) {
      if (o.provider !== undefined && o.provider !== providerNorm) continue;
      if (o.model.matcher(lowerModel) !== 0) return o.model;
    }
    return undefined;
  }

  #findInCatalog(
    cp: CompiledProvider,
    lowerModel: string,
  ): { provider: CompiledProvider; model: CompiledModel; match: PricedMatch } | undefined {
    for (const name of modelNameVariants(lowerModel, cp.id)) {
      const hit = findModel(cp, name);
      if (hit) return { provider: cp, model: hit.model, match: hit.kind === 1 ? 'exact' : 'pattern' };
      for (const fb of cp.fallbacks) {
        const fp = this.#catalog.byId.get(fb);
        const fh = fp && findModel(fp, name);
        if (fp && fh) return { provider: fp, model: fh.model, match: 'fallback_provider' };
      }
    }
    return undefined;
  }

  #tierRule(cp: CompiledProvider | undefined, modelId: string, tier: ServiceTier, overrideModel: boolean) {
    if (!cp) return undefined;
    const lower = modelId.toLowerCase();
    for (const rule of cp.tierRules) {
      if (rule.tier !== tier) continue;
      if (overrideModel && (rule.matcher || !rule.multiplier)) continue;
      if (rule.matcher?.(lower) !== 0) return rule;
    }
    return undefined;
  }

  #resolved(
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
      version: isOverride ? 'overrides' : this.#catalog.version,
      providerId,
      model,
      match,
      discount,
      discountNumber: rationalToNumber(discount),
      batch: this.#tierRule(billing, model.id, 'batch', isOverride),
      flex: this.#tierRule(billing, model.id, 'flex', isOverride),
      priority: this.#tierRule(billing, model.id, 'priority', isOverride),
      pricingUrls,
    };
  }

  #resolve(provider: string, model: string, baseUrl: string | undefined): Resolved | Unresolved {
    const lowerModel = model.trim().toLowerCase();
    const providerNorm = normProvider(provider);
    const target = this.#catalogProvider(provider, baseUrl);
    const billing = typeof target === 'object' ? target : undefined;
    const overrideProviderId = provider.trim() || billing?.id || 'unknown';

    const ov = this.#override(providerNorm, lowerModel);
    if (ov) return this.#resolved('override', overrideProviderId, ov, 'override', billing, ONE, []);

    let name = lowerModel;
    let viaDeployment = false;
    const mapped = (providerNorm === 'azure' || billing?.id === 'azure') && this.#deployments.get(lowerModel);
    if (mapped) {
      name = mapped;
      viaDeployment = true;
      const ov2 = this.#override(providerNorm, name);
      if (ov2) return this.#resolved('override', overrideProviderId, ov2, 'deployment', billing, ONE, []);
    }

    let cp = billing;
    if (target === undefined && provider.trim() === '') {
      // No provider given: infer it from the model name, as genai-prices does.
      cp = this.#catalog.providers.find((c) => c.modelMatch?.(name));
    }
    if (!cp) {
      return {
        ok: false,
        match: 'unknown_provider',
        reason: target === 'self_hosted' ? 'self_hosted' : 'unknown_provider',
      };
    }
    const hit = this.#findInCatalog(cp, name);
    if (!hit) return { ok: false, match: 'unknown_model', reason: 'unknown_model' };
    const discount = this.#discounts.get(providerNorm) ?? this.#discounts.get(cp.id) ?? ONE;
    return this.#resolved(
      this.#catalog.source,
      hit.provider.id,
      hit.model,
      viaDeployment ? 'deployment' : hit.match,
      cp,
      discount,
      hit.provider.raw.pricing_urls ?? [],
    );
  }

  explainPrice(provider: string | undefined, model: string, at?: Date | number): PriceExplanation | null {
    try {
      return this.#explain(provider, model, at);
    } catch {
      return null;
    }
  }

  #explain(provider: string | undefined, model: string, at?: Date | number): PriceExplanation | null {
    if (typeof model !== 'string' || model.trim() === '' || model.length > MAX_MODEL_NAME_LENGTH) return null;
    let prov = provider ?? '';
    let name = model;
    // `provider:model` (as genai-prices' CLI takes it) when the prefix names a provider.
    const colon = model.indexOf(':');
    if (!provider && colon > 0) {
      const head = model.slice(0, colon);
      if (this.#catalogProvider(head, undefined) !== undefined) {
        prov = head;
        name = model.slice(colon + 1);
      }
    }
    let r = this.#resolve(prov, name, undefined);
    if (!r.ok && !provider && prov === '') {
      // Not found by the model-name rules: try every provider in catalog order.
      for (const cp of this.#catalog.providers) {
        const rr = this.#resolve(cp.id, name, undefined);
        if (rr.ok) {
          r = rr;
          break;
        }
      }
    }
    if (!r.ok) return null;
    const ms = at === undefined ? Date.now() : at instanceof Date ? at.getTime() : at;
    const period = r.model.single ? undefined : periodAt(r.model, ms);
    const table = r.model.single ?? period!.table;
    const tiers: PriceExplanation['serviceTiers'] = [];
    for (const rule of [r.batch, r.flex, r.priority]) {
      if (!rule) continue;
      tiers.push({
        tier: rule.tier,
        ...(rule.multiplier ? { multiplier: rationalToNumber(rule.multiplier) } : {}),
        ...(rule.table ? { prices: tableUsd(rule.table.raw) } : {}),
        comments: rule.comments,
      });
    }
    const raw = r.model.raw;
    const out: PriceExplanation = {
      provider: r.providerId,
      modelId: r.model.id,
      match: r.match,
      source: r.source,
      version: r.version,
      prices: tableUsd(table.raw),
      at: new Date(ms).toISOString(),
      serviceTiers: tiers,
      otherUnits: [...table.otherUnits],
      pricingUrls: [...r.pricingUrls],
      discount: r.discountNumber,
    };
    if (raw.name) out.name = raw.name;
    if (period?.constraint) out.constraint = period.constraint;
    if (raw.context_window) out.contextWindow = raw.context_window;
    if (raw.price_comments) out.priceComments = raw.price_comments;
    return out;
  }

  listCatalogModels(): CatalogModelInfo[] {
    const out: CatalogModelInfo[] = [];
    for (const o of this.#overrides) {
      const info: CatalogModelInfo = {
        provider: o.provider ?? '*',
        providerName: 'overrides',
        modelId: o.model.id,
        source: 'override',
      };
      if (o.model.raw.name) info.name = o.model.raw.name;
      if (o.model.raw.context_window) info.contextWindow = o.model.raw.context_window;
      out.push(info);
    }
    for (const p of this.#catalog.providers) {
      for (const m of p.models) {
        const info: CatalogModelInfo = {
          provider: p.id,
          providerName: p.name,
          modelId: m.id,
          source: this.#catalog.source,
        };
        if (m.raw.name) info.name = m.raw.name;
        if (m.raw.context_window) info.contextWindow = m.raw.context_window;
        if (m.raw.deprecated) info.deprecated = true;
        out.push(info);
      }
    }
    return out;
  }
}

/** A pricer with its own overrides and catalog. Throws `PricingConfigError` for invalid overrides. */
export function createPricer(options: PricerOptions = {}): Pricer {
  return new PricerImpl(options);
}

let defaultPricer: Pricer | undefined;

/** The pricer behind the module-level functions. */
export function getDefaultPricer(): Pricer {
  defaultPricer ??= new PricerImpl();
  return defaultPricer;
}

/**
 * Replaces the default pricer (the node distro calls this once at start with the user's overrides).
 * A catalog set by `startCatalogRefresh` on the previous default pricer carries over unless
 * `options.catalog` is given. Throws `PricingConfigError` for invalid overrides.
 */
export function configurePricing(options: PricerOptions = {}): Pricer {
  const previous = defaultPricer as PricerImpl | undefined;
  const catalog =
    options.catalog ??
    (previous?.catalogData.source === 'refreshed_catalog' ? previous.catalogData : undefined);
  defaultPricer = new PricerImpl(catalog ? { ...options, catalog } : options);
  return defaultPricer;
}

/** The cost of one call with the default pricer, or null when no price is known. Never throws. */
export function calculateCost(input: CostInput): CostResult | null {
  return getDefaultPricer().calculateCost(input);
}

/** `calculateCost` with the match quality and the reason when unpriced. Never throws. */
export function priceCall(input: CostInput): PriceCallResult {
  return getDefaultPricer().priceCall(input);
}

/** The entry that would price `model`, with its prices in USD per Mtok, or null. Never throws. */
export function explainPrice(
  provider: string | undefined,
  model: string,
  at?: Date | number,
): PriceExplanation | null {
  return getDefaultPricer().explainPrice(provider, model, at);
}

/** Every model of the default pricer's catalog and overrides. */
export function listCatalogModels(): CatalogModelInfo[] {
  return getDefaultPricer().listCatalogModels();
}

/**
 * Checks a CostInput without pricing it: the error `calculateCost` would swallow, or null. For callers
 * that prefer to throw on bad input. (Checks that need the model's prices, such as audio tokens
 * exceeding input, are only made when pricing.)
 */
export function validateCostInput(input: CostInput): PricingInputError | null {
  const c = checkCostInput(input);
  return 'checked' in c ? null : ((c.error as PricingInputError | undefined) ?? null);
}

interface CheckedInput {
  checked: CheckedUsage;
  ms: number | undefined;
  requestedTier: ServiceTier;
  provider: string;
  model: string;
}

/** Checks everything in a CostInput that does not need the catalog. */
function checkCostInput(input: CostInput): CheckedInput | PriceCallResult {
  if (typeof input !== 'object' || input === null) {
    const error = new PricingInputError('input', 'must be an object {provider, model, usage}');
    return { cost: null, match: 'unknown_model', reason: 'invalid_input', error, requestedTier: 'standard' };
  }
  const requestedTier = normaliseTier(input.serviceTier, input.batch);
  const { model, provider, usage } = input;
  if (provider !== undefined && provider !== null && typeof provider !== 'string') {
    const error = new PricingInputError('provider', 'must be a string', { model: String(model) });
    return { cost: null, match: 'unknown_provider', reason: 'invalid_input', error, requestedTier };
  }
  if (typeof model !== 'string' || model.trim() === '') {
    const error = new PricingInputError('model', 'is required (a non-empty string)', {
      provider: provider ?? undefined,
    });
    return { cost: null, match: 'unknown_model', reason: 'invalid_input', error, requestedTier };
  }
  if (model.length > MAX_MODEL_NAME_LENGTH) {
    const error = new PricingInputError(
      'model',
      `is ${model.length} characters long; names longer than ${MAX_MODEL_NAME_LENGTH} are not matched`,
      { provider: provider ?? undefined },
    );
    return { cost: null, match: 'unknown_model', reason: 'invalid_input', error, requestedTier };
  }
  if (usage === undefined || usage === null || typeof usage !== 'object') {
    return { cost: null, match: 'no_usage', reason: 'no_usage', error: NO_USAGE_ERROR, requestedTier };
  }
  const checked = checkUsage(usage);
  if (checked instanceof PricingInputError) {
    return { cost: null, match: 'no_usage', reason: 'invalid_input', error: checked, requestedTier };
  }
  let ms: number | undefined;
  const ts = input.timestamp;
  if (ts !== undefined && ts !== null) {
    ms = ts instanceof Date ? ts.getTime() : typeof ts === 'number' ? ts : Number.NaN;
    if (!Number.isFinite(ms)) {
      const error = new PricingInputError('timestamp', 'must be a valid Date or epoch milliseconds', {
        provider,
        model,
      });
      return { cost: null, match: 'no_usage', reason: 'invalid_input', error, requestedTier };
    }
  }
  return { checked, ms, requestedTier, provider: provider ?? '', model };
}

export type { MatchQuality };
