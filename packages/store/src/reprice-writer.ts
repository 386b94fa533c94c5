// Writes the re-priced calls of one batch. Each call goes into a temporary table with what the
// rollups need of it, computed here from the values read in the same transaction: its hour and day,
// its rollup dimensions and its difference of price (64 calls per INSERT). Then SQLite moves each
// rollup table by the sums of those differences per key (one upsert-select per table) and rewrites
// the rows (one UPDATE). Summing per key in JavaScript instead (RollupWriter's maps, one upsert per
// key) was measured slower: its string keys and one statement per key cost more than the grouped
// scans of the temporary table.
//
// Must run inside the caller's write transaction: begin() first, then add() per call, then apply().
import type { Database, Statement } from './driver/index.js';
import { bucketOf, CUBES, readCompactedUntil, SELECT_META } from './rollups.js';
import { DIMS, type Fact } from './rows.js';
import { type Grain, MEASURES, COST_MEASURES as NANOS, rollupTable } from './schema.js';

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
const TIER = DIMS.indexOf('pricing_tier');

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

/** Columns of a call that keeps its tier (old measures are only needed for one that moves). */
const NARROW_COLUMNS = TEMP_COLUMNS.slice(0, TEMP_COLUMNS.length - OLD_MEASURES.length);
const NARROW = NARROW_COLUMNS.length;
/** Calls per INSERT of the batch into the temporary table (fewer statements to run). */
const ROWS_PER_INSERT = 64;

export class RepriceWriter {
  private readonly insertMoved: Statement;
  private readonly insertOne: Statement;
  private readonly insertMany: Statement;
  private readonly clear: Statement;
  private readonly update: Statement;
  private readonly getMeta: Statement;
  private readonly tables: TableStatements[] = [];
  private readonly args: (number | null)[] = new Array(TEMP_COLUMNS.length).fill(0);
  /** Calls that keep their tier, not yet inserted (NARROW_COLUMNS each). */
  private readonly pending: (number | null)[] = [];
  private rows = 0;
  private movedFrom = Number.POSITIVE_INFINITY;
  private movedTo = Number.NEGATIVE_INFINITY;

  constructor(db: Database) {
    db.exec(
      `CREATE TEMP TABLE IF NOT EXISTS ${TEMP.slice(5)} (id INTEGER PRIMARY KEY, ` +
        `${TEMP_COLUMNS.slice(1)
          .map((c) => `${c} INTEGER`)
          .join(', ')})`,
    );
    const insert = (cols: readonly string[], rows: number) =>
      db.prepare(
        `INSERT INTO ${TEMP} (${cols.join(', ')}) VALUES ` +
          Array.from({ length: rows }, () => `(${cols.map(() => '?').join(', ')})`).join(', '),
      );
    this.insertMoved = insert(TEMP_COLUMNS, 1);
    this.insertOne = insert(NARROW_COLUMNS, 1);
    this.insertMany = insert(NARROW_COLUMNS, ROWS_PER_INSERT);
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
    this.clear.run();
    this.discard();
  }

  /**
   * Adds one call to the batch: its new price and, from `old` (what it adds to the rollups as
   * stored), its rollup key and its difference of price.
   */
  add(row: RepricedRow, old: Fact): void {
    const moved = (row[11] ?? 0) !== old.dims[TIER];
    const a = moved ? this.args : this.pending;
    let k = moved ? 0 : a.length;
    for (let i = 0; i < 12; i++) a[k++] = row[i] as number | null;
    a[k++] = moved ? 1 : 0;
    const t = old.startTime;
    a[k++] = bucketOf(t, 'hour');
    a[k++] = bucketOf(t, 'day');
    for (let i = 0; i < DIMS.length; i++) a[k++] = old.dims[i]!;
    const m = old.measures;
    a[k++] = -m[2]!; // a re-priced call is priced
    for (let i = 0; i < 5; i++) a[k++] = (row[1 + i] as number) - m[9 + i]!;
    this.rows++;
    if (!moved) {
      if (a.length === NARROW * ROWS_PER_INSERT) {
        this.insertMany.run(a);
        a.length = 0;
      }
      return;
    }
    for (let i = 0; i < m.length; i++) a[k++] = m[i]!;
    this.insertMoved.run(a);
    if (t < this.movedFrom) this.movedFrom = t;
    if (t > this.movedTo) this.movedTo = t;
  }

  /** Moves the rollups by the batch's differences and rewrites its rows. */
  apply(): void {
    if (this.rows === 0) return;
    const p = this.pending;
    for (let i = 0; i < p.length; i += NARROW) this.insertOne.run(p.slice(i, i + NARROW));
    p.length = 0;
    const compactedUntil = readCompactedUntil(this.getMeta);
    const moved = this.movedFrom <= this.movedTo;
    for (const t of this.tables) {
      const args = t.grain === 'hour' ? [] : [compactedUntil];
      t.delta.run(args);
      if (moved && t.leave && t.join && t.deleteEmpty) {
        t.leave.run(args);
        t.join.run(args);
        t.deleteEmpty.run(bucketOf(this.movedFrom, t.grain), bucketOf(this.movedTo, t.grain));
      }
    }
    this.update.run();
    this.clear.run();
    this.discard();
  }

  /** Forgets the batch (also after a failed transaction, which took back its rows). */
  discard(): void {
    this.pending.length = 0;
    this.rows = 0;
    this.movedFrom = Number.POSITIVE_INFINITY;
    this.movedTo = Number.NEGATIVE_INFINITY;
  }
}
