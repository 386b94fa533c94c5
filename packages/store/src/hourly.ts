// Cost per UTC hour in a scope: the input of the spend forecast (seasonality by hour and day of
// week). Read from the smallest hourly rollup holding the filter's dimensions, else from raw rows.
import { StoreQueryError } from './errors/store-query-error.js';
import { exactInt } from './exact.js';
import { addRange, addRawOnly, type Conditions, dimConditions, resolveFilter } from './query.js';
import { bucketSql, rollupTable } from './schema.js';
import { chooseCube, type SummaryContext } from './summary.js';
import { HOUR_MS } from './time.js';
import type { CallFilter, HourlyCost } from './types.js';

/** At most this many hours per query (a little over a year). */
export const MAX_HOURLY_HOURS = 24 * 400;

/**
 * The cost of every UTC hour from the hour holding `since` up to the one holding `until - 1`, each
 * hour whole (its calls before `since` or from `until` on count too). Hours without calls are 0.
 */
export function runHourlyCost(ctx: Pick<SummaryContext, 'dict' | 'stmts'>, q: CallFilter): HourlyCost {
  if (q.since === undefined || q.until === undefined) {
    throw new StoreQueryError('hourlyCost needs both since and until (epoch ms)');
  }
  const f = resolveFilter(q, ctx.dict);
  const startMs = Math.floor(f.since! / HOUR_MS) * HOUR_MS;
  const endMs = Math.ceil(f.until! / HOUR_MS) * HOUR_MS;
  const hours = (endMs - startMs) / HOUR_MS;
  if (hours > MAX_HOURLY_HOURS) {
    throw new StoreQueryError(`hourlyCost covers at most ${MAX_HOURLY_HOURS} hours, got ${hours}`);
  }
  const costNanos = new Array<number>(hours).fill(0);
  if (!f.possible || hours === 0) return { startMs, costNanos };
  const cube = chooseCube(f, undefined);
  const hourly = cube?.grains.includes('hour') ? cube : null;
  const dims = dimConditions(f);
  const w: Conditions = { sql: [...dims.sql], params: [...dims.params] };
  if (!hourly) addRawOnly(w, f);
  addRange(w, hourly ? 'bucket' : 'start_time', startMs, endMs);
  const { sql: where, params } = w;
  const sql = hourly
    ? `SELECT bucket AS h, sum(cost_nanos) FROM ${rollupTable(hourly.name, 'hour')} WHERE ${where.join(' AND ')} GROUP BY h`
    : `SELECT ${bucketSql('hour')} AS h, sum(cost_nanos) FROM calls WHERE ${where.join(' AND ')} GROUP BY h`;
  for (const row of ctx.stmts.get(sql).raw(true).iterate(params) as Iterable<[number, unknown]>) {
    costNanos[(row[0] - startMs) / HOUR_MS] = exactInt(row[1]);
  }
  return { startMs, costNanos };
}
