// The price of many calls from their summed usage (a row of store.usage()): exact for prices
// proportional to tokens, which is what almost every model has. Two things are per call, not per
// token, and are handled apart:
// - a per-request fee (requests_kcount) is charged once per call;
// - a price tiered by prompt size (Gemini above 200k input tokens, ...) is chosen per call, so the
//   sums cannot say which calls crossed it: such a model is priced at the group's average call,
//   and the result says so (`averaged`).
// The sums go through the pricing engine's own input checks (priceCall): a count above the engine's
// bound for one call (MAX_TOKENS, 1e12: a day of 10M calls of 100k tokens reaches it) is priced in
// as many parts as it takes, so a big row is priced, not dropped as "no price"; a refusal other than
// the model having no price is an error, never a silent gap. Every product and sum of nano-USD is
// exact or refused (nanos.ts).
import type { CostInput, CostResult, PriceTableUsd, TokenUsage } from '@tokenmeter/pricing';
import { CliError } from '../errors/cli-error.js';
import { addNanos, MoneyRangeError, mulNanos } from './nanos.js';
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

/**
 * The usage of `u` / `divide` (rounded), or with `part` of `parts`, that part of it: each count split
 * in `parts` integers that add up to it (the first part takes the remainder).
 */
function tokenUsage(u: AggregateUsage, divide = 1, part = 0, parts = 1): TokenUsage {
  const d = (n: number) => {
    const q = Math.round(n / divide);
    if (parts === 1) return q;
    const each = Math.floor(q / parts);
    return part === 0 ? q - each * (parts - 1) : each;
  };
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

/** How many parts keep every count of `u` within the engine's bound for one call. */
function partsFor(u: AggregateUsage, maxTokens: number): number {
  const most = Math.max(
    u.inputTokens,
    u.outputTokens,
    u.cacheReadTokens,
    u.cacheWriteTokens,
    u.reasoningTokens,
  );
  return Math.max(1, Math.ceil(most / maxTokens));
}

export function aggregatePricer(
  pricing: Pick<Pricing, 'priceCall' | 'explainPrice' | 'MAX_TOKENS'>,
): AggregatePricer {
  const isTiered = new Map<string, boolean>();
  /** The cost of one priced usage; null when the model has no price; throws on any other refusal. */
  const cost = (input: CostInput): CostResult | null => {
    const r = pricing.priceCall(input);
    if (r.cost) return r.cost;
    const field =
      r.reason === 'invalid_input' ? String((r.error as { field?: unknown } | undefined)?.field) : '';
    // Not the usage (a stored model name too long to match, ...): that model has no price.
    if (!field.startsWith('usage')) return null;
    // The engine refuses one call above 2^53 nano-USD: the sum it was asked for is beyond exact too.
    if (field === 'usage') throw new MoneyRangeError(`the cost of ${input.model}'s usage on one day`);
    throw new CliError(`the summed usage of ${input.model} cannot be priced: ${r.error?.message}`);
  };
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
        const one = cost({ ...input, usage: tokenUsage(usage, usage.calls) });
        if (!one) return null;
        return { nanos: mulNanos(one.totalNanos, usage.calls), tier: one.serviceTier, averaged: true };
      }
      const parts = partsFor(usage, pricing.MAX_TOKENS);
      let nanos = 0;
      let priced: CostResult | null = null;
      for (let part = 0; part < parts; part++) {
        priced = cost({ ...input, usage: tokenUsage(usage, 1, part, parts) });
        if (!priced) return null;
        nanos = addNanos(nanos, priced.totalNanos);
      }
      if (!priced) return null;
      // The sums were priced as `parts` calls: the per-request fee is owed by every call.
      return {
        nanos: addNanos(nanos, mulNanos(priced.requestNanos, usage.calls - parts)),
        tier: priced.serviceTier,
        averaged: false,
      };
    },
  };
}
