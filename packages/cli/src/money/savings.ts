// Savings: what prompt caching and the batch/flex tiers saved against the list price of the same
// tokens, and the caching opportunity (features with long prompts and a low cache hit rate, priced
// at the hit rate of the best feature). Pure: the store's usage rows and a pricer in.
//
// For each row (day × feature × model × tier) the same usage is priced four ways with the prices
// tokenmeter uses (catalog and pricing file):
//   as is                      → the cost
//   cache tokens as plain input → minus the cost = caching saved (reads at the cached price, minus
//                                 the premium of cache writes; negative when writes cost more)
//   at the standard tier       → minus the cost = the tier saved (batch, flex; priority is negative)
import type { UsageRow } from '@tokenmeter/store';
import type { AggregatePricer, AggregateUsage } from './aggregate-price.js';
import { addNanos } from './nanos.js';
import { RowGroups, rowModel, unpricedCallsIn } from './row-groups.js';

/** Below this many input tokens per call a prompt cannot be cached (OpenAI and Anthropic minimum). */
export const CACHEABLE_PROMPT_TOKENS = 1024;
/** A feature needs this many calls in the period to count as a benchmark or a candidate. */
export const MIN_OPPORTUNITY_CALLS = 20;
/** A candidate's hit rate is at least this far below the best feature's. */
export const MIN_HIT_RATE_GAP = 0.1;

export interface SavingsGroup {
  key: string | null;
  calls: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** What the calls cost (as stored). */
  actualNanos: number;
  /** The same tokens at the standard tier and without caching. */
  listNanos: number;
  cachingSavedNanos: number;
  tierSavedNanos: number;
  /** Calls priced at batch, flex, priority. */
  tierCalls: Record<string, number>;
}

export interface CacheOpportunity {
  feature: string;
  calls: number;
  inputTokens: number;
  avgInputTokens: number;
  hitRate: number;
  /** The hit rate it is priced at (the best feature's) and that feature. */
  targetHitRate: number;
  benchmark: string;
  wouldSaveNanos: number;
}

export interface SavingsResult {
  groupBy: 'feature' | 'model';
  groups: SavingsGroup[];
  totals: SavingsGroup;
  opportunities: CacheOpportunity[];
  /** Calls without a price (nothing to compare) or whose model has no price now. */
  unpricedCalls: number;
  averaged: boolean;
}

function empty(key: string | null): SavingsGroup {
  return {
    key,
    calls: 0,
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    actualNanos: 0,
    listNanos: 0,
    cachingSavedNanos: 0,
    tierSavedNanos: 0,
    tierCalls: {},
  };
}

function usageOf(r: UsageRow): AggregateUsage {
  return {
    calls: r.calls,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cacheReadTokens: r.cacheReadTokens,
    cacheWriteTokens: r.cacheWriteTokens,
    reasoningTokens: r.reasoningTokens,
  };
}

const noCache = (u: AggregateUsage): AggregateUsage => ({ ...u, cacheReadTokens: 0, cacheWriteTokens: 0 });

/** Savings of the rows' calls, grouped by feature or model, and the caching opportunities. */
export function savings(
  rows: readonly UsageRow[],
  o: { groupBy: 'feature' | 'model'; pricer: AggregatePricer },
): SavingsResult {
  const groups = new RowGroups(o.groupBy, empty);
  const perFeature = new Map<string, { rows: UsageRow[]; calls: number; input: number; read: number }>();
  let unpricedCalls = 0;
  let averaged = false;
  for (const r of rows) {
    const model = rowModel(r);
    if (r.tier === null || model === null) {
      unpricedCalls += unpricedCallsIn(r);
      continue;
    }
    const u = usageOf(r);
    const price = (x: AggregateUsage, tier: string) => o.pricer.price(r.provider, model, x, r.dayMs, tier);
    const asIs = price(u, r.tier);
    const plain = price(noCache(u), r.tier);
    const standard = price(u, 'standard');
    const list = price(noCache(u), 'standard');
    if (!asIs || !plain || !standard || !list) {
      unpricedCalls += r.calls;
      continue;
    }
    averaged ||= asIs.averaged;
    for (const t of groups.add(r, model)) {
      t.listNanos = addNanos(t.listNanos, list.nanos, 'the list price');
      t.cachingSavedNanos = addNanos(t.cachingSavedNanos, plain.nanos - asIs.nanos, 'what caching saved');
      t.tierSavedNanos = addNanos(t.tierSavedNanos, standard.nanos - asIs.nanos, 'what the tiers saved');
      if (asIs.tier !== 'standard') t.tierCalls[asIs.tier] = (t.tierCalls[asIs.tier] ?? 0) + r.calls;
    }
    if (r.feature !== null) {
      let f = perFeature.get(r.feature);
      if (!f) {
        f = { rows: [], calls: 0, input: 0, read: 0 };
        perFeature.set(r.feature, f);
      }
      f.rows.push(r);
      f.calls += r.calls;
      f.input += r.inputTokens;
      f.read += r.cacheReadTokens;
    }
  }
  return {
    groupBy: o.groupBy,
    groups: groups
      .list()
      .sort(
        (a, b) =>
          b.cachingSavedNanos + b.tierSavedNanos - (a.cachingSavedNanos + a.tierSavedNanos) ||
          b.actualNanos - a.actualNanos,
      ),
    totals: groups.totals,
    opportunities: opportunities(perFeature, o.pricer),
    unpricedCalls,
    averaged,
  };
}

function opportunities(
  perFeature: Map<string, { rows: UsageRow[]; calls: number; input: number; read: number }>,
  pricer: AggregatePricer,
): CacheOpportunity[] {
  const eligible = [...perFeature.entries()]
    .filter(([, f]) => f.calls >= MIN_OPPORTUNITY_CALLS && f.input / f.calls >= CACHEABLE_PROMPT_TOKENS)
    .map(([feature, f]) => ({ feature, ...f, rate: f.input > 0 ? f.read / f.input : 0 }));
  if (eligible.length < 2) return [];
  const best = eligible.reduce((a, b) => (b.rate > a.rate ? b : a));
  const out: CacheOpportunity[] = [];
  for (const f of eligible) {
    if (f === best || best.rate - f.rate < MIN_HIT_RATE_GAP) continue;
    let save = 0;
    for (const r of f.rows) {
      const model = rowModel(r)!;
      const u = usageOf(r);
      // The same prompts at the benchmark's hit rate: more input read from the cache.
      const reads = Math.min(Math.round(r.inputTokens * best.rate), r.inputTokens - r.cacheWriteTokens);
      if (reads <= r.cacheReadTokens) continue;
      const now = pricer.price(r.provider, model, u, r.dayMs, r.tier ?? 'standard');
      const then = pricer.price(
        r.provider,
        model,
        { ...u, cacheReadTokens: reads },
        r.dayMs,
        r.tier ?? 'standard',
      );
      if (now && then && then.nanos < now.nanos)
        save = addNanos(save, now.nanos - then.nanos, 'what caching would save');
    }
    if (save <= 0) continue;
    out.push({
      feature: f.feature,
      calls: f.calls,
      inputTokens: f.input,
      avgInputTokens: Math.round(f.input / f.calls),
      hitRate: f.rate,
      targetHitRate: best.rate,
      benchmark: best.feature,
      wouldSaveNanos: save,
    });
  }
  return out.sort((a, b) => b.wouldSaveNanos - a.wouldSaveNanos);
}
