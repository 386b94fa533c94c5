// The price of many calls from their summed usage (a row of store.usage()): exact for prices
// proportional to tokens, which is what almost every model has. Two things are per call, not per
// token, and are handled apart:
// - a per-request fee (requests_kcount) is charged once per call;
// - a price tiered by prompt size (Gemini above 200k input tokens, ...) is chosen per call, so the
//   sums cannot say which calls crossed it: such a model is priced at the group's average call,
//   and the result says so (`averaged`).
import type { PriceTableUsd, TokenUsage } from '@tokenmeter/pricing';
import type { Pricing } from './pricing.js';

export interface AggregateUsage {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

export interface AggregatePrice {
  nanos: number;
  /** The tier actually priced (a model without a rule for the asked tier is priced at standard). */
  tier: string;
  /** Priced at the average call because the model's prices are tiered by prompt size. */
  averaged: boolean;
}

export interface AggregatePricer {
  /** null when the model has no price. */
  price(
    provider: string,
    model: string,
    usage: AggregateUsage,
    atMs: number,
    tier: string | undefined,
  ): AggregatePrice | null;
}

function tiered(prices: PriceTableUsd | undefined): boolean {
  return prices !== undefined && Object.values(prices).some((p) => typeof p === 'object' && p !== null);
}

function tokenUsage(u: AggregateUsage, divide = 1): TokenUsage {
  const d = (n: number) => Math.round(n / divide);
  const usage: TokenUsage = { inputTokens: d(u.inputTokens), outputTokens: d(u.outputTokens) };
  if (u.cacheReadTokens) usage.cacheReadTokens = d(u.cacheReadTokens);
  if (u.cacheWriteTokens) usage.cacheWriteTokens = d(u.cacheWriteTokens);
  if (u.reasoningTokens) usage.reasoningTokens = d(u.reasoningTokens);
  // Rounding an average can leave the parts above their totals by one: keep them within.
  const cached = (usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0);
  if (cached > usage.inputTokens) usage.inputTokens = cached;
  if ((usage.reasoningTokens ?? 0) > usage.outputTokens) usage.outputTokens = usage.reasoningTokens ?? 0;
  return usage;
}

export function aggregatePricer(pricing: Pick<Pricing, 'calculateCost' | 'explainPrice'>): AggregatePricer {
  const isTiered = new Map<string, boolean>();
  return {
    price(provider, model, usage, atMs, tier) {
      if (usage.calls <= 0) return { nanos: 0, tier: tier ?? 'standard', averaged: false };
      const key = `${provider}\u0000${model}\u0000${Math.floor(atMs / 86_400_000)}`;
      let t = isTiered.get(key);
      if (t === undefined) {
        t = tiered(pricing.explainPrice(provider, model, atMs)?.prices);
        isTiered.set(key, t);
      }
      const input = {
        provider,
        model,
        timestamp: atMs,
        ...(tier !== undefined && tier !== 'standard' ? { serviceTier: tier } : {}),
      };
      if (t) {
        const one = pricing.calculateCost({ ...input, usage: tokenUsage(usage, usage.calls) });
        if (!one) return null;
        return { nanos: one.totalNanos * usage.calls, tier: one.serviceTier, averaged: true };
      }
      const all = pricing.calculateCost({ ...input, usage: tokenUsage(usage) });
      if (!all) return null;
      // The sums were priced as one call: the per-request fee is owed by every call.
      return {
        nanos: all.totalNanos + all.requestNanos * (usage.calls - 1),
        tier: all.serviceTier,
        averaged: false,
      };
    },
  };
}
