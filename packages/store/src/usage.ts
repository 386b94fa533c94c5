// Token usage and cost per UTC day, feature, provider, model and priced tier: the sums that what-if,
// savings and pricing questions price again. Read from the usage rollup for whole compacted days and
// from raw rows for the rest of the range (as summaries are), so any since/until is exact.
import type { StringDict } from './dict.js';
import { dimConditions, type ResolvedFilter, resolveFilter, type StatementCache } from './query.js';
import { bucketSql, MEASURES, RAW_MEASURES, rollupTable, USAGE_CUBE } from './schema.js';
import { decompose, hoursToRaw, toTotals } from './summary.js';
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

export function runUsage(
  ctx: { dict: StringDict; stmts: StatementCache },
  q: CallFilter,
  compactedUntil: () => number,
): UsageRow[] {
  const f = resolveFilter(q, ctx.dict);
  if (!f.possible) return [];
  const cube = cubeFits(f);
  const pieces = cube
    ? hoursToRaw(decompose(f.since, f.until, USAGE_CUBE.grains, compactedUntil()))
    : [{ source: 'raw' as const, from: f.since, to: f.until }];
  const dims = dimConditions(f);
  const acc = new Map<string, { key: number[]; m: number[] }>();
  for (const p of pieces) {
    const raw = p.source === 'raw';
    const where = [...dims.sql];
    const params = [...dims.params];
    if (raw)
      for (const c of f.rawOnly) {
        where.push(c.sql);
        params.push(...c.params);
      }
    const timeCol = raw ? 'start_time' : 'bucket';
    if (p.from !== null) {
      where.push(`${timeCol} >= ?`);
      params.push(p.from);
    }
    if (p.to !== null) {
      where.push(`${timeCol} < ?`);
      params.push(p.to);
    }
    const keys = raw ? KEY_COLUMNS.map((c) => `ifnull(${c}, 0)`) : [...KEY_COLUMNS];
    const sums = raw ? RAW_MEASURES.join(', ') : MEASURES.map((m) => `sum(${m})`).join(', ');
    const sql =
      `SELECT ${raw ? bucketSql('day') : 'bucket'}, ${keys.join(', ')}, ${sums} ` +
      `FROM ${raw ? 'calls' : rollupTable(USAGE_CUBE.name, 'day')}` +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ` GROUP BY ${Array.from({ length: KEY_COLUMNS.length + 1 }, (_, i) => i + 1).join(', ')}`;
    for (const row of ctx.stmts.get(sql).raw(true).iterate(params) as Iterable<number[]>) {
      const n = KEY_COLUMNS.length + 1;
      if (!row[n]) continue;
      const key = row.slice(0, n);
      const k = key.join('|');
      let e = acc.get(k);
      if (!e) {
        e = { key, m: new Array(MEASURES.length).fill(0) };
        acc.set(k, e);
      }
      for (let i = 0; i < MEASURES.length; i++) e.m[i]! += row[n + i] ?? 0;
    }
  }
  const out: UsageRow[] = [];
  const s = (id: number | undefined) => ctx.dict.valueOf(id ?? 0);
  for (const { key, m } of acc.values()) {
    out.push({
      dayMs: key[0]!,
      feature: s(key[1]),
      provider: s(key[2]) ?? '',
      requestModel: s(key[3]),
      responseModel: s(key[4]),
      tier: s(key[5]),
      ...toTotals(m),
    });
  }
  return out.sort((a, b) => a.dayMs - b.dayMs || b.costNanos - a.costNanos);
}
