// The pricer: holds a catalog and the user's overrides, caches the match of each (provider, model,
// base URL), and prices calls with the engine. Matching is in resolve.ts, input checks in
// cost-input.ts, explanations in explain.ts. Module-level functions use a default pricer that
// configurePricing replaces.

import { type CompiledTable, compileModel, periodAt } from './catalog/compile.js';
import { bundledCatalog, compiledOf } from './catalog-data.js';
import { checkCostInput, MAX_MODEL_NAME_LENGTH, normaliseTier } from './cost-input.js';
import { priceUsage } from './engine.js';
import { PricingConfigError } from './errors/PricingConfigError.js';
import { PricingInputError } from './errors/PricingInputError.js';
import { explain, listModels } from './explain.js';
import type { Rational, ServiceTier } from './internal-types.js';
import { mulRational, rationalFromDecimal } from './money.js';
import { overrideToSnapshotModel, validateOverrides } from './overrides.js';
import {
  type InferredProvider,
  inferProvider,
  normProvider,
  type OverrideEntry,
  type PricingTables,
  type Resolved,
  resolve,
  type Unresolved,
} from './resolve.js';
import type {
  CatalogData,
  CatalogModelInfo,
  CostInput,
  CostResult,
  MatchQuality,
  PriceCallResult,
  PriceExplanation,
  Pricer,
  PricerOptions,
  PricingOverrides,
  TokenUsage,
} from './types.js';
import { compileUserRegex } from './user-regex.js';

class PricerImpl implements Pricer {
  #tables: PricingTables;
  #catalogData: CatalogData;
  /** provider → base URL ('' when none) → model → match: looked up without building a key string. */
  #cache = new Map<string, Map<string, Map<string, Resolved | Unresolved>>>();
  #cached = 0;
  #inferred = new Map<string, InferredProvider | null>();
  readonly #cacheSize: number;
  readonly overrides: PricingOverrides | undefined;

  constructor(options: PricerOptions = {}) {
    this.#catalogData = options.catalog ?? bundledCatalog();
    this.#cacheSize = options.matchCacheSize ?? 10_000;
    this.overrides = options.overrides;
    const overrideEntries: OverrideEntry[] = [];
    const discounts = new Map<string, Rational>();
    const deployments = new Map<string, string>();
    if (options.overrides) {
      const { overrides, problems } = validateOverrides(options.overrides, '<overrides>');
      if (problems.length) throw new PricingConfigError(problems);
      for (const m of overrides.models ?? []) {
        overrideEntries.push({
          model: compileModel(overrideToSnapshotModel(m), compileUserRegex),
          provider: m.provider ? normProvider(m.provider) : undefined,
        });
      }
      for (const [k, v] of Object.entries(overrides.discounts ?? {})) {
        discounts.set(normProvider(k), rationalFromDecimal(v)!);
      }
      for (const [k, v] of Object.entries(overrides.azure_deployments ?? {})) {
        deployments.set(k.trim().toLowerCase(), v.trim().toLowerCase());
      }
    }
    this.#tables = {
      catalog: compiledOf(this.#catalogData),
      overrides: overrideEntries,
      discounts,
      deployments,
    };
  }

  get catalogVersion(): string {
    return this.#tables.catalog.version;
  }

  get catalogData(): CatalogData {
    return this.#catalogData;
  }

  setCatalog(catalog: CatalogData): void {
    this.#tables = { ...this.#tables, catalog: compiledOf(catalog) };
    this.#catalogData = catalog;
    this.#cache.clear();
    this.#cached = 0;
    this.#inferred.clear();
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

  /**
   * `priceCall` of usage that passed `validateUsage`, its other input as the instrumentation has it:
   * the usage is not checked again and no CostInput is built. Never throws.
   */
  priceValidUsage(
    provider: string,
    model: string,
    usage: TokenUsage,
    timestampMs: number,
    serviceTier: string | undefined,
    batch: boolean | undefined,
    baseUrl: string | undefined,
    providerFromModel: 'first' | 'fallback' | undefined,
  ): PriceCallResult {
    if (model.length > MAX_MODEL_NAME_LENGTH || model.trim() === '') {
      // The refusal, with its error, is priceCall's.
      const timestamp = timestampMs;
      return this.priceCall({
        provider,
        model,
        usage,
        timestamp,
        serviceTier,
        batch,
        baseUrl,
        providerFromModel,
      });
    }
    try {
      const tier = normaliseTier(serviceTier, batch);
      return this.#priced(provider, model, usage, timestampMs, tier, baseUrl, providerFromModel);
    } catch (e) {
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
    if (!('usage' in c)) return c;
    const { ms, requestedTier, provider, model } = c;
    return this.#priced(provider, model, c.usage, ms, requestedTier, input.baseUrl, input.providerFromModel);
  }

  /** Prices valid input (checked by checkCostInput, or trusted by priceValidUsage). */
  #priced(
    provider: string,
    model: string,
    usage: TokenUsage,
    ms: number | undefined,
    requestedTier: ServiceTier,
    baseUrl: string | undefined,
    mode: 'first' | 'fallback' | undefined,
  ): PriceCallResult {
    // A provider's own host (no providerFromModel): no inference, nothing allocated for it.
    const found =
      mode === 'first' || mode === 'fallback' ? this.#resolveFor(mode, baseUrl, provider, model) : undefined;
    const r = found === undefined ? this.#resolveCached(provider, model, baseUrl) : found.r;
    const inferred = found?.inferred;
    if (!r.ok) {
      const out: PriceCallResult = { cost: null, match: r.match, reason: r.reason, requestedTier };
      if (inferred !== undefined) out.inferredProvider = inferred;
      return out;
    }

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
    const p = priceUsage(table, usage, mul);
    if (p instanceof PricingInputError) {
      return { cost: null, match: 'no_usage', reason: 'invalid_input', error: p, requestedTier };
    }
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
    if (inferred === undefined) return { cost, match: r.match, requestedTier };
    if (r.match !== 'override') cost.match = 'inferred_provider';
    return { cost, match: cost.match, requestedTier, inferredProvider: inferred };
  }

  /**
   * The entry that prices the call: `provider`'s, or (`providerFromModel`) the one of the provider
   * inferred from the model name, with that provider's id when it was the inferred one's.
   */
  #resolveFor(
    mode: 'first' | 'fallback',
    baseUrl: string | undefined,
    provider: string,
    model: string,
  ): { r: Resolved | Unresolved; inferred?: string } {
    const given = mode === 'fallback' ? this.#resolveCached(provider, model, baseUrl) : undefined;
    if (given?.ok) return { r: given };
    const guess = this.#inferCached(model);
    if (guess !== null) {
      const r = this.#resolveCached(guess.provider.id, guess.model, undefined);
      // The path's own provider (Anthropic Messages, Gemini) is the model's: nothing was inferred.
      if (r.ok)
        return guess.provider.id === normProvider(provider) ? { r } : { r, inferred: guess.provider.id };
      if (mode === 'first') {
        const own = provider === '' ? undefined : this.#resolveCached(provider, model, baseUrl);
        if (own?.ok) return { r: own };
      }
      return { r, inferred: guess.provider.id };
    }
    return { r: given ?? this.#resolveCached(provider, model, baseUrl) };
  }

  #inferCached(model: string): InferredProvider | null {
    let hit = this.#inferred.get(model);
    if (hit === undefined) {
      hit = inferProvider(this.#tables, model.trim().toLowerCase()) ?? null;
      if (this.#inferred.size >= this.#cacheSize) this.#inferred.clear();
      this.#inferred.set(model, hit);
    }
    return hit;
  }

  #resolveCached(provider: string, model: string, baseUrl: string | undefined): Resolved | Unresolved {
    const byBase = this.#cache.get(provider);
    const byModel = byBase?.get(baseUrl ?? '');
    let r = byModel?.get(model);
    if (r === undefined) {
      r = resolve(this.#tables, provider, model, baseUrl);
      if (this.#cached >= this.#cacheSize) {
        this.#cache.clear();
        this.#cached = 0;
      }
      let bases = this.#cache.get(provider);
      if (bases === undefined) {
        bases = new Map();
        this.#cache.set(provider, bases);
      }
      let models = bases.get(baseUrl ?? '');
      if (models === undefined) {
        models = new Map();
        bases.set(baseUrl ?? '', models);
      }
      models.set(model, r);
      this.#cached++;
    }
    return r;
  }

  explainPrice(provider: string | undefined, model: string, at?: Date | number): PriceExplanation | null {
    try {
      return explain(this.#tables, provider, model, at);
    } catch {
      return null;
    }
  }

  listCatalogModels(): CatalogModelInfo[] {
    return listModels(this.#tables);
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

/**
 * `priceCall` with the default pricer for usage that passed `validateUsage` (the instrumentation
 * checks usage where it reads it): the usage is not checked again. Never throws.
 */
export function priceValidUsage(
  provider: string,
  model: string,
  usage: TokenUsage,
  timestampMs: number,
  serviceTier: string | undefined,
  batch: boolean | undefined,
  baseUrl: string | undefined,
  providerFromModel: 'first' | 'fallback' | undefined,
): PriceCallResult {
  defaultPricer ??= new PricerImpl();
  return (defaultPricer as PricerImpl).priceValidUsage(
    provider,
    model,
    usage,
    timestampMs,
    serviceTier,
    batch,
    baseUrl,
    providerFromModel,
  );
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

export type { MatchQuality };
