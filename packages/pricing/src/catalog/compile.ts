// Turns a snapshot (bundled or refreshed) into the structures the engine runs on: compiled matchers,
// price periods with parsed constraints, service-tier rules per provider.

import type {
  CatalogSnapshot,
  IntPrice,
  IntPriceTable,
  Rational,
  ServiceTier,
  SnapshotConditionalPrice,
  SnapshotConstraint,
  SnapshotModel,
  SnapshotProvider,
} from '../internal-types.js';
import { compileMatch, jsRegex, type Matcher, type MatchKind, type RegexCompiler } from '../match.js';
import { rationalFromDecimal } from '../money.js';
import { parseTimeOfDay } from './convert.js';

/** A price table with a bit set of the keys it has, for the engine's decomposition. */
export interface CompiledTable {
  readonly raw: IntPriceTable;
  readonly input: IntPrice | undefined;
  readonly cacheRead: IntPrice | undefined;
  readonly cacheWrite: IntPrice | undefined;
  readonly cacheWrite1h: IntPrice | undefined;
  readonly inputAudio: IntPrice | undefined;
  readonly cacheAudioRead: IntPrice | undefined;
  readonly output: IntPrice | undefined;
  readonly outputReasoning: IntPrice | undefined;
  readonly outputAudio: IntPrice | undefined;
  readonly requests: IntPrice | undefined;
  /** True when no key tokenmeter prices is present but other units are (whisper per hour, ...). */
  readonly onlyOtherUnits: boolean;
  readonly otherUnits: readonly string[];
}

export interface CompiledPeriod {
  readonly constraint: SnapshotConstraint | undefined;
  readonly startMs: number | undefined;
  readonly todStart: number | undefined;
  readonly todEnd: number | undefined;
  readonly table: CompiledTable;
}

export interface CompiledModel {
  readonly id: string;
  readonly raw: SnapshotModel;
  readonly matcher: Matcher;
  /** Set when the model has one price period (the common case: no timestamp needed). */
  readonly single: CompiledTable | undefined;
  readonly periods: readonly CompiledPeriod[];
}

export interface CompiledTierRule {
  readonly tier: Exclude<ServiceTier, 'standard'>;
  readonly matcher: Matcher | undefined;
  readonly multiplier: Rational | undefined;
  readonly multiplierText: string | undefined;
  readonly table: CompiledTable | undefined;
  readonly comments: string;
}

export interface CompiledProvider {
  readonly id: string;
  readonly name: string;
  readonly raw: SnapshotProvider;
  readonly apiPattern: RegExp | undefined;
  readonly modelMatch: Matcher | undefined;
  readonly providerMatch: Matcher | undefined;
  readonly fallbacks: readonly string[];
  readonly models: readonly CompiledModel[];
  readonly tierRules: readonly CompiledTierRule[];
}

export interface CompiledCatalog {
  readonly version: string;
  readonly source: 'catalog' | 'refreshed_catalog';
  readonly providers: readonly CompiledProvider[];
  readonly byId: ReadonlyMap<string, CompiledProvider>;
}

export function compileTable(raw: IntPriceTable, otherUnits: readonly string[] = []): CompiledTable {
  const hasOwn = Object.keys(raw).length > 0;
  return {
    raw,
    input: raw.input,
    cacheRead: raw.cache_read,
    cacheWrite: raw.cache_write,
    cacheWrite1h: raw.cache_write_1h,
    inputAudio: raw.input_audio,
    cacheAudioRead: raw.cache_audio_read,
    output: raw.output,
    outputReasoning: raw.output_reasoning,
    outputAudio: raw.output_audio,
    requests: raw.requests,
    onlyOtherUnits: !hasOwn && otherUnits.length > 0,
    otherUnits,
  };
}

function compilePeriod(p: SnapshotConditionalPrice): CompiledPeriod {
  const c = p.constraint;
  let startMs: number | undefined;
  let todStart: number | undefined;
  let todEnd: number | undefined;
  if (c && 'start_date' in c) startMs = Date.parse(`${c.start_date}T00:00:00Z`);
  if (c && 'start_time' in c) {
    todStart = parseTimeOfDay(c.start_time) ?? 0;
    todEnd = parseTimeOfDay(c.end_time) ?? 0;
  }
  return { constraint: c, startMs, todStart, todEnd, table: compileTable(p.prices, p.other_units) };
}

export function compileModel(m: SnapshotModel, regex: RegexCompiler = jsRegex): CompiledModel {
  const periods = m.prices.map(compilePeriod);
  const matcher = compileMatch(m.match, regex);
  const idLower = m.id.toLowerCase();
  return {
    id: m.id,
    raw: m,
    // The catalog id itself is an exact name for the model.
    matcher: (s) => (s === idLower ? 1 : matcher(s)),
    single: periods.length === 1 && periods[0]!.constraint === undefined ? periods[0]!.table : undefined,
    periods,
  };
}

/** The period in effect at `ms` (genai-prices' rule: the last entry whose constraint holds, else the first). */
export function periodAt(model: CompiledModel, ms: number): CompiledPeriod {
  const ps = model.periods;
  for (let i = ps.length - 1; i >= 0; i--) {
    const p = ps[i]!;
    if (p.constraint === undefined) return p;
    if (p.startMs !== undefined) {
      if (ms >= p.startMs) return p;
    } else if (p.todStart !== undefined && p.todEnd !== undefined) {
      const d = new Date(ms);
      const t =
        d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds() + d.getUTCMilliseconds() / 1000;
      if (p.todEnd < p.todStart ? t >= p.todStart || t < p.todEnd : t >= p.todStart && t < p.todEnd) return p;
    }
  }
  return ps[0]!;
}

export function findModel(
  provider: CompiledProvider,
  lowerName: string,
): { model: CompiledModel; kind: Exclude<MatchKind, 0> } | undefined {
  for (const model of provider.models) {
    const kind = model.matcher(lowerName);
    if (kind !== 0) return { model, kind };
  }
  return undefined;
}

export function compileCatalog(
  snapshot: CatalogSnapshot,
  source: 'catalog' | 'refreshed_catalog',
): CompiledCatalog {
  const rulesByProvider = new Map<string, CompiledTierRule[]>();
  for (const r of snapshot.service_tiers) {
    const list = rulesByProvider.get(r.provider) ?? [];
    list.push({
      tier: r.tier,
      matcher: r.match ? compileMatch(r.match) : undefined,
      multiplier: r.multiplier !== undefined ? (rationalFromDecimal(r.multiplier) ?? undefined) : undefined,
      multiplierText: r.multiplier,
      table: r.prices ? compileTable(r.prices) : undefined,
      comments: r.price_comments,
    });
    rulesByProvider.set(r.provider, list);
  }
  const providers = snapshot.providers.map((p): CompiledProvider => {
    let models: CompiledModel[] | undefined;
    return {
      id: p.id,
      name: p.name,
      raw: p,
      apiPattern: p.api_pattern ? new RegExp(`^(?:${p.api_pattern})`) : undefined,
      modelMatch: p.model_match ? compileMatch(p.model_match) : undefined,
      providerMatch: p.provider_match ? compileMatch(p.provider_match) : undefined,
      fallbacks: p.fallback_model_providers ?? [],
      // A provider's models are compiled when it is first searched: a process pricing openai calls
      // compiles openai's ~90, not the catalog's ~1,700 (~20 ms of CPU, and enough calls of
      // compileModel for V8 to spend ~65 ms optimising it on Node 20).
      get models() {
        models ??= p.models.map((m) => compileModel(m));
        return models;
      },
      tierRules: rulesByProvider.get(p.id) ?? [],
    };
  });
  return { version: snapshot.version, source, providers, byId: new Map(providers.map((p) => [p.id, p])) };
}
