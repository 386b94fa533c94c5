// A call's worst-case cost before it is sent: its input tokens (an upper bound from the body) all
// billed at the dearer of the input and cache-write prices, and the most output it may produce (its
// max_tokens, else the model's output limit), at the model's prices in the catalog (with the user's
// overrides and discounts). An unpriced model's worst case is 0: it cannot be known.
//
// Pricing a call takes tens of microseconds (catalog match, rational arithmetic), too much for every
// call, so worst cases are cached: per price-relevant field, input token count, output token count
// and hour, for the default pricer it was computed with. Input counts of 1024 and more are rounded
// up to 64 steps per power of two (at most 1/64 more) so that varying prompts share entries; a cost
// never falls when tokens are added (per-token prices, and tiers that bill more past a threshold),
// so the rounded figure is still an upper bound. An entry holds the dearer of its hour's first and
// last instant, in case the catalog's prices change within that hour.
import { calculateCost, getDefaultPricer, type Pricer } from '@tokenmeter/pricing';
import { modelOutputLimit } from './output-limits.js';
import type { BudgetRequest, Nanos } from './types.js';

const HOUR_MS = 3_600_000;
const MAX_ENTRIES = 4096;
/** Token counts combine into one number key below these (else the worst case is not cached). */
const MAX_CACHED_OUTPUT = 1e7;
const MAX_CACHED_INPUT = 1e8;

/** The price-relevant fields of a request but its token counts, and the worst cases priced for them. */
interface PriceContext {
  provider: string;
  serviceTier: string | undefined;
  batch: boolean | undefined;
  baseUrl: string | undefined;
  cacheWrite: boolean;
  hour: number;
  /** input × MAX_CACHED_OUTPUT + output → nanos. */
  costs: Map<number, Nanos>;
}

let cachedFor: Pricer | undefined;
let cachedVersion: string | undefined;
let entries = 0;
// Keyed by model, then compared field by field: no key string is built per call.
const cache = new Map<string, PriceContext[]>();

/** `n`, or the next of 64 steps per power of two above it from 1024 on. */
export function roundUpTokens(n: number): number {
  if (n < 1024) return n;
  const step = 2 ** (Math.floor(Math.log2(n)) - 6);
  return Math.ceil(n / step) * step;
}

function contextOf(r: BudgetRequest, model: string, cacheWrite: boolean, hour: number): PriceContext {
  const pricer = getDefaultPricer();
  if (pricer !== cachedFor || pricer.catalogVersion !== cachedVersion || entries >= MAX_ENTRIES) {
    cache.clear();
    entries = 0;
    cachedFor = pricer;
    cachedVersion = pricer.catalogVersion;
  }
  let list = cache.get(model);
  if (list === undefined) {
    list = [];
    cache.set(model, list);
  }
  for (const c of list) {
    if (
      c.hour === hour &&
      c.provider === r.provider &&
      c.cacheWrite === cacheWrite &&
      c.serviceTier === r.serviceTier &&
      c.batch === r.batch &&
      c.baseUrl === r.baseUrl
    ) {
      return c;
    }
  }
  // An hour gone by: its contexts go (a long-running process keeps only the current ones).
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i]!.hour < hour) {
      entries -= list[i]!.costs.size;
      list.splice(i, 1);
    }
  }
  const c: PriceContext = {
    provider: r.provider,
    serviceTier: r.serviceTier,
    batch: r.batch,
    baseUrl: r.baseUrl,
    cacheWrite,
    hour,
    costs: new Map(),
  };
  list.push(c);
  return c;
}

export function worstCaseNanos(r: BudgetRequest, model: string | undefined = r.model): Nanos {
  if (model === undefined) return 0;
  const inputTokens = roundUpTokens(Math.max(0, Math.ceil(r.inputTokens())));
  const outputTokens = r.maxOutputTokens ?? modelOutputLimit(model);
  const cacheWrite = inputTokens > 0 && r.mayWriteCache !== false;
  const hour = Math.floor(r.timeMs / HOUR_MS);
  const at = (timestamp: number) => priceAt(r, model, timestamp, inputTokens, outputTokens, cacheWrite);
  const priced = () => Math.max(at(hour * HOUR_MS), at(hour * HOUR_MS + HOUR_MS - 1));
  if (
    !(inputTokens < MAX_CACHED_INPUT && outputTokens >= 0 && outputTokens < MAX_CACHED_OUTPUT) ||
    !Number.isInteger(outputTokens)
  ) {
    return priced();
  }
  const costs = contextOf(r, model, cacheWrite, hour).costs;
  const key = inputTokens * MAX_CACHED_OUTPUT + outputTokens;
  let nanos = costs.get(key);
  if (nanos === undefined) {
    nanos = priced();
    costs.set(key, nanos);
    entries++;
  }
  return nanos;
}

function priceAt(
  r: BudgetRequest,
  model: string,
  timestamp: number,
  inputTokens: number,
  outputTokens: number,
  cacheWrite: boolean,
): Nanos {
  const base = {
    provider: r.provider,
    model,
    timestamp,
    serviceTier: r.serviceTier,
    batch: r.batch,
    baseUrl: r.baseUrl,
  };
  const plain = calculateCost({ ...base, usage: { inputTokens, outputTokens } });
  if (plain === null) return 0;
  if (!cacheWrite) return plain.totalNanos;
  // Anthropic (and Bedrock's Claude) bill prompt-cache writes above the input price.
  const cached = calculateCost({
    ...base,
    usage: { inputTokens, outputTokens, cacheWriteTokens: inputTokens },
  });
  return Math.max(plain.totalNanos, cached?.totalNanos ?? 0);
}
