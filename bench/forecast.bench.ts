// Back-test of the month-end spend forecast on the bench's synthetic store (gen-store.ts: 45 days with
// a weekly and daily rhythm, slow growth and a daily wobble, ending with November). From mid-month
// (the 13th to the 17th, at 00:00 and 12:00 UTC), each scope's month end is forecast from what the
// store held then (spend so far, the last 6 hours, the hourly history: scopeForecast reads nothing
// after `now`) and compared with the real month end: MAPE of the seasonal forecast beside the
// straight line's (linearBurnForecast), and how often the p10–p90 band held the real end.
//
//   npm run bench -- forecast          (BENCH_FORECAST_ROWS=200000 calls per store, 3 seeds)
import { existsSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import {
  linearBurnForecast,
  type SpendForecaster,
  scopeForecast,
  seasonalForecast,
  seasonalForecaster,
} from '../packages/alerts/src/index.js';
import { type CallFilter, type CostStore, openStore } from '../packages/store/src/index.js';
import { DEFAULT_GEN, generateStore } from './gen-store.js';
import { machine, stats, writeSection } from './lib/results.js';

const ROWS = Number(process.env.BENCH_FORECAST_ROWS ?? 200_000);
const SEEDS = [1, 2, 3];
const MONTH_START = Date.UTC(2026, 10, 1);
const MONTH_END = Date.UTC(2026, 11, 1);
const HOUR = 3_600_000;
const ORIGINS = [13, 14, 15, 16, 17].flatMap((d) => [Date.UTC(2026, 10, d), Date.UTC(2026, 10, d, 12)]);

interface Family {
  name: string;
  scopes: (store: CostStore) => CallFilter[];
}

const groups = (store: CostStore, by: 'provider' | 'feature' | 'tenant', top: number): CallFilter[] =>
  store
    .summary({ since: MONTH_START, until: MONTH_END, groupBy: by, limit: top })
    .groups.filter((g) => g.key !== null && g.costNanos > 0)
    .map((g) => ({ [by]: g.key! }));

const FAMILIES: Family[] = [
  { name: 'total', scopes: () => [{}] },
  { name: 'per provider', scopes: (s) => groups(s, 'provider', 20) },
  { name: 'per feature', scopes: (s) => groups(s, 'feature', 20) },
  { name: 'per tenant (top 10)', scopes: (s) => groups(s, 'tenant', 10) },
];

/** The two seasonal variants compared: the level of the last week, and that level with a trend term. */
const LEVEL = seasonalForecaster({ trend: false });
const TREND = seasonalForecaster({ trend: true });
/** How many forecasts seasonalForecast (the one tokenmeter uses) made like each variant. */
const usedLike = { level: 0, trend: 0 };

interface Tally {
  n: number;
  /** seasonalForecast, the forecaster tokenmeter uses. */
  seasonalApe: number[];
  levelApe: number[];
  trendApe: number[];
  levelHeld: number;
  trendHeld: number;
  lineApe: number[];
  seasonalHeld: number;
  lineHeld: number;
  methods: Map<string, number>;
}

const emptyTally = (): Tally => ({
  n: 0,
  seasonalApe: [],
  levelApe: [],
  trendApe: [],
  levelHeld: 0,
  trendHeld: 0,
  lineApe: [],
  seasonalHeld: 0,
  lineHeld: 0,
  methods: new Map(),
});
const tallies = new Map<string, Tally>(FAMILIES.map((f) => [f.name, emptyTally()]));
const forecastMs: number[] = [];

function forecastAt(store: CostStore, scope: CallFilter, nowMs: number, forecaster: SpendForecaster) {
  return scopeForecast(store, scope, {
    nowMs,
    periodStartMs: MONTH_START,
    periodEndMs: MONTH_END,
    timeZone: 'UTC',
    recentWindowMs: 6 * HOUR,
    forecaster,
  }).forecast;
}

const t0 = performance.now();
for (const seed of SEEDS) {
  const file = resolve(`bench/.data/forecast-${ROWS}-seed${seed}.db`);
  if (!existsSync(file)) {
    console.log(`generating ${ROWS.toLocaleString('en-US')} calls into ${file}`);
    generateStore(file, { ...DEFAULT_GEN, rows: ROWS, endMs: MONTH_END, seed }, () => {});
  }
  const store = openStore(file, { readonly: true });
  try {
    for (const family of FAMILIES) {
      const tally = tallies.get(family.name)!;
      for (const scope of family.scopes(store)) {
        const actual = store.summary({ ...scope, since: MONTH_START, until: MONTH_END }).totals.costNanos;
        for (const now of ORIGINS) {
          const s0 = performance.now();
          const s = forecastAt(store, scope, now, seasonalForecast);
          forecastMs.push(performance.now() - s0);
          const l = forecastAt(store, scope, now, linearBurnForecast);
          const lv = forecastAt(store, scope, now, LEVEL);
          const tr = forecastAt(store, scope, now, TREND);
          if (s.expectedNanos === tr.expectedNanos && s.expectedNanos !== lv.expectedNanos) usedLike.trend++;
          else if (s.expectedNanos === lv.expectedNanos) usedLike.level++;
          tally.levelApe.push(Math.abs(lv.expectedNanos - actual) / actual);
          tally.trendApe.push(Math.abs(tr.expectedNanos - actual) / actual);
          if (lv.lowNanos <= actual && actual <= lv.highNanos) tally.levelHeld++;
          if (tr.lowNanos <= actual && actual <= tr.highNanos) tally.trendHeld++;
          tally.n++;
          tally.seasonalApe.push(Math.abs(s.expectedNanos - actual) / actual);
          tally.lineApe.push(Math.abs(l.expectedNanos - actual) / actual);
          if (s.lowNanos <= actual && actual <= s.highNanos) tally.seasonalHeld++;
          if (l.lowNanos <= actual && actual <= l.highNanos) tally.lineHeld++;
          tally.methods.set(s.method, (tally.methods.get(s.method) ?? 0) + 1);
        }
      }
    }
  } finally {
    store.close();
  }
  console.log(`seed ${seed} done, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const all = emptyTally();
const rows = [...tallies].map(([name, t]) => {
  all.n += t.n;
  all.seasonalApe.push(...t.seasonalApe);
  all.lineApe.push(...t.lineApe);
  all.seasonalHeld += t.seasonalHeld;
  all.lineHeld += t.lineHeld;
  all.levelApe.push(...t.levelApe);
  all.trendApe.push(...t.trendApe);
  all.levelHeld += t.levelHeld;
  all.trendHeld += t.trendHeld;
  const methods = [...t.methods].map(([m, c]) => `${m} ${c}`).join(', ');
  return `| ${name} | ${t.n} | ${pct(mean(t.levelApe))} | ${pct(mean(t.trendApe))} | ${pct(mean(t.lineApe))} | ${pct(t.levelHeld / t.n)} | ${pct(t.trendHeld / t.n)} | ${pct(t.lineHeld / t.n)} | ${methods} |`;
});
rows.push(
  `| **all** | ${all.n} | **${pct(mean(all.levelApe))}** | **${pct(mean(all.trendApe))}** | ${pct(mean(all.lineApe))} | ${pct(all.levelHeld / all.n)} | ${pct(all.trendHeld / all.n)} | ${pct(all.lineHeld / all.n)} | |`,
);
const used =
  usedLike.trend > usedLike.level ? 'with the trend term' : "without the trend term (the last week's level)";
const ms = stats(forecastMs);
for (const r of rows) console.log(r);

writeSection(
  'forecast',
  `## Month-end forecast back-test (\`bench/forecast.bench.ts\`)

${machine()}. ${SEEDS.length} synthetic stores (\`bench/gen-store.ts\`, seeds ${SEEDS.join(', ')}), ${ROWS.toLocaleString('en-US')} calls each
over the 45 days before 1 December 2026 (weekdays over weekends, office hours over nights, +20 % growth
over the span, a daily wobble of ±10 %). From mid-month (the 13th to the 17th of November, 00:00 and
12:00 UTC: ${ORIGINS.length} origins) each scope's November total is forecast from what the store held
then, and compared with the real November total. MAPE = mean of |forecast − actual| / actual.
"Held" = the real end fell inside the forecast's band (seasonal: p10–p90, an 80 % band; straight
line: between its average-rate and recent-rate projections).

Two seasonal variants: "level" = the rest of the month at the last week's level; "+ trend" = that
level growing or shrinking at the log-linear trend of the fitted weeks' levels (up to 4, clamped to
±50 % a week), in the forecast and in its back-tested band. \`seasonalForecast\`, what tokenmeter
shows, is the seasonal forecast ${used}: the variant with the lower MAPE here.

| scopes | forecasts | MAPE seasonal (level) | MAPE seasonal + trend | MAPE straight line | p10–p90 held (level) | p10–p90 held (+ trend) | straight-line band held | seasonal methods |
|---|---:|---:|---:|---:|---:|---:|---:|---|
${rows.join('\n')}

A seasonal "held" rate above 80 % means the band is wider than this data needs (it counts each
remaining day's own error and the level's, both resampled from back-tested days); below 80 %, narrower.
One seasonal forecast (history read from the hourly rollup, fit, 28 back-tested days) took
${ms.median.toFixed(1)} ms median (${ms.p25.toFixed(1)}–${ms.p75.toFixed(1)} ms interquartile) on this shared machine
(load average ${(os.loadavg()[0] ?? 0).toFixed(1)}). The straight line is \`linearBurnForecast\` (the mean of the
month's average rate and the last 6 hours' rate), what \`budget status\` showed before.

Rerun: \`npm run bench -- forecast\` (\`BENCH_FORECAST_ROWS\` to change the size; the stores are kept in
\`bench/.data/\`).`,
);
