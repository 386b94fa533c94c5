// Summaries answered from the rollups wherever the filter and range allow. A range is cut into
//   raw rows [since, next hour) + hourly [.., next UTC day) + daily [.., last UTC day)
//   + hourly [.., last hour) + raw rows [last hour, until)
// so any since/until is exact to the nano-dollar while a month reads ~30 daily buckets. groupBy
// 'day' cuts the range at the local midnights of the time zone first (DST-safe; zones with
// half-hour offsets read the hour around midnight from raw rows).
import type { StringDict } from './dict.js';
import { StoreQueryError } from './errors/store-query-error.js';
import { addExact, exactInt } from './exact.js';
import type { Guide } from './guide.js';
import {
  addRange,
  addRawOnly,
  type Conditions,
  dimConditions,
  type ResolvedFilter,
  resolveFilter,
  type StatementCache,
} from './query.js';
import { CUBES } from './rollups.js';
import type { Dim } from './rows.js';
import { type CubeSchema, type Grain, MEASURES, RAW_MEASURES, rollupTable } from './schema.js';
import { checkTimeZone, DAY_MS, daySegments, HOUR_MS, localTimeZone } from './time.js';
import type { CostSource, GroupBy, SummaryQuery, SummaryResult, Totals } from './types.js';

/** What each groupBy reads: the dimensions it needs, and its SQL over raw rows and over rollups. */
const GROUPS: Record<GroupBy, { dims: Dim[]; raw: string; cube: string } | null> = {
  model: {
    dims: ['request_model', 'response_model'],
    raw: 'coalesce(response_model, request_model)',
    cube: 'CASE WHEN response_model <> 0 THEN response_model ELSE request_model END',
  },
  provider: { dims: ['provider'], raw: 'provider', cube: 'provider' },
  feature: { dims: ['feature'], raw: 'feature', cube: 'feature' },
  user: { dims: ['user'], raw: 'user', cube: 'user' },
  tenant: { dims: ['tenant'], raw: 'tenant', cube: 'tenant' },
  operation: { dims: ['operation'], raw: 'operation', cube: 'operation' },
  service: { dims: ['service'], raw: 'service', cube: 'service' },
  day: null,
};

export const GROUP_BYS = Object.keys(GROUPS) as GroupBy[];

type Source = 'raw' | Grain;
export interface Piece {
  source: Source;
  from: number | null;
  to: number | null;
}

const ceilTo = (ms: number, size: number) => Math.ceil(ms / size) * size;
const floorTo = (ms: number, size: number) => Math.floor(ms / size) * size;

/**
 * Cuts [from, to) (null = unbounded) into raw, hourly, daily and all-time pieces. Day and all-time
 * rollups hold only the hours below `compactedUntil`, so days from floorDay(compactedUntil) on are
 * read hourly.
 */
export function decompose(
  from: number | null,
  to: number | null,
  grains: readonly Grain[],
  compactedUntil: number,
): Piece[] {
  if (from === null && to === null && grains.includes('all')) {
    return [
      { source: 'all', from, to },
      { source: 'hour', from: compactedUntil, to: null },
    ];
  }
  const out: Piece[] = [];
  const a = from === null ? null : ceilTo(from, HOUR_MS);
  const b = to === null ? null : floorTo(to, HOUR_MS);
  if (a !== null && b !== null && a >= b) return [{ source: 'raw', from, to }];
  if (from !== null && a !== null && from < a) out.push({ source: 'raw', from, to: a });
  const dayLimit = floorTo(compactedUntil, DAY_MS);
  const ad = a === null ? null : ceilTo(a, DAY_MS);
  const bd = Math.min(b === null ? Number.POSITIVE_INFINITY : floorTo(b, DAY_MS), dayLimit);
  if (!grains.includes('day') || (ad !== null && ad >= bd)) {
    out.push({ source: 'hour', from: a, to: b });
  } else {
    if (a !== null && ad !== null && a < ad) out.push({ source: 'hour', from: a, to: ad });
    out.push({ source: 'day', from: ad, to: bd });
    if (b === null || bd < b) out.push({ source: 'hour', from: bd, to: b });
  }
  if (to !== null && b !== null && b < to) out.push({ source: 'raw', from: b, to });
  return out;
}

export function emptyTotals(): Totals {
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

export function toTotals(m: number[]): Totals {
  return {
    calls: m[0]!,
    errors: m[1]!,
    unpricedCalls: m[2]!,
    estimatedCalls: m[3]!,
    inputTokens: m[4]!,
    outputTokens: m[5]!,
    cacheReadTokens: m[6]!,
    cacheWriteTokens: m[7]!,
    reasoningTokens: m[8]!,
    costNanos: m[9]!,
    inputCostNanos: m[10]!,
    outputCostNanos: m[11]!,
    cacheReadCostNanos: m[12]!,
    cacheWriteCostNanos: m[13]!,
  };
}

export interface SummaryContext {
  dict: StringDict;
  stmts: StatementCache;
  /** For raw-row pieces: the hours holding calls that match the filter's dimensions. */
  guide?: (f: ResolvedFilter) => Guide | null;
}

/** Picks the smallest rollup holding every dimension the query needs, or null (raw rows). */
export function chooseCube(f: ResolvedFilter, groupBy: GroupBy | undefined): CubeSchema | null {
  if (f.rawOnly.length > 0) return null;
  const need = new Set<Dim>(f.eq.map((e) => e.col));
  if (f.model !== null) {
    need.add('request_model');
    need.add('response_model');
  }
  const g = groupBy ? GROUPS[groupBy] : null;
  for (const d of g?.dims ?? []) need.add(d);
  for (const cube of CUBES) {
    if ([...need].every((d) => cube.dims.includes(d))) return cube;
  }
  return null;
}

function checkQuery(q: SummaryQuery): { timeZone: string; limit: number | null; costSource: CostSource } {
  if (q.groupBy !== undefined && !Object.hasOwn(GROUPS, q.groupBy)) {
    throw new StoreQueryError(`groupBy must be one of ${GROUP_BYS.join(', ')}; got "${String(q.groupBy)}"`);
  }
  const costSource = q.costSource ?? 'provider';
  if (costSource !== 'provider' && costSource !== 'local') {
    throw new StoreQueryError(`costSource must be provider or local; got "${String(q.costSource)}"`);
  }
  const timeZone = q.timeZone ?? localTimeZone();
  checkTimeZone(timeZone);
  let limit: number | null = null;
  if (q.limit !== undefined && q.limit !== null) {
    if (!Number.isInteger(q.limit) || q.limit < 1) {
      throw new StoreQueryError(`limit must be a positive integer, got ${String(q.limit)}`);
    }
    limit = q.limit;
  }
  return { timeZone, limit, costSource };
}

type Key = number | string | null;

/** For a cube without hourly rows: its hour pieces are read from raw rows (adjacent ones merged). */
export function hoursToRaw(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    const q: Piece = p.source === 'hour' ? { ...p, source: 'raw' } : p;
    const last = out[out.length - 1];
    if (last && last.source === 'raw' && q.source === 'raw' && last.to !== null && last.to === q.from)
      last.to = q.to;
    else out.push({ ...q });
  }
  return out;
}

/** Narrows a long raw piece to the runs of hours that hold matching calls. */
function guideRaw(p: Piece, guide: Guide, bounds: () => { min: number; max: number } | null): Piece[] {
  const b = bounds();
  if (!b) return [];
  const lo = Math.max(p.from ?? b.min, b.min);
  const hi = Math.min(p.to ?? b.max + 1, b.max + 1);
  if (hi - lo <= 2 * HOUR_MS) return [{ source: 'raw', from: lo, to: hi }];
  const out: Piece[] = [];
  for (const h of guide.hours(lo, hi, 'ASC')) {
    const from = Math.max(h, lo);
    const to = Math.min(h + HOUR_MS, hi);
    const last = out[out.length - 1];
    if (last && last.to === from) last.to = to;
    else out.push({ source: 'raw', from, to });
  }
  return out;
}

/** How a summary adds up its measures. */
export interface SummaryMode {
  /** 'raw' answers from the raw rows only (slow; used to verify the rollups). Default 'auto'. */
  source?: 'auto' | 'raw';
  /**
   * 'exact' (default): integer sums, refused as out_of_range beyond 2^53 - 1. 'float': SQLite's
   * total() and Number additions, never refused, not exact beyond 2^53 (for Prometheus samples,
   * which are floats: one sum too large must not fail the whole scrape).
   */
  sums?: 'exact' | 'float';
}

/** The raw-row sums of RAW_MEASURES as floats (total() never overflows; sum() fails at 2^63). */
const RAW_MEASURES_FLOAT = RAW_MEASURES.map((m) => m.replace(/^sum\(/, 'total('));

/** a + one value read from SQLite (NULL as 0): exact integers, checked, or floats. */
type AddRead = (a: number, v: unknown) => number;
const addExactRead: AddRead = (a, v) => addExact(a, exactInt(v));
const addFloatRead: AddRead = (a, v) => a + ((v as number | null) ?? 0);

/**
 * Runs a summary. `bounds` gives the first and last call times, needed for an open-ended day
 * grouping.
 */
export function runSummary(
  ctx: SummaryContext,
  q: SummaryQuery,
  bounds: () => { min: number; max: number } | null,
  compactedUntil: () => number,
  mode: SummaryMode = {},
): SummaryResult {
  const source = mode.source ?? 'auto';
  const float = mode.sums === 'float';
  const add = float ? addFloatRead : addExactRead;
  const { timeZone, limit, costSource } = checkQuery(q);
  const f = resolveFilter(q, ctx.dict);
  const result: SummaryResult = {
    since: f.since,
    until: f.until,
    costSource,
    reportedCalls: 0,
    totals: emptyTotals(),
    groups: [],
  };
  if (!f.possible) return result;
  const cube = source === 'raw' ? null : chooseCube(f, q.groupBy);
  const group = q.groupBy ? GROUPS[q.groupBy] : null;

  // Segments of the range: one per local day for groupBy 'day', else the whole range.
  let segments: { key: Key; from: number | null; to: number | null }[];
  if (q.groupBy === 'day') {
    let from = f.since;
    let to = f.until;
    if (from === null || to === null) {
      const b = bounds();
      if (!b) return result;
      from ??= b.min;
      to ??= b.max + 1;
    }
    segments = daySegments(from, to, timeZone).map((s) => ({ key: s.key, from: s.startMs, to: s.endMs }));
  } else segments = [{ key: null, from: f.since, to: f.until }];

  const dims = dimConditions(f);
  const acc = new Map<Key, number[]>();
  const wh = cube ? compactedUntil() : 0;
  const guide = source === 'auto' && ctx.guide ? ctx.guide(f) : null;
  for (const seg of segments) {
    let pieces: Piece[] = cube ? decompose(seg.from, seg.to, cube.grains, wh) : [{ source: 'raw', ...seg }];
    if (cube && !cube.grains.includes('hour')) pieces = hoursToRaw(pieces);
    if (guide) pieces = pieces.flatMap((p) => (p.source === 'raw' ? guideRaw(p, guide, bounds) : [p]));
    for (const p of pieces) {
      const raw = p.source === 'raw';
      const table = raw ? 'calls' : rollupTable(cube!.name, p.source as Grain);
      const timeCol = raw ? 'start_time' : 'bucket';
      const w: Conditions = { sql: [...dims.sql], params: [...dims.params] };
      if (raw) addRawOnly(w, f);
      const { sql: where, params } = w;
      const size = p.source === 'hour' ? HOUR_MS : DAY_MS;
      if (
        !raw &&
        p.source !== 'all' &&
        p.from !== null &&
        p.to !== null &&
        (p.to - p.from) / size <= 1000 &&
        f.eq.some((e) => e.col === cube!.dims[0])
      ) {
        // The key starts (bucket, <filtered dim>): one index seek per bucket beats a range scan.
        const buckets: number[] = [];
        for (let b = p.from; b < p.to; b += size) buckets.push(b);
        where.push(`bucket IN (${buckets.map(() => '?').join(', ')})`);
        params.push(...buckets);
      } else addRange(w, timeCol, p.from, p.to);
      const agg = float ? 'total' : 'sum';
      const sums = raw
        ? (float ? RAW_MEASURES_FLOAT : RAW_MEASURES).join(', ')
        : MEASURES.map((m) => `${agg}(${m})`).join(', ');
      const keySql = group ? (raw ? group.raw : group.cube) : 'NULL';
      const sql =
        `SELECT ${keySql} AS k, ${sums} FROM ${table}` +
        (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
        (group ? ' GROUP BY k' : '');
      for (const row of ctx.stmts.get(sql).raw(true).iterate(params) as Iterable<unknown[]>) {
        const n = (row[1] as number | null) ?? 0;
        if (n === 0) continue;
        let k: Key = group ? ((row[0] as number | null) ?? null) : seg.key;
        if (k === 0) k = null;
        let m = acc.get(k);
        if (!m) {
          m = new Array(MEASURES.length).fill(0);
          acc.set(k, m);
        }
        for (let i = 0; i < MEASURES.length; i++) m[i] = add(m[i]!, row[i + 1]);
      }
    }
    result.reportedCalls += reportedCorrection(ctx, f, dims, group?.raw ?? null, seg, costSource, acc, float);
  }

  const total = new Array(MEASURES.length).fill(0) as number[];
  const groups: (Totals & { key: string | null })[] = [];
  for (const [k, m] of acc) {
    for (let i = 0; i < m.length; i++) total[i] = add(total[i]!, m[i]!);
    if (!q.groupBy) continue;
    const key = typeof k === 'number' ? ctx.dict.valueOf(k) : k;
    groups.push({ key, ...toTotals(m) });
  }
  result.totals = toTotals(total);
  groups.sort(byCost);
  let kept = limit === null ? groups : groups.slice(0, limit);
  if (q.groupBy === 'day') kept = kept.sort((a, b) => ((a.key ?? '') < (b.key ?? '') ? -1 : 1));
  result.groups = kept;
  return result;
}

/** The order of a summary's groups: cost, then calls, largest first, then key (none last). */
function byCost(
  a: { key: string | null; costNanos: number; calls: number },
  b: { key: string | null; costNanos: number; calls: number },
): number {
  return (
    b.costNanos - a.costNanos ||
    b.calls - a.calls ||
    (a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

/** Index of a measure in MEASURES. */
const COST_NANOS = MEASURES.indexOf('cost_nanos');
const UNPRICED = MEASURES.indexOf('unpriced');

/**
 * The calls of a segment whose cost the provider or an AI gateway reported (few: the partial index
 * `calls_cost_reported` finds them): counted, and for `local` totals their reported cost in `acc`
 * is replaced by tokenmeter's own price (a call without one becomes unpriced). Returns their count.
 */
function reportedCorrection(
  ctx: SummaryContext,
  f: ResolvedFilter,
  dims: Conditions,
  keySql: string | null,
  seg: { key: Key; from: number | null; to: number | null },
  costSource: CostSource,
  acc: Map<Key, number[]>,
  float: boolean,
): number {
  const agg = float ? 'total' : 'sum';
  const add = float ? addFloatRead : addExactRead;
  const w: Conditions = { sql: ['cost_reported = 1', ...dims.sql], params: [...dims.params] };
  addRawOnly(w, f);
  addRange(w, 'start_time', seg.from, seg.to);
  const { sql: where, params } = w;
  const sql =
    `SELECT ${keySql ?? 'NULL'} AS k, count(*), ${agg}(ifnull(local_cost_nanos, 0) - cost_nanos), ` +
    `sum(local_cost_nanos IS NULL) FROM calls INDEXED BY calls_cost_reported WHERE ${where.join(' AND ')}` +
    (keySql ? ' GROUP BY k' : '');
  let calls = 0;
  for (const row of ctx.stmts.get(sql).raw(true).iterate(params) as Iterable<unknown[]>) {
    const n = (row[1] as number | null) ?? 0;
    calls += n;
    if (n === 0 || costSource !== 'local') continue;
    let k: Key = keySql ? ((row[0] as number | null) ?? null) : seg.key;
    if (k === 0) k = null;
    const m = acc.get(k);
    if (!m) continue;
    m[COST_NANOS] = add(m[COST_NANOS]!, row[2]);
    m[UNPRICED] = add(m[UNPRICED]!, row[3]);
  }
  return calls;
}
