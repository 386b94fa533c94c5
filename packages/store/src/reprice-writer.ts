// Writes one batch of re-priced calls: their new prices go into a temporary table (one INSERT per
// call), their old values are copied beside them from `calls` (one statement), then SQLite itself
// moves every rollup by the difference (one INSERT ... SELECT ... GROUP BY ... upsert per rollup
// table) and rewrites the rows (one UPDATE). JavaScript makes one statement per call instead of
// one per call and rollup key, and holds no per-key state.
//
// Must run inside the caller's write transaction, rollups before rows (the rollup statements read
// the old prices from `calls`).
import type { Database, Statement } from './driver/index.js';
import { bucketOf, CUBES, readCompactedUntil, SELECT_META } from './rollups.js';
import { bucketSql, type Grain, MEASURES, RAW_MEASURES, rollupTable } from './schema.js';

/** A re-priced call: its id and the price columns it gets (dictionary ids for the provenance). */
export type RepricedRow = [
  id: number,
  costNanos: number,
  inputNanos: number,
  outputNanos: number,
  cacheReadNanos: number,
  cacheWriteNanos: number,
  match: number,
  provider: number | null,
  model: number | null,
  source: number | null,
  version: number | null,
  tier: number | null,
  /** 1 when the call moves to another pricing tier (another key of the rollups keyed by tier). */
  moved: 0 | 1,
];

const TEMP = 'temp.tokenmeter_reprice_batch';
const NANOS = [
  'cost_nanos',
  'input_cost_nanos',
  'output_cost_nanos',
  'cache_read_cost_nanos',
  'cache_write_cost_nanos',
] as const;
const PROVENANCE = [
  'pricing_match',
  'pricing_provider',
  'pricing_model',
  'pricing_source',
  'pricing_version',
  'pricing_tier',
] as const;
/** The columns a reprice rewrites: the cost in nano-USD, then what priced it (RepricedRow order). */
export const PRICE_COLUMNS = [...NANOS, ...PROVENANCE] as const;
/** The new price columns, in RepricedRow order after the id. */
const NEW_COLUMNS = PRICE_COLUMNS.map((c) => `new_${c}`);
/**
 * What the rollup statements read of a call, copied from `calls` once per batch (one join instead
 * of one per rollup table): its time, the rollup dimensions and the measures, at the old price.
 */
const OLD_COLUMNS = [
  'start_time',
  ...new Set(CUBES.flatMap((c) => c.dims)),
  'error_type',
  'priced',
  'estimated',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  ...NANOS,
];

interface TableStatements {
  grain: Grain;
  /** Every re-priced call: its rollup key moves by the difference of price. */
  delta: Statement;
  /** Keyed by pricing tier: calls that changed tier leave their old key and join the new one. */
  leave?: Statement;
  join?: Statement;
  deleteEmpty?: Statement;
}

function upsertSql(table: string, dims: readonly string[], select: string): string {
  const key = ['bucket', ...dims].join(', ');
  return (
    `INSERT INTO ${table} (${key}, ${MEASURES.join(', ')}) ${select} ` +
    `GROUP BY ${Array.from({ length: dims.length + 1 }, (_, i) => i + 1).join(', ')} ` +
    `ON CONFLICT (${key}) DO UPDATE SET ${MEASURES.map((m) => `${m} = ${m} + excluded.${m}`).join(', ')}`
  );
}

export class RepriceWriter {
  private readonly insert: Statement;
  private readonly copyOld: Statement;
  private readonly clear: Statement;
  private readonly update: Statement;
  private readonly getMeta: Statement;
  private readonly tables: TableStatements[] = [];

  constructor(db: Database) {
    db.exec(
      `CREATE TEMP TABLE IF NOT EXISTS ${TEMP.slice(5)} (id INTEGER PRIMARY KEY, ` +
        `${[...NEW_COLUMNS, 'moved', ...OLD_COLUMNS].map((c) => `${c} INTEGER`).join(', ')})`,
    );
    // The new prices go in call by call; the old values are copied from `calls` in one statement.
    const fields = ['id', ...NEW_COLUMNS, 'moved'];
    this.insert = db.prepare(
      `INSERT INTO ${TEMP} (${fields.join(', ')}) VALUES (${fields.map(() => '?').join(', ')})`,
    );
    this.copyOld = db.prepare(
      `UPDATE ${TEMP} SET (${OLD_COLUMNS.join(', ')}) = ` +
        `(SELECT ${OLD_COLUMNS.join(', ')} FROM calls WHERE calls.id = ${TEMP.slice(5)}.id)`,
    );
    this.clear = db.prepare(`DELETE FROM ${TEMP}`);
    // Not UPDATE ... FROM: without statistics on the temporary table SQLite would scan `calls`.
    this.update = db.prepare(
      `UPDATE calls SET priced = 1, (${PRICE_COLUMNS.join(', ')}) = ` +
        `(SELECT ${NEW_COLUMNS.join(', ')} FROM ${TEMP} AS n WHERE n.id = calls.id) ` +
        `WHERE id IN (SELECT id FROM ${TEMP})`,
    );
    this.getMeta = db.prepare(SELECT_META);
    for (const cube of CUBES) {
      const byTier = cube.dims.includes('pricing_tier');
      for (const grain of cube.grains) {
        const table = rollupTable(cube.name, grain);
        // Day and all-time rows hold only compacted hours: later hours reach them at compaction.
        const when = `FROM ${TEMP} WHERE ${grain === 'hour' ? '1' : 'start_time < ?'}`;
        const dims = (tier: string) =>
          cube.dims.map((d) => (d === 'pricing_tier' ? tier : `ifnull(${d}, 0)`)).join(', ');
        const oldTier = 'ifnull(pricing_tier, 0)';
        // calls, errors, estimated and tokens stay; a re-priced call is priced: unpriced moves by -1.
        const delta =
          `SELECT ${bucketSql(grain)}, ${dims(oldTier)}, 0, 0, -sum(priced = 0), 0, 0, 0, 0, 0, 0, ` +
          `${NANOS.map((c) => `sum(new_${c} - ${c})`).join(', ')} ${when}${byTier ? ' AND moved = 0' : ''}`;
        const s: TableStatements = { grain, delta: db.prepare(upsertSql(table, cube.dims, delta)) };
        if (byTier) {
          const leave = `SELECT ${bucketSql(grain)}, ${dims(oldTier)}, ${RAW_MEASURES.map((m) => `-${m}`).join(', ')} ${when} AND moved = 1`;
          const joined = RAW_MEASURES.map((m, i) =>
            i === 2 ? '0' : i >= 9 ? `sum(new_${NANOS[i - 9]})` : m,
          ).join(', ');
          const join = `SELECT ${bucketSql(grain)}, ${dims('ifnull(new_pricing_tier, 0)')}, ${joined} ${when} AND moved = 1`;
          s.leave = db.prepare(upsertSql(table, cube.dims, leave));
          s.join = db.prepare(upsertSql(table, cube.dims, join));
          s.deleteEmpty = db.prepare(
            grain === 'all'
              ? `DELETE FROM ${table} WHERE calls = 0 AND ? IS NOT NULL AND ? IS NOT NULL`
              : `DELETE FROM ${table} WHERE bucket >= ? AND bucket <= ? AND calls = 0`,
          );
        }
        this.tables.push(s);
      }
    }
  }

  /**
   * Rewrites `rows` (inside the caller's transaction) and moves the rollups with them. `moved` is the
   * [first, last] start time of the calls that changed tier, when some did.
   */
  write(rows: readonly RepricedRow[], moved: [number, number] | undefined): void {
    if (rows.length === 0) return;
    this.clear.run();
    for (const r of rows) this.insert.run(r);
    this.copyOld.run();
    const compactedUntil = readCompactedUntil(this.getMeta);
    for (const t of this.tables) {
      const args = t.grain === 'hour' ? [] : [compactedUntil];
      t.delta.run(args);
      if (moved && t.leave && t.join && t.deleteEmpty) {
        t.leave.run(args);
        t.join.run(args);
        t.deleteEmpty.run(bucketOf(moved[0], t.grain), bucketOf(moved[1], t.grain));
      }
    }
    this.update.run();
    this.clear.run();
  }
}
