// The contract of a spend forecast. seasonal.ts is the one used (by hour of week, from the scope's
// hourly history); linear-burn.ts is its cold-start fallback and the straight line it is compared to.
import type { HourlyCost } from '@tokenmeter/store';

export interface SpendForecastInput {
  /** Spent in the period so far (nano-dollars). */
  spentNanos: number;
  /** Reserved by calls in flight, not yet spent. */
  reservedNanos: number;
  /** The budget's limit, when there is one (for `exhaustsAtMs`). */
  limitNanos?: number;
  periodStartMs: number;
  /** End of the period (exclusive). For a rolling window: now + its length. */
  periodEndMs: number;
  /**
   * Set for a rolling window (its length): the forecast is then the spend of one window at the
   * rate, not the rest of a period added to what was spent.
   */
  rollingWindowMs?: number;
  nowMs: number;
  /** Spent in the recent window [nowMs - recentWindowMs, nowMs) (a part of `spentNanos`). */
  recentNanos: number;
  recentWindowMs: number;
  /**
   * The scope's cost per whole UTC hour before the current hour (store.hourlyCost), for a forecast
   * by hour of day and day of week. Without it a forecaster falls back to the straight line.
   */
  history?: HourlyCost;
  /** The time zone whose days and hours the seasonality follows (default UTC). */
  timeZone?: string;
}

export interface SpendForecast {
  /**
   * Which forecaster made it (shown next to the numbers): `seasonal-weekly` (hour of week),
   * `seasonal-daily` (hour of day, under a week of history) or `linear-burn` (the straight line).
   */
  method: string;
  /** How the band was made, or why the straight line was used (cold start), in one line. */
  note?: string;
  /** Expected spend at the period's end, and a band around it (p10–p90 for a seasonal forecast). */
  expectedNanos: number;
  lowNanos: number;
  highNanos: number;
  /** When spend + reserved reaches the limit at the recent rate; null when not before the period ends. */
  exhaustsAtMs: number | null;
}

export type SpendForecaster = (input: SpendForecastInput) => SpendForecast;
