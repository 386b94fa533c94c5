// Spend to the end of a period by hour of week: the rest of the period is the recent level times the
// scope's usual shape (the share of spend in each local hour of each day of week), not a straight
// line, so a Monday 9:00 forecast knows the afternoon costs more than the night and a weekend less.
//
// Model (multiplicative): cost(hour) = level × shape[slot]. The shape comes from the last whole weeks
// (up to 4) of history: the hour-of-week mean, shrunk toward day-of-week × hour-of-day factors when
// few weeks back it. Under a week of history the shape is by hour of day only. The level is the last
// week's (or the available days') spend over its expected shape. The band is p10–p90 of the
// relative error, resampled from the errors of the same forecast made on earlier days of history
// (one day, or the rest of today, ahead): each remaining day's own error, plus the shared error of
// the level measured on the last week's days. Under two days of history, or none spent: the straight line
// (linear-burn), and the note says so.
//
// A trend term (the level growing at the trend of the fitted weeks' levels) is an option of
// seasonalForecaster; it is off in seasonalForecast because the month-end back-test
// (bench/forecast.bench.ts) came out worse with it: weekly levels are noisy, and extrapolating their
// slope adds more error than the growth it catches.
import { localDateTime } from '@tokenmeter/store';
import { linearBurnForecast } from './linear-burn.js';
import type { SpendForecast, SpendForecaster, SpendForecastInput } from './types.js';

const HOUR_MS = 3_600_000;
const DAY_H = 24;
const WEEK_H = 168;
/** The shape is fitted on at most 4 weeks; older weeks follow a workload that changed since. */
const MAX_FIT_H = 4 * WEEK_H;
/** Below this much history (from the first hour with spend) the forecast is the straight line. */
export const MIN_SEASONAL_HOURS = 2 * DAY_H;
/** Weight of the day × hour factors against each week of hour-of-week data. */
const SHRINK_WEEKS = 2;
/** Back-tested origins (one per day) behind the band; fewer than MIN_BACKTESTS: the linear band joins. */
const MAX_BACKTESTS = 28;
const MIN_BACKTESTS = 3;
/** Resampled outcomes behind p10 and p90. */
const BAND_DRAWS = 1000;
/** Recent spend at this multiple of the usual for its hours no longer follows the usual shape. */
const RUNAWAY = 2;
/** Whether seasonalForecast has the trend term (chosen by the back-test in bench/RESULTS.md). */
const SEASONAL_TREND = false;

type Kind = 'weekly' | 'daily';

interface Profile {
  kind: Kind;
  /** Cost per hour (nanos) at shape 1, at `anchorMs`. */
  level: number;
  /** Mean 1 over its slots: 168 (hour of week) or 24 (hour of day). */
  shape: Float64Array;
  /** Growth of the level per hour (log), 0 without a trend term. */
  trend: number;
  /** The middle of the hours the level was measured on. */
  anchorMs: number;
}

/** The trend term's growth is clamped to ±this per week (log): a spike is not a trend. */
const MAX_WEEKLY_TREND = Math.log(1.5);

/** Local (day of week × 24 + hour) of the hour starting at `ms`, for each hour asked; cached per zone. */
class Slots {
  private readonly cache = new Map<number, number>();
  constructor(private readonly timeZone: string) {}
  of(ms: number): number {
    let s = this.cache.get(ms);
    if (s === undefined) {
      const p = localDateTime(ms, this.timeZone);
      s = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay() * DAY_H + p.hour;
      this.cache.set(ms, s);
    }
    return s;
  }
}

const slotIn = (slot: number, kind: Kind) => (kind === 'weekly' ? slot : slot % DAY_H);

/** Fits the profile on y[.. end) (hour i starts at startMs + i h); null when nothing was spent. */
function fit(
  y: readonly number[],
  startMs: number,
  end: number,
  first: number,
  slots: Slots,
  withTrend = false,
): Profile | null {
  const avail = Math.min(end - first, MAX_FIT_H);
  const kind: Kind = avail >= WEEK_H ? 'weekly' : 'daily';
  const n = kind === 'weekly' ? Math.floor(avail / WEEK_H) * WEEK_H : Math.floor(avail / DAY_H) * DAY_H;
  const from = end - n;
  let total = 0;
  const howSum = new Float64Array(WEEK_H);
  const howCnt = new Float64Array(WEEK_H);
  for (let i = from; i < end; i++) {
    const s = slots.of(startMs + i * HOUR_MS);
    howSum[s]! += y[i]!;
    howCnt[s]!++;
    total += y[i]!;
  }
  if (total <= 0) return null;
  const mean = total / n;
  const shape = new Float64Array(kind === 'weekly' ? WEEK_H : DAY_H);
  const hourSum = new Float64Array(DAY_H);
  const hourCnt = new Float64Array(DAY_H);
  const dowSum = new Float64Array(7);
  const dowCnt = new Float64Array(7);
  for (let s = 0; s < WEEK_H; s++) {
    hourSum[s % DAY_H]! += howSum[s]!;
    hourCnt[s % DAY_H]! += howCnt[s]!;
    dowSum[Math.floor(s / DAY_H)]! += howSum[s]!;
    dowCnt[Math.floor(s / DAY_H)]! += howCnt[s]!;
  }
  const ratio = (sum: number, cnt: number) => (cnt > 0 ? sum / cnt / mean : 1);
  if (kind === 'daily') {
    for (let h = 0; h < DAY_H; h++) shape[h] = ratio(hourSum[h]!, hourCnt[h]!);
  } else {
    for (let s = 0; s < WEEK_H; s++) {
      const prior =
        ratio(dowSum[Math.floor(s / DAY_H)]!, dowCnt[Math.floor(s / DAY_H)]!) *
        ratio(hourSum[s % DAY_H]!, hourCnt[s % DAY_H]!);
      const c = howCnt[s]!;
      shape[s] = (c * ratio(howSum[s]!, c) + SHRINK_WEEKS * prior) / (c + SHRINK_WEEKS);
    }
  }
  let shapeMean = 0;
  for (const v of shape) shapeMean += v;
  shapeMean /= shape.length;
  for (let s = 0; s < shape.length; s++) shape[s]! /= shapeMean;
  // The level: the last week's (or the fitted days') spend over what the shape expects of them.
  const span = Math.min(n, WEEK_H);
  const levelOf = (to: number) => {
    let spent = 0;
    let expected = 0;
    for (let i = to - span; i < to; i++) {
      spent += y[i]!;
      expected += shape[slotIn(slots.of(startMs + i * HOUR_MS), kind)]!;
    }
    return expected > 0 ? spent / expected : 0;
  };
  const level = levelOf(end);
  const anchorMs = startMs + (end - span / 2) * HOUR_MS;
  // The trend term: the least-squares slope of log(level) over the fitted weeks (two or more).
  let trend = 0;
  const weeks = kind === 'weekly' ? n / WEEK_H : 0;
  if (withTrend && weeks >= 2) {
    const xs: number[] = [];
    const ls: number[] = [];
    for (let k = 0; k < weeks; k++) {
      const l = levelOf(end - k * WEEK_H);
      if (l <= 0) continue;
      xs.push(-k);
      ls.push(Math.log(l));
    }
    if (xs.length >= 2) {
      const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
      const ml = ls.reduce((a, b) => a + b, 0) / ls.length;
      let sxy = 0;
      let sxx = 0;
      for (let i = 0; i < xs.length; i++) {
        sxy += (xs[i]! - mx) * (ls[i]! - ml);
        sxx += (xs[i]! - mx) ** 2;
      }
      const weekly = Math.max(-MAX_WEEKLY_TREND, Math.min(MAX_WEEKLY_TREND, sxy / sxx));
      trend = weekly / WEEK_H;
    }
  }
  return { kind, level, shape, trend, anchorMs };
}

/** The profile's cost over [fromMs, toMs), hour by hour (partial hours pro rata). */
function predict(
  p: Profile,
  fromMs: number,
  toMs: number,
  slots: Slots,
  each?: (endMs: number, nanos: number) => boolean,
): number {
  let sum = 0;
  for (let h = Math.floor(fromMs / HOUR_MS) * HOUR_MS; h < toMs; h += HOUR_MS) {
    const a = Math.max(h, fromMs);
    const b = Math.min(h + HOUR_MS, toMs);
    const growth = p.trend === 0 ? 1 : Math.exp((p.trend * ((a + b) / 2 - p.anchorMs)) / HOUR_MS);
    const v = (p.level * growth * p.shape[slotIn(slots.of(h), p.kind)]! * (b - a)) / HOUR_MS;
    sum += v;
    if (each?.(b, v)) break;
  }
  return sum;
}

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/**
 * Relative errors (actual / forecast - 1) of the forecast of one block of `blockH` hours made at the
 * same hour of earlier days (counted back from the end of the history), each fitted only on what
 * came before its block: how wrong the forecast is over a block like the next one.
 */
function backtest(
  y: readonly number[],
  startMs: number,
  first: number,
  blockH: number,
  slots: Slots,
  withTrend: boolean,
): number[] {
  const out: number[] = [];
  for (let j = 1; j <= MAX_BACKTESTS; j++) {
    const origin = y.length - j * DAY_H;
    // Fits on a single day count here: their larger errors widen the band of a short history.
    if (origin - first < DAY_H) break;
    const p = fit(y, startMs, origin, first, slots, withTrend);
    if (!p) continue;
    const o = startMs + origin * HOUR_MS;
    const forecast = predict(p, o, o + blockH * HOUR_MS, slots);
    if (forecast <= 0) continue;
    let actual = 0;
    for (let i = origin; i < origin + blockH; i++) actual += y[i]!;
    out.push(actual / forecast - 1);
  }
  return out;
}

/** A small seeded PRNG (mulberry32): the same history gives the same band. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * p10 and p90 of the relative error of the forecast over `blocks` blocks, by resampling the centred
 * back-tested block errors: each block's own error (the mean of `blocks` draws), plus the error of
 * the level all blocks share (the mean of `levelBlocks` draws, the days the level was measured on).
 */
function band(errors: readonly number[], blocks: number, levelBlocks: number): [number, number] {
  const next = prng(0x5eed);
  // Centred: a bias in earlier days did not carry over to the next ones in back-tests; the spread did.
  const mean = errors.reduce((n, e) => n + e, 0) / errors.length;
  const draw = () => errors[Math.floor(next() * errors.length)]! - mean;
  const sims: number[] = [];
  for (let k = 0; k < BAND_DRAWS; k++) {
    let own = 0;
    for (let i = 0; i < blocks; i++) own += draw();
    let level = 0;
    for (let i = 0; i < levelBlocks; i++) level += draw();
    sims.push(own / blocks + level / levelBlocks);
  }
  sims.sort((x, z) => x - z);
  return [quantile(sims, 0.1), quantile(sims, 0.9)];
}

/** When cumulative cost from now, at `scale` × the profile, reaches `left`; null if not before `endMs`. */
function exhaustion(
  p: Profile,
  nowMs: number,
  endMs: number,
  left: number,
  scale: number,
  slots: Slots,
): number | null {
  if (left <= 0) return nowMs;
  let cum = 0;
  let at: number | null = null;
  let prevEnd = nowMs;
  predict(p, nowMs, endMs, slots, (end, v) => {
    const add = v * scale;
    if (cum + add >= left && add > 0) {
      at = Math.round(prevEnd + ((end - prevEnd) * (left - cum)) / add);
      return true;
    }
    cum += add;
    prevEnd = end;
    return false;
  });
  return at;
}

function coldStart(input: SpendForecastInput, why: string): SpendForecast {
  return {
    ...linearBurnForecast(input),
    note: `cold start: ${why}; straight line from the period's average and recent rates`,
  };
}

export interface SeasonalOptions {
  /**
   * Let the level grow or shrink at the trend of the fitted weeks' levels (log-linear, clamped to
   * ±50 % a week) instead of staying at the last week's.
   */
  trend?: boolean;
}

/** The seasonal forecaster with options (`seasonalForecast` is the one tokenmeter uses). */
export function seasonalForecaster(options: SeasonalOptions = {}): SpendForecaster {
  const withTrend = options.trend === true;
  return (input) => forecast(input, withTrend);
}

/** The forecast of a budget's (or a scope's) spend at the end of its period. See the header. */
export const seasonalForecast: SpendForecaster = seasonalForecaster({ trend: SEASONAL_TREND });

function forecast(input: SpendForecastInput, withTrend: boolean): SpendForecast {
  const { history, nowMs, periodEndMs, spentNanos, reservedNanos } = input;
  if (!history) return coldStart(input, 'no hourly history given');
  const y = history.costNanos;
  let first = 0;
  while (first < y.length && y[first]! <= 0) first++;
  const hours = y.length - first;
  if (hours < MIN_SEASONAL_HOURS) {
    return coldStart(
      input,
      `${hours} hours of history with spend (the seasonal forecast needs ${MIN_SEASONAL_HOURS})`,
    );
  }
  const slots = new Slots(input.timeZone ?? 'UTC');
  const p = fit(y, history.startMs, y.length, first, slots, withTrend);
  if (!p) return coldStart(input, 'nothing spent in the history');
  const window = input.rollingWindowMs;
  // A rolling window at its end holds only calls made from now on; a calendar period adds them to what was spent.
  const from = nowMs;
  const to = window === undefined ? periodEndMs : nowMs + window;
  const base = window === undefined ? spentNanos + reservedNanos : reservedNanos;
  const rest = predict(p, from, to, slots);
  const expected = base + rest;
  const horizonH = Math.max(1, Math.ceil((to - from) / HOUR_MS));
  const blockH = Math.min(horizonH, DAY_H);
  const errors = backtest(y, history.startMs, first, blockH, slots, withTrend);
  const method = p.kind === 'weekly' ? 'seasonal-weekly' : 'seasonal-daily';
  let low: number;
  let high: number;
  let note: string;
  if (errors.length >= MIN_BACKTESTS) {
    const levelDays = Math.max(1, Math.round(Math.min(hours, WEEK_H) / DAY_H));
    const [p10, p90] = band(errors, Math.max(1, Math.round(horizonH / blockH)), levelDays);
    low = base + rest * Math.max(0, 1 + p10);
    high = base + rest * Math.max(0, 1 + p90);
    note = `p10–p90 from the errors of ${errors.length} back-tested days`;
  } else {
    const line = linearBurnForecast(input);
    low = line.lowNanos;
    high = line.highNanos;
    note = `band from the straight line (${errors.length} back-tested days, needs ${MIN_BACKTESTS})`;
  }
  low = Math.min(low, expected);
  high = Math.max(high, expected);
  let exhaustsAtMs: number | null = null;
  if (input.limitNanos !== undefined) {
    if (window !== undefined) exhaustsAtMs = linearBurnForecast(input).exhaustsAtMs;
    else {
      // What the app does now against what the weeks before the recent window expect of it. Up to
      // RUNAWAY × the usual, spend follows the usual shape, scaled (a quiet spell does not delay the
      // warning); beyond (a loop, a new scope, spend where the shape has none) it does not follow
      // the shape: the recent rate's straight line.
      const recentH = Math.ceil(input.recentWindowMs / HOUR_MS);
      const before =
        y.length - recentH - first >= MIN_SEASONAL_HOURS
          ? fit(y, history.startMs, y.length - recentH, first, slots, withTrend)
          : null;
      const usual = before ? predict(before, nowMs - input.recentWindowMs, nowMs, slots) : 0;
      const ratio = usual > 0 ? input.recentNanos / usual : Number.POSITIVE_INFINITY;
      exhaustsAtMs =
        before && ratio < RUNAWAY
          ? exhaustion(
              before,
              nowMs,
              periodEndMs,
              input.limitNanos - spentNanos - reservedNanos,
              Math.max(1, ratio),
              slots,
            )
          : linearBurnForecast(input).exhaustsAtMs;
    }
  }
  return {
    method,
    note,
    expectedNanos: Math.round(expected),
    lowNanos: Math.round(low),
    highNanos: Math.round(high),
    exhaustsAtMs,
  };
}
