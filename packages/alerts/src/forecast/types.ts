// The contract of a spend forecast. linear-burn.ts is the simple one used today; a seasonal forecast
// (issue 10) replaces it by implementing SpendForecaster and passing it as the runner's `forecast`.

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
}

export interface SpendForecast {
  /** Which forecaster made it (shown next to the numbers). */
  method: string;
  /** Expected spend at the period's end, and a band around it. */
  expectedNanos: number;
  lowNanos: number;
  highNanos: number;
  /** When spend + reserved reaches the limit at the recent rate; null when not before the period ends. */
  exhaustsAtMs: number | null;
}

export type SpendForecaster = (input: SpendForecastInput) => SpendForecast;
