// The demo's history: about 30 days of calls written straight into the demo store before the live
// workload runs, so the dashboard has trends, budgets have a forecast and the alert evaluators have
// baselines. Weekly seasonality (weekdays busy, weekends quiet, office hours in this machine's zone),
// slow growth, the features, tenants and models of the live workload, priced by the real catalog.
// Two anomalies are injected at the end, for the alerts to find: a runaway loop (a spend and request
// spike in the last hour) and a model-mix drift (support chat moved to gpt-4o in the last 3 hours).
// Generating is apart from writing, so the demo can write it in slices while its live workload runs.
import { calculateCost } from '@tokenmeter/pricing';
import {
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
} from '@tokenmeter/semconv';
import type { CallInput, CostStore } from '@tokenmeter/store';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

interface Profile {
  feature: string;
  provider: string;
  model: string;
  weight: number;
  input: [number, number];
  output: [number, number];
  /** Share of input read from the prompt cache. */
  cached?: number;
  reasoning?: number;
  embedding?: boolean;
}

const PROFILES: Profile[] = [
  {
    feature: 'support-chat',
    provider: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
    model: 'gpt-4o-mini',
    weight: 30,
    input: [2500, 4500],
    output: [60, 300],
    cached: 0.5,
  },
  {
    feature: 'support-chat',
    provider: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
    model: 'gpt-4o',
    weight: 4,
    input: [2500, 4500],
    output: [80, 250],
    cached: 0.5,
  },
  {
    feature: 'support-chat',
    provider: GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
    model: 'claude-haiku-4-5',
    weight: 6,
    input: [2000, 3500],
    output: [100, 300],
    cached: 0.8,
  },
  {
    feature: 'search',
    provider: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
    model: 'text-embedding-3-small',
    weight: 12,
    input: [200, 1200],
    output: [0, 0],
    embedding: true,
  },
  {
    feature: 'summarize',
    provider: GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
    model: 'claude-sonnet-4-6',
    weight: 12,
    input: [5000, 9000],
    output: [200, 500],
    cached: 0.85,
  },
  {
    feature: 'classify',
    provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
    model: 'gemini-2.5-flash-lite',
    weight: 10,
    input: [300, 900],
    output: [5, 20],
  },
  {
    feature: 'recommend',
    provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
    model: 'gemini-2.5-flash',
    weight: 6,
    input: [1500, 3000],
    output: [150, 400],
  },
  {
    feature: 'reports',
    provider: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
    model: 'o4-mini',
    weight: 4,
    input: [3000, 6000],
    output: [400, 1200],
    reasoning: 0.6,
  },
  {
    feature: 'translate',
    provider: GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
    model: 'amazon.nova-lite-v1:0',
    weight: 5,
    input: [400, 1500],
    output: [300, 1200],
  },
];

const TENANTS: [string, number][] = [
  ['acme', 5],
  ['globex', 3],
  ['initech', 2],
  ['umbrella', 1],
];
const USERS = Array.from({ length: 14 }, (_, i) => `user-${String(i + 1).padStart(3, '0')}`);

/** mulberry32: the history is the same for the same seed. */
function prng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface HistoryOptions {
  /** When the live workload starts: the history ends 2 minutes before (it never mixes with it). */
  now: number;
  days?: number;
  seed?: number;
  /** Calls in a busy weekday hour at the start of the history (it grows ~1 % a day). Default 24. */
  peakPerHour?: number;
}

export interface HistoryResult {
  /** The calls to store (oldest first, the injected ones last). */
  records: CallInput[];
  calls: number;
  costNanos: number;
  sinceMs: number;
  /** The injected runaway loop (last hour) and model-mix drift (last 3 hours). */
  spike: { sinceMs: number; calls: number; feature: string; tenant: string; user: string };
  drift: { sinceMs: number; calls: number; feature: string; model: string };
}

export function generateHistory(o: HistoryOptions): HistoryResult {
  const random = prng(o.seed ?? 1);
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const weighted = <T>(items: readonly T[], weight: (t: T) => number): T => {
    let r = random() * items.reduce((a, t) => a + weight(t), 0);
    for (const t of items) {
      r -= weight(t);
      if (r <= 0) return t;
    }
    return items[items.length - 1]!;
  };
  const calls: CallInput[] = [];
  const make = (
    at: number,
    p: Profile,
    over: { tenant?: string; user?: string; input?: number; output?: number } = {},
  ): void => {
    const inputTokens = over.input ?? between(...p.input);
    const outputTokens = over.output ?? between(...p.output);
    const usage = {
      inputTokens,
      outputTokens,
      cacheReadTokens: Math.floor(inputTokens * (p.cached ?? 0) * (0.8 + random() * 0.2)),
      cacheWriteTokens: 0,
      reasoningTokens: Math.floor(outputTokens * (p.reasoning ?? 0)),
    };
    const cost = calculateCost({ provider: p.provider, model: p.model, usage, timestamp: at });
    calls.push({
      startTimeMs: at,
      durationMs: p.embedding ? between(80, 250) : between(600, 4000),
      provider: p.provider,
      operation: p.embedding ? 'embeddings' : 'chat',
      requestModel: p.model,
      responseModel: p.model,
      stream: false,
      usage,
      usageEstimated: false,
      // A CostResult is a stored cost as it is (the store reads the fields it keeps).
      cost,
      pricingMatch: cost ? cost.match : 'unknown_model',
      httpStatus: 200,
      attribution: {
        feature: p.feature,
        tenant: over.tenant ?? weighted(TENANTS, (t) => t[1])[0],
        user: over.user ?? USERS[Math.floor(random() * USERS.length)]!,
      },
      serviceName: 'tokenmeter-demo',
    });
  };

  const days = o.days ?? 30;
  const last = o.now - 2 * 60_000;
  const end = Math.floor(last / HOUR_MS) * HOUR_MS;
  const since = end - days * DAY_MS;
  const peak = o.peakPerHour ?? 24;
  for (let hour = since; hour < end; hour += HOUR_MS) {
    const d = new Date(hour);
    const weekday = d.getDay();
    const dayFactor = weekday === 0 ? 0.3 : weekday === 6 ? 0.4 : 1;
    const h = d.getHours();
    // Office hours in this machine's zone, a quiet night.
    const hourFactor = 0.15 + 0.85 * Math.exp(-(((h - 14) / 4.5) ** 2));
    const growth = 1 + (0.01 * (hour - since)) / DAY_MS;
    const n = Math.round(peak * dayFactor * hourFactor * growth * (0.8 + random() * 0.4));
    for (let i = 0; i < n; i++)
      make(
        hour + Math.floor(random() * HOUR_MS),
        weighted(PROFILES, (p) => p.weight),
      );
  }
  // The hour between the last whole hour and now, at the rate of that hour of the day.
  for (let t = end; t < last; t += Math.max(60_000, Math.floor(HOUR_MS / peak)))
    make(
      t,
      weighted(PROFILES, (p) => p.weight),
    );

  // A runaway loop: one globex user's classification job calling its model again and again with a
  // growing context over the last hour.
  const loop = PROFILES.find((p) => p.feature === 'classify')!;
  const spike = {
    sinceMs: last - HOUR_MS,
    calls: 150,
    feature: loop.feature,
    tenant: 'globex',
    user: 'user-007',
  };
  for (let i = 0; i < spike.calls; i++)
    make(spike.sinceMs + Math.floor((i * HOUR_MS) / spike.calls), loop, {
      tenant: spike.tenant,
      user: spike.user,
      input: 20_000 + i * 400,
      output: between(5, 20),
    });

  // Support chat switched to gpt-4o (a config change) over the last 3 hours.
  const dear = PROFILES.find((p) => p.model === 'gpt-4o')!;
  const drift = { sinceMs: last - 3 * HOUR_MS, calls: 90, feature: dear.feature, model: dear.model };
  for (let i = 0; i < drift.calls; i++) make(drift.sinceMs + Math.floor(random() * 3 * HOUR_MS), dear);

  return {
    records: calls,
    calls: calls.length,
    costNanos: calls.reduce((a, c) => a + (c.cost?.totalNanos ?? 0), 0),
    sinceMs: since,
    spike,
    drift,
  };
}

/**
 * Writes the history in slices of `slice` calls, yielding between them (the demo's mock provider
 * and the workload's writes go on meanwhile).
 */
export async function writeHistory(store: CostStore, h: HistoryResult, slice = 1000): Promise<void> {
  for (let i = 0; i < h.records.length; i += slice) {
    store.insertMany(h.records.slice(i, i + slice));
    await new Promise((resolve) => setImmediate(resolve));
  }
}
