// Shared test helpers: temp dirs, random CallInputs, and a brute-force summary over records.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { CallInput, GroupBy, SummaryQuery, Totals } from '../src/index.js';

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tm-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** A priced call with sensible defaults; override what a test cares about. */
export function call(over: Partial<CallInput> = {}): CallInput {
  return {
    startTimeMs: Date.UTC(2026, 10, 2, 12),
    durationMs: 100,
    provider: 'openai',
    operation: 'chat',
    requestModel: 'gpt-4o',
    responseModel: 'gpt-4o-2024-08-06',
    stream: false,
    usage: { inputTokens: 100, outputTokens: 10 },
    usageEstimated: false,
    cost: {
      totalNanos: 1000,
      inputNanos: 600,
      outputNanos: 400,
      cacheReadNanos: 0,
      cacheWriteNanos: 0,
      provider: 'openai',
      modelId: 'gpt-4o',
      match: 'exact',
      source: 'catalog',
      version: 'test',
      serviceTier: 'standard',
    },
    pricingMatch: 'exact',
    attribution: {},
    ...over,
  };
}

/** The fields a CallInput may leave out. */
export type OptionalCallField = {
  [K in keyof CallInput]-?: Partial<Pick<CallInput, K>> extends Pick<CallInput, K> ? K : never;
}[keyof CallInput];

/** `rec` with the given fields left out: a call with no response model, no usage, … */
export function without(rec: CallInput, ...fields: OptionalCallField[]): CallInput {
  const out = { ...rec };
  for (const field of fields) delete out[field];
  return out;
}

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** Random calls around `center` (±3 days), over small value pools so filters and groups collide. */
export function callArb(center: number): fc.Arbitrary<CallInput> {
  return fc
    .record({
      // Half of them within ±3 h of `center`, where hours move into the day rollups.
      t: fc.oneof(
        fc.integer({ min: center - 3 * DAY, max: center + DAY }),
        fc.integer({ min: center - 3 * HOUR, max: center + 3 * HOUR }),
      ),
      provider: pick(['openai', 'anthropic', 'gemini-like']),
      operation: pick(['chat', 'embeddings']),
      requestModel: opt(pick(['m-a', 'm-b', 'm-c'])),
      responseModel: opt(pick(['m-a', 'm-a-2025', 'm-b'])),
      feature: opt(pick(['f1', 'f2', 'f3'])),
      user: opt(pick(['u1', 'u2', 'u3', 'u4'])),
      tenant: opt(pick(['t1', 't2'])),
      service: opt(pick(['api', 'worker'])),
      priced: fc.boolean(),
      estimated: fc.boolean(),
      error: opt(pick(['429', 'TypeError'])),
      usage: opt(
        fc.record({
          inputTokens: fc.nat(100_000),
          outputTokens: fc.nat(10_000),
          cacheReadTokens: fc.nat(1000),
          cacheWriteTokens: fc.nat(1000),
          reasoningTokens: fc.nat(1000),
        }),
      ),
      costs: fc.array(fc.nat(5_000_000_000), { minLength: 4, maxLength: 4 }),
    })
    .map((r) => {
      const [a, b, c, d] = r.costs as [number, number, number, number];
      const rec: CallInput = {
        startTimeMs: r.t,
        durationMs: 50,
        provider: r.provider,
        operation: r.operation,
        stream: false,
        usageEstimated: r.estimated,
        cost: r.priced
          ? {
              totalNanos: a + b + c + d,
              inputNanos: a,
              outputNanos: b,
              cacheReadNanos: c,
              cacheWriteNanos: d,
              provider: r.provider,
              modelId: r.requestModel ?? 'x',
              match: 'exact',
              source: 'catalog',
              version: 'v',
              serviceTier: 'standard',
            }
          : null,
        pricingMatch: r.priced ? 'exact' : 'unknown_model',
        attribution: {
          ...(r.feature === undefined ? {} : { feature: r.feature }),
          ...(r.user === undefined ? {} : { user: r.user }),
          ...(r.tenant === undefined ? {} : { tenant: r.tenant }),
        },
        ...(r.service === undefined ? {} : { serviceName: r.service }),
      };
      if (r.requestModel) rec.requestModel = r.requestModel;
      if (r.responseModel) rec.responseModel = r.responseModel;
      if (r.usage) rec.usage = r.usage;
      if (r.error) rec.errorType = r.error;
      return rec;
    });
}

function localDay(ms: number, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD: an implementation independent of the store's.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(ms));
}

function keyOf(r: CallInput, g: GroupBy, timeZone: string): string | null {
  switch (g) {
    case 'model':
      return r.responseModel ?? r.requestModel ?? null;
    case 'provider':
      return r.provider;
    case 'operation':
      return r.operation;
    case 'service':
      return r.serviceName ?? null;
    case 'feature':
      return r.attribution.feature ?? null;
    case 'user':
      return r.attribution.user ?? null;
    case 'tenant':
      return r.attribution.tenant ?? null;
    case 'day':
      return localDay(r.startTimeMs, timeZone);
  }
}

export function matches(r: CallInput, q: SummaryQuery): boolean {
  if (q.since !== undefined && r.startTimeMs < q.since) return false;
  if (q.until !== undefined && r.startTimeMs >= q.until) return false;
  if (q.provider !== undefined && r.provider !== q.provider) return false;
  if (q.model !== undefined && r.requestModel !== q.model && r.responseModel !== q.model) return false;
  if (q.feature !== undefined && r.attribution.feature !== q.feature) return false;
  if (q.user !== undefined && r.attribution.user !== q.user) return false;
  if (q.tenant !== undefined && r.attribution.tenant !== q.tenant) return false;
  if (q.service !== undefined && r.serviceName !== q.service) return false;
  if (q.minCostNanos !== undefined && (r.cost?.totalNanos ?? 0) < q.minCostNanos) return false;
  if (q.errors && !r.errorType) return false;
  if (q.estimated && !r.usageEstimated) return false;
  if (q.unpriced && r.cost) return false;
  return true;
}

function add(t: Totals, r: CallInput): void {
  t.calls++;
  if (r.errorType) t.errors++;
  if (!r.cost) t.unpricedCalls++;
  if (r.usageEstimated) t.estimatedCalls++;
  t.inputTokens += r.usage?.inputTokens ?? 0;
  t.outputTokens += r.usage?.outputTokens ?? 0;
  t.cacheReadTokens += r.usage?.cacheReadTokens ?? 0;
  t.cacheWriteTokens += r.usage?.cacheWriteTokens ?? 0;
  t.reasoningTokens += r.usage?.reasoningTokens ?? 0;
  t.costNanos += r.cost?.totalNanos ?? 0;
  t.inputCostNanos += r.cost?.inputNanos ?? 0;
  t.outputCostNanos += r.cost?.outputNanos ?? 0;
  t.cacheReadCostNanos += r.cost?.cacheReadNanos ?? 0;
  t.cacheWriteCostNanos += r.cost?.cacheWriteNanos ?? 0;
}

export function zero(): Totals {
  return {
    calls: 0,
    errors: 0,
    unpricedCalls: 0,
    estimatedCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costNanos: 0,
    inputCostNanos: 0,
    outputCostNanos: 0,
    cacheReadCostNanos: 0,
    cacheWriteCostNanos: 0,
  };
}

/** The summary computed by brute force; groups sorted by key (null last) for comparison. */
export function bruteSummary(
  records: readonly CallInput[],
  q: SummaryQuery,
): { totals: Totals; groups: (Totals & { key: string | null })[] } {
  const totals = zero();
  const groups = new Map<string | null, Totals & { key: string | null }>();
  for (const r of records) {
    if (!matches(r, q)) continue;
    add(totals, r);
    if (!q.groupBy) continue;
    const k = keyOf(r, q.groupBy, q.timeZone ?? 'UTC');
    let g = groups.get(k);
    if (!g) {
      g = { key: k, ...zero() };
      groups.set(k, g);
    }
    add(g, r);
  }
  return { totals, groups: sortByKey([...groups.values()]) };
}

export function sortByKey<T extends { key: string | null }>(gs: T[]): T[] {
  return [...gs].sort((a, b) =>
    a.key === b.key ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1,
  );
}
