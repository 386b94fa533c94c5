// What-if: the usage of a period (tokens by kind, cache reads and writes, reasoning) priced as if it
// had been sent to another model, per feature (or model) and in total, beside what it cost. Pure:
// the store's usage rows and a pricer in, the comparison out.
import type { UsageRow } from '@tokenmeter/store';
import type { AggregatePricer, AggregateUsage } from './aggregate-price.js';
import { addNanos } from './nanos.js';
import { RowGroups, rowModel, unpricedCallsIn } from './row-groups.js';

export interface WhatIfTarget {
  /** Catalog provider id and model id (as `explainPrice` resolved them). */
  provider: string;
  model: string;
}

export interface WhatIfGroup {
  key: string | null;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** What these calls cost. */
  actualNanos: number;
  /** What they would have cost on the target. */
  targetNanos: number;
}

export interface WhatIfSource {
  model: string | null;
  calls: number;
  /** Tokens on the target per token on this model (1 = not adjusted). */
  tokenRatio: number;
  /** How the ratio was found: the two tokenizers, or why there is none. */
  ratio: 'same_tokenizer' | 'tokenizer' | 'no_tokenizer';
}

export interface WhatIfResult {
  target: WhatIfTarget & { tiers: string[] };
  groupBy: 'feature' | 'model';
  groups: WhatIfGroup[];
  totals: WhatIfGroup;
  sources: WhatIfSource[];
  /** Calls without a price: their actual cost is unknown, so they are in neither column. */
  unpricedCalls: number;
  /** Some target figures were priced at a group's average call (prices tiered by prompt size). */
  averaged: boolean;
  /** A tokenizer ratio was applied to some tokens: the target figure is an estimate. */
  estimated: boolean;
  /** Tiers asked for that the target has no price for (priced at standard instead). */
  tierFallbacks: string[];
}

export interface WhatIfOptions {
  target: WhatIfTarget;
  /** Price every call at this tier; default: the tier each call was priced at. */
  tier?: string;
  groupBy: 'feature' | 'model';
  pricer: AggregatePricer;
  /** Tokens on the target per token on `model` (tokenizers), with how it was found. */
  tokenRatio: (model: string | null) => Pick<WhatIfSource, 'tokenRatio' | 'ratio'>;
}

function emptyGroup(key: string | null): WhatIfGroup {
  return {
    key,
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    actualNanos: 0,
    targetNanos: 0,
  };
}

function scale(r: UsageRow, ratio: number): AggregateUsage {
  const s = (n: number) => (ratio === 1 ? n : Math.round(n * ratio));
  return {
    calls: r.calls,
    inputTokens: s(r.inputTokens),
    outputTokens: s(r.outputTokens),
    cacheReadTokens: s(r.cacheReadTokens),
    cacheWriteTokens: s(r.cacheWriteTokens),
    reasoningTokens: s(r.reasoningTokens),
  };
}

export function whatIf(rows: readonly UsageRow[], o: WhatIfOptions): WhatIfResult {
  const groups = new RowGroups(o.groupBy, emptyGroup);
  const sources = new Map<string | null, WhatIfSource>();
  const tiers = new Set<string>();
  const fallbacks = new Set<string>();
  let unpricedCalls = 0;
  let averaged = false;
  let estimated = false;
  for (const r of rows) {
    // A row without a tier holds calls that had no price (or no usage): nothing to compare.
    if (r.tier === null) {
      unpricedCalls += unpricedCallsIn(r);
      continue;
    }
    const model = rowModel(r);
    let source = sources.get(model);
    if (!source) {
      source = { model, calls: 0, ...o.tokenRatio(model) };
      sources.set(model, source);
    }
    source.calls += r.calls;
    const usage = scale(r, source.tokenRatio);
    const asked = o.tier ?? r.tier;
    const p = o.pricer.price(o.target.provider, o.target.model, usage, r.dayMs, asked);
    if (!p) continue;
    if (p.averaged) averaged = true;
    if (source.ratio === 'tokenizer') estimated = true;
    tiers.add(p.tier);
    if (p.tier !== asked && asked !== 'standard') fallbacks.add(asked);
    for (const t of groups.add(r, model)) {
      t.outputTokens += r.outputTokens;
      t.reasoningTokens += r.reasoningTokens;
      t.targetNanos = addNanos(t.targetNanos, p.nanos, `the cost on ${o.target.model}`);
    }
  }
  return {
    target: { ...o.target, tiers: [...tiers].sort() },
    groupBy: o.groupBy,
    groups: groups
      .list()
      .sort((a, b) => b.actualNanos - a.actualNanos || (a.key ?? '').localeCompare(b.key ?? '')),
    totals: groups.totals,
    sources: [...sources.values()].sort((a, b) => b.calls - a.calls),
    unpricedCalls,
    averaged,
    estimated,
    tierFallbacks: [...fallbacks].sort(),
  };
}
