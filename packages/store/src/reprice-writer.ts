// Writes the re-priced calls of one batch. Each call's id and new price go into a temporary table
// (64 calls per INSERT); one INSERT ... SELECT joins them with their stored rows and computes what the
// rollups need (hour, day, rollup key, difference of price, old measures) in SQLite; then each rollup
// table moves by the sums of those differences per key (one upsert-select per table) and the rows
// are rewritten (one UPDATE). The batch's read thus carries only the pricing columns, for every
// call, and the rollup columns only for the calls that changed. Summing per key in JavaScript instead
// (RollupWriter's maps, one upsert per key) was measured slower: its string keys and one statement
// per key cost more than the grouped scans of the temporary table.
//
// Must run inside the caller's write transaction: begin() first, then add() per call, then apply().
import type { Database, Statement } from './driver/index.js';
import { bucketOf, CUBES, readCompactedUntil, SELECT_META } from './rollups.js';
import { DIMS } from './rows.js';
import {
  bucketSql,
  type Grain,
  MEASURES,
  COST_MEASURES as NANOS,
  ROW_MEASURES,
  rollupTable,
} from './schema.js';

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
];

const NEW = 'temp.tokenmeter_reprice_new';
const TEMP = 'temp.tokenmeter_reprice_batch';
const NEW_COLUMNS = PRICE_COLUMNS.map((c) => `new_${c}`);
/** The difference of price in MEASURES order from `unpriced` on (calls, errors, tokens stay). */
const DELTA_COLUMNS = ['d_unpriced', ...NANOS.map((c) => `d_${c}`)];
/** A call's own measures at its old price (MEASURES order): what a call changing tier moves. */
const OLD_MEASURES = MEASURES.map((m) => `old_${m}`);
const TEMP_COLUMNS = [
  'id',
  ...NEW_COLUMNS,
  'moved',
  'hour',
  'day',
  ...DIMS,
  ...DELTA_COLUMNS,
  ...OLD_MEASURES,
];
/**
 * How each TEMP_COLUMNS value is computed from the new price (n: id, new_*) and the stored row (c);
 * the stored row's columns need no prefix (no name is in both).
 */
const TEMP_SQL = [
  'n.id',
  ...NEW_COLUMNS,
  'ifnull(new_pricing_tier, 0) != ifnull(c.pricing_tier, 0)',
  bucketSql('hour'),
  bucketSql('day'),
  ...DIMS.map((d) => `ifnull(c.${d}, 0)`),
  // A re-priced call is priced: unpriced moves by -1 for a call that was not.
  `-(${ROW_MEASURES[2]})`,
  ...NANOS.map((c) => `new_${c} - ifnull(c.${c}, 0)`),
  ...ROW_MEASURES,
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

/** The values of one call in the batch of new prices (RepricedRow). */
const WIDTH = 12;
/** Calls per INSERT of the batch into the temporary table (fewer statements to run). */
const ROWS_PER_INSERT = 64;

export class RepriceWriter {
  private readonly insertOne: Statement;
  private readonly insertMany: Statement;
  private readonly expand: Statement;
  private readonly movedRange: Statement;
  private readonly clear: Statement[];
  private readonly update: Statement;
  private readonly getMeta: Statement;
  private readonly tables: TableStatements[] = [];
  /** Calls not yet inserted (WIDTH values each). */
  private readonly pending: (number | null)[] = [];
  private rows = 0;

  constructor(db: Database) {
    const create = (name: string, cols: readonly string[]) =>
      db.exec(
        `CREATE TEMP TABLE IF NOT EXISTS ${name.slice(5)} (id INTEGER PRIMARY KEY, ` +
          `${cols
            .slice(1)
            .map((c) => `${c} INTEGER`)
            .join(', ')})`,
      );
    const newCols = ['id', ...NEW_COLUMNS];
    create(NEW, newCols);
    create(TEMP, TEMP_COLUMNS);
    const insert = (rows: number) =>
      db.prepare(
        `INSERT INTO ${NEW} (${newCols.join(', ')}) VALUES ` +
          Array.from({ length: rows }, () => `(${newCols.map(() => '?').join(', ')})`).join(', '),
      );
    this.insertOne = insert(1);
    this.insertMany = insert(ROWS_PER_INSERT);
    // What the rollups need of each call (its key, its difference of price, its old measures),
    // computed by SQLite from the stored row in one statement.
    this.expand = db.prepare(
      `INSERT INTO ${TEMP} (${TEMP_COLUMNS.join(', ')}) SELECT ${TEMP_SQL.join(', ')} ` +
        `FROM ${NEW} AS n JOIN calls AS c ON c.id = n.id`,
    );
    this.movedRange = db.prepare(`SELECT min(hour) AS lo, max(hour) AS hi FROM ${TEMP} WHERE moved = 1`);
    this.clear = [db.prepare(`DELETE FROM ${NEW}`), db.prepare(`DELETE FROM ${TEMP}`)];
    // Not UPDATE ... FROM: without statistics on the temporary table SQLite would scan `calls`.
    this.update = db.prepare(
      `UPDATE calls SET priced = 1, (${PRICE_COLUMNS.join(', ')}) = ` +
        `(SELECT ${NEW_COLUMNS.join(', ')} FROM ${NEW} AS n WHERE n.id = calls.id) ` +
        `WHERE id IN (SELECT id FROM ${NEW})`,
    );
    this.getMeta = db.prepare(SELECT_META);
    for (const cube of CUBES) {
      const byTier = cube.dims.includes('pricing_tier');
      for (const grain of cube.grains) {
        const table = rollupTable(cube.name, grain);
        const bucket = grain === 'all' ? '0' : grain;
        // Day and all-time rows hold only compacted hours: later hours reach them at compaction.
        const when = `FROM ${TEMP} WHERE ${grain === 'hour' ? '1' : 'hour < ?'}`;
        const dims = (tier: string) => cube.dims.map((d) => (d === 'pricing_tier' ? tier : d)).join(', ');
        const sums = (cols: readonly string[]) => cols.map((c) => `sum(${c})`).join(', ');
        const delta =
          `SELECT ${bucket}, ${dims('pricing_tier')}, 0, 0, ${sums(DELTA_COLUMNS.slice(0, 1))}, 0, 0, 0, 0, 0, 0, ` +
          `${sums(DELTA_COLUMNS.slice(1))} ${when}${byTier ? ' AND moved = 0' : ''}`;
        const s: TableStatements = { grain, delta: db.prepare(upsertSql(table, cube.dims, delta)) };
        if (byTier) {
          const leave = `SELECT ${bucket}, ${dims('pricing_tier')}, ${OLD_MEASURES.map((m) => `-sum(${m})`).join(', ')} ${when} AND moved = 1`;
          const joined = OLD_MEASURES.map((m, i) =>
            i === 2 ? '0' : i >= 9 ? `sum(${NEW_COLUMNS[i - 9]})` : `sum(${m})`,
          ).join(', ');
          const join = `SELECT ${bucket}, ${dims('ifnull(new_pricing_tier, 0)')}, ${joined} ${when} AND moved = 1`;
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

  /** First in each write transaction. */
  begin(): void {
    for (const c of this.clear) c.run();
    this.discard();
  }

  /** Adds one call to the batch: its id and its new price. */
  add(row: RepricedRow): void {
    const a = this.pending;
    for (let i = 0; i < WIDTH; i++) a.push(row[i] as number | null);
    this.rows++;
    if (a.length === WIDTH * ROWS_PER_INSERT) {
      this.insertMany.run(a);
      a.length = 0;
    }
  }

  /** Moves the rollups by the batch's differences and rewrites its rows. */
  apply(): void {
    if (this.rows === 0) return;
    const p = this.pending;
    for (let i = 0; i < p.length; i += WIDTH) this.insertOne.run(p.slice(i, i + WIDTH));
    p.length = 0;
    this.expand.run();
    const compactedUntil = readCompactedUntil(this.getMeta);
    const range = this.movedRange.get() as { lo: number | null; hi: number | null };
    for (const t of this.tables) {
      const args = t.grain === 'hour' ? [] : [compactedUntil];
      t.delta.run(args);
      if (range.lo !== null && range.hi !== null && t.leave && t.join && t.deleteEmpty) {
        t.leave.run(args);
        t.join.run(args);
        t.deleteEmpty.run(bucketOf(range.lo, t.grain), bucketOf(range.hi, t.grain));
      }
    }
    this.update.run();
    for (const c of this.clear) c.run();
    this.discard();
  }

  /** Forgets the batch (also after a failed transaction, which took back its rows). */
  discard(): void {
    this.pending.length = 0;
    this.rows = 0;
  }
}
