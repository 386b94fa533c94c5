// The cost per tenant since a time, for the rolling 24-hour gauge of `tokenmeter serve`'s /metrics.
// Read as floats (SQLite's total()), as metricTotals reads the all-time cost: a window beyond 2^53
// nano-USD (9,007,199 USD) becomes a Prometheus sample instead of a refused read that would fail the
// whole scrape. The exact readers (summary.ts) refuse such sums; a gauge need not be exact.
import { addRange, addRawOnly, type Conditions, resolveFilter } from './query.js';
import { rollupTable } from './schema.js';
import { byCost, chooseCube, decompose, hoursToRaw, type Piece, type SummaryContext } from './summary.js';
import type { RollingWindowRow } from './types.js';

/** Cost per tenant of the calls from `sinceMs` on, largest first (the pieces a summary by tenant reads). */
export function runRollingWindow(
  ctx: Pick<SummaryContext, 'dict' | 'stmts'>,
  sinceMs: number,
  compactedUntil: () => number,
): RollingWindowRow[] {
  const f = resolveFilter({ since: sinceMs }, ctx.dict);
  const cube = chooseCube(f, 'tenant');
  let pieces: Piece[] = cube
    ? decompose(f.since, f.until, cube.grains, compactedUntil())
    : [{ source: 'raw', from: f.since, to: f.until }];
  if (cube && !cube.grains.includes('hour')) pieces = hoursToRaw(pieces);

  const byTenant = new Map<number | null, { calls: number; costNanos: number }>();
  for (const p of pieces) {
    const w: Conditions = { sql: [], params: [] };
    if (p.source === 'raw') addRawOnly(w, f);
    addRange(w, p.source === 'raw' ? 'start_time' : 'bucket', p.from, p.to);
    const from = p.source === 'raw' || cube === null ? 'calls' : rollupTable(cube.name, p.source);
    const calls = p.source === 'raw' ? 'count(*)' : 'sum(calls)';
    const sql =
      `SELECT tenant, ${calls}, total(cost_nanos) FROM ${from}` +
      (w.sql.length ? ` WHERE ${w.sql.join(' AND ')}` : '') +
      ' GROUP BY tenant';
    for (const row of ctx.stmts.get(sql).raw(true).iterate(w.params) as Iterable<unknown[]>) {
      const n = (row[1] as number | null) ?? 0;
      if (n === 0) continue;
      const tenant = (row[0] as number | null) || null; // 0: no tenant in the rollups
      const t = byTenant.get(tenant) ?? { calls: 0, costNanos: 0 };
      t.calls += n;
      t.costNanos += row[2] as number;
      byTenant.set(tenant, t);
    }
  }

  const rows = [...byTenant].map(([id, t]) => ({
    key: id === null ? null : ctx.dict.valueOf(id),
    calls: t.calls,
    costNanos: t.costNanos,
  }));
  rows.sort(byCost); // the summary's order
  return rows.map(({ key, costNanos }) => ({ tenant: key, costNanos }));
}
