// Token usage and cost per UTC day, feature, provider, model and priced tier: the sums that what-if,
// savings and pricing questions price again. Read from the usage rollup for whole compacted days and
// from raw rows for the rest of the range (as summaries are), so any since/until is exact.
import type { StringDict } from './dict.js';
import { addExact, exactInt } from './exact.js';
import {
  addRange,
  addRawOnly,
  type Conditions,
  dimConditions,
  type ResolvedFilter,
  resolveFilter,
  type StatementCache,
} from './query.js';
import { bucketSql, MEASURES, RAW_MEASURES, rollupTable, USAGE_CUBE } from './schema.js';
import { decompose, hoursToRaw, type Piece } from './summary.js';
import { DAY_MS } from './time.js';
import type { CallFilter, Totals } from './types.js';

export interface UsageRow extends Totals {
  /** Start of the UTC day (epoch ms). */
  dayMs: number;
  feature: string | null;
  provider: string;
  requestModel: string | null;
  responseModel: string | null;
  /** The tier the calls were priced at (`standard`, `batch`, `flex`, `priority`); null when unpriced. */
  tier: string | null;
}

const KEY_COLUMNS = ['feature', 'provider', 'request_model', 'response_model', 'pricing_tier'] as const;

/** Whether the usage rollup can answer the filter (its dimensions and no raw-only flag). */
function cubeFits(f: ResolvedFilter): boolean {
  return f.rawOnly.length === 0 && f.eq.every((e) => (USAGE_CUBE.dims as readonly string[]).includes(e.col));
}

/**
 * The day being compacted: its row in the usage rollup holds exactly its hours before the compaction
 * watermark, so a raw piece running from that day's start past the watermark (`--month`, `--today`
 * on a live store) reads those hours from the rollup and only the hours after it from raw rows.
 */
function partialDayFromCube(pieces: Piece[], compactedUntil: number): Piece[] {
  const day = compactedUntil - (((compactedUntil % DAY_MS) + DAY_MS) % DAY_MS);
  if (compactedUntil <= day) return pieces;
  return pieces.flatMap((p): Piece[] =>
    p.source === 'raw' && p.from === day && (p.to === null || p.to >= compactedUntil)
      ? [
          { source: 'day', from: day, to: day + DAY_MS },
          ...(p.to === compactedUntil ? [] : [{ source: 'raw' as const, from: compactedUntil, to: p.to }]),
        ]
      : [p],
  );
}

export function runUsage(
  ctx: { dict: StringDict; stmts: StatementCache },
  q: CallFilter,
  compactedUntil: () => number,
): UsageRow[] {
  const f = resolveFilter(q, ctx.dict);
  if (!f.possible) return [];
  const cube = cubeFits(f);
  const pieces = cube
    ? partialDayFromCube(
        hoursToRaw(decompose(f.since, f.until, USAGE_CUBE.grains, compactedUntil())),
        compactedUntil(),
      )
    : [{ source: 'raw' as const, from: f.since, to: f.until }];
  const dims = dimConditions(f);
  const n = KEY_COLUMNS.length + 1;
  // Rows as read: [day, ...key ids, ...measures]. One piece has one row per key already; several
  // pieces are summed per key into the first row seen (a day can be in a rollup piece and a raw one).
  const rows: (number | null)[][] = [];
  const byKey = pieces.length > 1 ? new Map<string, (number | null)[]>() : undefined;
  for (const p of pieces) {
    const raw = p.source === 'raw';
    const w: Conditions = { sql: [...dims.sql], params: [...dims.params] };
    if (raw) addRawOnly(w, f);
    addRange(w, raw ? 'start_time' : 'bucket', p.from, p.to);
    const { sql: where, params } = w;
    const keys = raw ? KEY_COLUMNS.map((c) => `ifnull(${c}, 0)`) : [...KEY_COLUMNS];
    const sums = raw ? RAW_MEASURES.join(', ') : MEASURES.map((m) => `sum(${m})`).join(', ');
    const sql =
      `SELECT ${raw ? bucketSql('day') : 'bucket'}, ${keys.join(', ')}, ${sums} ` +
      `FROM ${raw ? 'calls' : rollupTable(USAGE_CUBE.name, 'day')}` +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ` GROUP BY ${Array.from({ length: n }, (_, i) => i + 1).join(', ')}`;
    for (const row of ctx.stmts.get(sql).raw(true).all(params) as (number | null)[][]) {
      if (!row[n]) continue;
      if (!byKey) {
        rows.push(row);
        continue;
      }
      const k = row.slice(0, n).join('|');
      const e = byKey.get(k);
      if (!e) {
        byKey.set(k, row);
        rows.push(row);
      } else for (let i = n; i < n + MEASURES.length; i++) e[i] = addExact(exactInt(e[i]), exactInt(row[i]));
    }
  }
  const s = (id: number | null | undefined) => ctx.dict.valueOf(id ?? 0);
  const m = (row: (number | null)[], i: number) => exactInt(row[n + i]);
  const out: UsageRow[] = rows.map((row) => ({
    dayMs: row[0]!,
    feature: s(row[1]),
    provider: s(row[2]) ?? '',
    requestModel: s(row[3]),
    responseModel: s(row[4]),
    tier: s(row[5]),
    calls: m(row, 0),
    errors: m(row, 1),
    unpricedCalls: m(row, 2),
    estimatedCalls: m(row, 3),
    inputTokens: m(row, 4),
    outputTokens: m(row, 5),
    cacheReadTokens: m(row, 6),
    cacheWriteTokens: m(row, 7),
    reasoningTokens: m(row, 8),
    costNanos: m(row, 9),
    inputCostNanos: m(row, 10),
    outputCostNanos: m(row, 11),
    cacheReadCostNanos: m(row, 12),
    cacheWriteCostNanos: m(row, 13),
  }));
  return out.sort((a, b) => a.dayMs - b.dayMs || b.costNanos - a.costNanos);
}
