// Converts price data in genai-prices' format (its bundled Provider[] or the remote data.json) into
// tokenmeter's snapshot: integer prices (USD × 1e6), only the fields the engine needs. Used by the
// build-time refresh script and by the optional background refresh, so both validate the same way.

import { CatalogDataError } from '../errors/CatalogDataError.js';
import {
  GENAI_PRICE_KEY,
  type IntPrice,
  type IntPriceTable,
  PRICE_KEYS,
  type PriceKey,
  type ServiceTierRule,
  type SnapshotConditionalPrice,
  type SnapshotConstraint,
  type SnapshotModel,
  type SnapshotProvider,
} from '../internal-types.js';
import { checkMatch } from '../match.js';
import { parseScaled } from '../money.js';
import type { MatchLogic } from '../types.js';

const KEY_OF_GENAI: Record<string, PriceKey> = Object.fromEntries(
  PRICE_KEYS.map((k) => [GENAI_PRICE_KEY[k], k]),
) as Record<string, PriceKey>;

/** Price keys each key needs beside it (genai-prices' ancestor and join rules, for tokenmeter's keys). */
const REQUIRES: Partial<Record<PriceKey, PriceKey[]>> = {
  cache_read: ['input'],
  cache_write: ['input'],
  cache_write_1h: ['input', 'cache_write'],
  input_audio: ['input'],
  cache_audio_read: ['input', 'cache_read', 'input_audio'],
  output_reasoning: ['output'],
  output_audio: ['output'],
};

export interface ConversionReport {
  /** Prices with more than 6 decimal places, rounded half-up (`provider/model key: from → to`). */
  rounded: string[];
  /** Models left out, with the reason. */
  dropped: string[];
  /** Count of models per genai-prices price key that tokenmeter does not price. */
  otherUnits: Record<string, number>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(where: string, what: string): never {
  throw new CatalogDataError(`genai-prices data: ${where}: ${what}`);
}

function convertPrice(value: unknown, where: string, report: ConversionReport): IntPrice {
  const one = (v: unknown, w: string): number => {
    const p = parseScaled(v);
    if (!p) fail(w, `expected a finite non-negative price, got ${JSON.stringify(v)}`);
    if (p.rounded) report.rounded.push(`${w}: ${String(v)} → ${p.value / 1e6}`);
    return p.value;
  };
  if (!isObject(value)) return one(value, where);
  if (!Array.isArray(value.tiers)) fail(where, 'tiered price without a tiers list');
  const tiers = value.tiers.map((t, i) => {
    if (!isObject(t) || typeof t.start !== 'number' || !Number.isSafeInteger(t.start) || t.start < 0) {
      fail(`${where}.tiers[${i}]`, 'expected {start: non-negative integer, price}');
    }
    return { start: t.start, price: one(t.price, `${where}.tiers[${i}].price`) };
  });
  tiers.sort((a, b) => a.start - b.start);
  return { base: one(value.base, `${where}.base`), tiers };
}

function convertConstraint(c: unknown, where: string): SnapshotConstraint | undefined {
  if (c === undefined || c === null) return undefined;
  if (!isObject(c)) fail(where, 'constraint must be a mapping');
  const type = c.type;
  if ((type === undefined || type === 'start_date') && typeof c.start_date === 'string') {
    if (!isIsoDate(c.start_date)) fail(where, `bad start_date ${c.start_date}`);
    return { start_date: c.start_date };
  }
  if ((type === undefined || type === 'time_of_date') && typeof c.start_time === 'string') {
    if (
      typeof c.end_time !== 'string' ||
      parseTimeOfDay(c.start_time) === null ||
      parseTimeOfDay(c.end_time) === null
    ) {
      fail(where, `bad time-of-day constraint ${JSON.stringify(c)}`);
    }
    return { start_time: c.start_time, end_time: c.end_time };
  }
  fail(where, `unknown constraint ${JSON.stringify(c)}`);
}

/** A real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(text: unknown): text is string {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const t = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === text;
}

/** `HH:MM:SS[.fff](Z|±HH:MM)` → seconds after UTC midnight, as genai-prices reads it; null if invalid. */
export function parseTimeOfDay(text: string): number | null {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = Number(m[3]);
  const oh = Number(m[7] ?? '0');
  const om = Number(m[8] ?? '0');
  if (h > 23 || min > 59 || s > 59 || oh > 23 || om > 59) return null;
  const offset = m[5] === 'Z' ? 0 : (m[6] === '+' ? 1 : -1) * (oh * 3600 + om * 60);
  const t = h * 3600 + min * 60 + s + Number(`0.${m[4] ?? '0'}`);
  return (((t - offset) % 86400) + 86400) % 86400;
}

/** Converts one genai-prices price table; returns null (and reports) when tokenmeter cannot use it. */
export function convertPriceTable(
  prices: unknown,
  where: string,
  report: ConversionReport,
): { prices: IntPriceTable; other_units?: string[] } | { problem: string } {
  if (!isObject(prices)) fail(where, 'prices must be a mapping');
  const out: IntPriceTable = {};
  const other: string[] = [];
  for (const [k, v] of Object.entries(prices)) {
    if (v === undefined || v === null) continue;
    const key = KEY_OF_GENAI[k];
    if (!key) {
      // Validate it anyway: a broken document is rejected whole.
      convertPrice(v, `${where}.${k}`, { rounded: [], dropped: [], otherUnits: {} });
      other.push(k);
      report.otherUnits[k] = (report.otherUnits[k] ?? 0) + 1;
      continue;
    }
    out[key] = convertPrice(v, `${where}.${k}`, report);
  }
  for (const key of Object.keys(out) as PriceKey[]) {
    for (const need of REQUIRES[key] ?? []) {
      if (out[need] === undefined)
        return { problem: `${GENAI_PRICE_KEY[key]} without ${GENAI_PRICE_KEY[need]}` };
    }
  }
  // genai-prices' join rule: two priced units that can overlap need their join priced.
  if (out.input_audio !== undefined && out.cache_write !== undefined) {
    return {
      problem:
        'input_audio_mtok with cache_write_mtok needs cache_audio_write_mtok (not priced by tokenmeter)',
    };
  }
  if (out.output_audio !== undefined && out.output_reasoning !== undefined) {
    return {
      problem: 'output_audio_mtok with output_reasoning_mtok (their overlap is not priced by tokenmeter)',
    };
  }
  return other.length ? { prices: out, other_units: other.sort() } : { prices: out };
}

function convertModel(m: unknown, providerId: string, report: ConversionReport): SnapshotModel | null {
  if (!isObject(m) || typeof m.id !== 'string' || m.id === '')
    fail(`provider ${providerId}`, 'model without an id');
  const where = `${providerId}/${m.id}`;
  const matchProblems = checkMatch(m.match, 'match');
  if (matchProblems.length) fail(where, matchProblems.map(([p, r]) => `${p} ${r}`).join('; '));
  const entries: unknown[] = Array.isArray(m.prices) ? m.prices : [{ prices: m.prices }];
  if (entries.length === 0) fail(where, 'empty prices list');
  const prices: SnapshotConditionalPrice[] = [];
  for (const [i, e] of entries.entries()) {
    if (!isObject(e)) fail(`${where}.prices[${i}]`, 'expected {constraint?, prices}');
    const constraint = convertConstraint(e.constraint, `${where}.prices[${i}].constraint`);
    const table = convertPriceTable(
      e.prices,
      `${where}${Array.isArray(m.prices) ? `.prices[${i}]` : ''}`,
      report,
    );
    if ('problem' in table) {
      report.dropped.push(`${where}: ${table.problem}`);
      return null;
    }
    prices.push(constraint ? { constraint, ...table } : table);
  }
  const out: SnapshotModel = { id: m.id, match: m.match as MatchLogic, prices };
  if (typeof m.name === 'string') out.name = m.name;
  if (typeof m.context_window === 'number') out.context_window = m.context_window;
  if (m.deprecated === true) out.deprecated = true;
  if (typeof m.price_comments === 'string') out.price_comments = m.price_comments;
  return out;
}

/**
 * Converts genai-prices provider data. Throws `CatalogDataError` when the document is not usable
 * (not a list of providers, a bad price or constraint); models tokenmeter cannot price consistently
 * are dropped and listed in the report.
 */
export function convertGenaiPrices(data: unknown): {
  providers: SnapshotProvider[];
  report: ConversionReport;
} {
  const report: ConversionReport = { rounded: [], dropped: [], otherUnits: {} };
  if (!Array.isArray(data)) fail('document', 'expected a list of providers');
  if (data.length === 0) fail('document', 'no providers');
  const seen = new Set<string>();
  const providers = data.map((p, i): SnapshotProvider => {
    if (!isObject(p) || typeof p.id !== 'string' || p.id === '')
      fail(`providers[${i}]`, 'provider without an id');
    if (seen.has(p.id)) fail(`provider ${p.id}`, 'duplicate provider id');
    seen.add(p.id);
    if (!Array.isArray(p.models)) fail(`provider ${p.id}`, 'models must be a list');
    const out: SnapshotProvider = {
      id: p.id,
      name: typeof p.name === 'string' ? p.name : p.id,
      models: p.models.map((m) => convertModel(m, p.id as string, report)).filter((m) => m !== null),
    };
    if (typeof p.api_pattern === 'string') {
      try {
        new RegExp(p.api_pattern);
        out.api_pattern = p.api_pattern;
      } catch {
        fail(`provider ${p.id}`, 'api_pattern does not compile');
      }
    }
    if (Array.isArray(p.pricing_urls)) out.pricing_urls = p.pricing_urls.filter((u) => typeof u === 'string');
    for (const k of ['model_match', 'provider_match'] as const) {
      if (p[k] !== undefined) {
        const problems = checkMatch(p[k], k);
        if (problems.length) fail(`provider ${p.id}`, problems.map(([a, b]) => `${a} ${b}`).join('; '));
        out[k] = p[k] as MatchLogic;
      }
    }
    if (Array.isArray(p.fallback_model_providers)) {
      out.fallback_model_providers = p.fallback_model_providers.filter((x) => typeof x === 'string');
    }
    return out;
  });
  return { providers, report };
}

/**
 * Converts the supplements document (src/catalog/supplements.yaml): service-tier rules and models the
 * catalog lacks. Throws `CatalogDataError` on any problem: it is tokenmeter's own data.
 */
export function convertSupplements(doc: unknown): {
  serviceTiers: ServiceTierRule[];
  models: { provider: string; model: SnapshotModel }[];
} {
  const report: ConversionReport = { rounded: [], dropped: [], otherUnits: {} };
  if (!isObject(doc)) fail('supplements', 'expected a mapping');
  const serviceTiers: ServiceTierRule[] = [];
  for (const [i, r] of (Array.isArray(doc.service_tiers) ? doc.service_tiers : []).entries()) {
    const where = `supplements service_tiers[${i}]`;
    if (!isObject(r) || typeof r.provider !== 'string') fail(where, 'needs provider');
    if (r.tier !== 'batch' && r.tier !== 'flex' && r.tier !== 'priority')
      fail(where, 'tier must be batch, flex or priority');
    if (typeof r.price_comments !== 'string' || !/https?:\/\//.test(r.price_comments)) {
      fail(where, 'price_comments must cite a source URL');
    }
    const rule: ServiceTierRule = { provider: r.provider, tier: r.tier, price_comments: r.price_comments };
    if (r.match !== undefined) {
      const problems = checkMatch(r.match, 'match');
      if (problems.length) fail(where, problems.map(([a, b]) => `${a} ${b}`).join('; '));
      rule.match = r.match as MatchLogic;
    }
    if (r.multiplier !== undefined) {
      const p = parseScaled(r.multiplier, 9);
      if (!p || p.rounded) fail(where, 'multiplier must be a decimal with at most 9 places');
      rule.multiplier = String(r.multiplier);
    }
    if (r.prices !== undefined) {
      const t = convertPriceTable(r.prices, where, report);
      if ('problem' in t) fail(where, t.problem);
      if (t.other_units) fail(where, `unknown price keys ${t.other_units.join(', ')}`);
      rule.prices = t.prices;
    }
    if ((rule.multiplier === undefined) === (rule.prices === undefined))
      fail(where, 'needs multiplier or prices (one)');
    serviceTiers.push(rule);
  }
  const models: { provider: string; model: SnapshotModel }[] = [];
  for (const [i, m] of (Array.isArray(doc.models) ? doc.models : []).entries()) {
    const where = `supplements models[${i}]`;
    if (!isObject(m) || typeof m.provider !== 'string') fail(where, 'needs provider');
    if (typeof m.price_comments !== 'string' || !/https?:\/\//.test(m.price_comments)) {
      fail(where, 'price_comments must cite a source URL');
    }
    const model = convertModel({ ...m, provider: undefined }, m.provider, report);
    if (!model) fail(where, report.dropped.join('; '));
    models.push({ provider: m.provider, model });
  }
  if (report.rounded.length)
    fail('supplements', `prices with more than 6 decimals: ${report.rounded.join(', ')}`);
  return { serviceTiers, models };
}
