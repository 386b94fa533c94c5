// The default thresholds and delays, in one place (the README's tables come from here).
import type { AnomalyOptions, DeliveryOptions, NotifyOptions } from './types.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

export const ANOMALY_DEFAULTS: AnomalyOptions = {
  spike: {
    warning: 1.5,
    critical: 2.5,
    windowMs: HOUR_MS,
    minBaselineWeeks: 2,
    maxBaselineWeeks: 4,
    minSpendNanos: 100_000_000,
    minRequests: 20,
  },
  costPerRequest: {
    warning: 1.5,
    critical: 2,
    windowMs: 3 * HOUR_MS,
    baselineMs: 7 * DAY_MS,
    minCalls: 20,
    minBaselineCalls: 50,
  },
  modelMix: {
    warning: 1.5,
    critical: 2.5,
    windowMs: 3 * HOUR_MS,
    baselineMs: 7 * DAY_MS,
    minCalls: 20,
    minBaselineCalls: 50,
  },
  cacheHitRate: {
    warning: 0.6,
    critical: 0.4,
    windowMs: 3 * HOUR_MS,
    baselineMs: 7 * DAY_MS,
    minInputTokens: 20_000,
    minBaselineInputTokens: 100_000,
  },
  unpriced: { windowMs: DAY_MS },
  burn: { recentWindowMs: 6 * HOUR_MS },
};

export const DELIVERY_DEFAULTS: DeliveryOptions = {
  timeoutMs: 10_000,
  baseDelayMs: 2_000,
  maxDelayMs: 5 * MINUTE_MS,
  giveUpAfterMs: DAY_MS,
};

export const NOTIFY_DEFAULTS: NotifyOptions = {
  cooldownMs: HOUR_MS,
  resolveAfterMs: 10 * MINUTE_MS,
};

/** Deep-merges partial anomaly options over the defaults. */
export function anomalyOptions(over: DeepPartial<AnomalyOptions> = {}): AnomalyOptions {
  const out = structuredClone(ANOMALY_DEFAULTS);
  for (const k of Object.keys(over) as (keyof AnomalyOptions)[]) Object.assign(out[k], over[k]);
  return out;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
