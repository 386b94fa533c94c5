// Explanations for people: the entry that prices a model with its prices in USD per Mtok (the CLI's
// `tokenmeter price`), and the list of every model a pricer knows.

import { periodAt } from './catalog/compile.js';
import { MAX_MODEL_NAME_LENGTH } from './cost-input.js';
import type { IntPrice, IntPriceTable, PriceKey, Rational } from './internal-types.js';
import { GENAI_PRICE_KEY } from './internal-types.js';
import { rationalToNumber, unscale } from './money.js';
import { catalogProvider, type PricingTables, resolve } from './resolve.js';
import type { CatalogModelInfo, OverridePriceKey, PriceExplanation, PriceTableUsd } from './types.js';

const USD_KEY: Record<PriceKey, OverridePriceKey> = GENAI_PRICE_KEY as Record<PriceKey, OverridePriceKey>;

function priceUsd(p: IntPrice): NonNullable<PriceTableUsd[OverridePriceKey]> {
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

/** The entry that would price `model` (`provider:model` accepted), with its prices in USD per Mtok, or null. */
export function explain(
  t: PricingTables,
  provider: string | undefined,
  model: string,
  at?: Date | number,
): PriceExplanation | null {
  if (typeof model !== 'string' || model.trim() === '' || model.length > MAX_MODEL_NAME_LENGTH) return null;
  let prov = provider ?? '';
  let name = model;
  // `provider:model` (as genai-prices' CLI takes it) when the prefix names a provider.
  const colon = model.indexOf(':');
  if (!provider && colon > 0) {
    const head = model.slice(0, colon);
    if (catalogProvider(t, head, undefined) !== undefined) {
      prov = head;
      name = model.slice(colon + 1);
    }
  }
  let r = resolve(t, prov, name, undefined);
  if (!r.ok && !provider && prov === '') {
    // Not found by the model-name rules: try every provider in catalog order.
    for (const cp of t.catalog.providers) {
      const rr = resolve(t, cp.id, name, undefined);
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

/** Every override and catalog model, overrides first. */
export function listModels(t: PricingTables): CatalogModelInfo[] {
  const out: CatalogModelInfo[] = [];
  for (const o of t.overrides) {
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
  for (const p of t.catalog.providers) {
    for (const m of p.models) {
      const info: CatalogModelInfo = {
        provider: p.id,
        providerName: p.name,
        modelId: m.id,
        source: t.catalog.source,
      };
      if (m.raw.name) info.name = m.raw.name;
      if (m.raw.context_window) info.contextWindow = m.raw.context_window;
      if (m.raw.deprecated) info.deprecated = true;
      out.push(info);
    }
  }
  return out;
}
