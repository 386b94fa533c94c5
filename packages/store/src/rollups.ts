// Rollup maintenance: the facts of a batch are summed in memory per (table, bucket, key) and written
// with one UPSERT per distinct key, in the same transaction as the raw rows. Pruning writes the same
// sums negated, so each rollup always equals the sum of the raw rows that remain.
import type { Database, Statement } from './driver/index.js';
import { DIMS, type Dim, type Fact } from './rows.js';
import {
  bucketSql,
  COMPACTED_UNTIL,
  CUBES_V5,
  type CubeSchema,
  type Grain,
  MEASURES,
  RAW_MEASURES,
  rollupTable,
} from './schema.js';
import { DAY_MS, HOUR_MS } from './time.js';

/** The rollups of the current schema, smallest first (the planner takes the first that fits). */
export const CUBES: readonly CubeSchema[] = CUBES_V5;

export function bucketOf(ms: number, grain: Grain): number {
  if (grain === 'all') return 0;
  const size = grain === 'hour' ? HOUR_MS : DAY_MS;
  return ms - (((ms % size) + size) % size);
}

interface TableWriter {
  table: string;
  grain: Grain;
  /** Index of the cube in CUBES (its key string is built once per fact). */
  cube: number;
  dimIndexes: number[];
  upsert: Statement;
  deleteEmpty: Statement;
  pending: Map<string, { bucket: number; dims: number[]; m: number[] }>;
}

/** Reads the compaction watermark (hour, epoch ms) inside the caller's transaction. */
export function readCompactedUntil(get: Statement): number {
  const row = get.get(COMPACTED_UNTIL) as { value: string } | undefined;
  return row ? Number(row.value) : Number.MIN_SAFE_INTEGER;
}

export const SELECT_META = 'SELECT value FROM meta WHERE key = ?';

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class RollupWriter {
  private readonly tables: TableWriter[] = [];
  private readonly cubeDims: number[][];
  private readonly cubeKeys: string[];
  private readonly getMeta: Statement;
  private readonly setMeta: Statement;
  private readonly compactions: Statement[] = [];
  /** Hours below this are in the day/all rollups too (read by begin()). */
  private compactedUntil = Number.MIN_SAFE_INTEGER;
  /** The last call's dimensions, hour and the pending sums it went to (NaN hour: none). */
  private readonly last: { dims: number[]; hour: number; compacted: boolean; entries: number[][] } = {
    dims: [],
    hour: Number.NaN,
    compacted: false,
    entries: [],
  };

  constructor(db: Database) {
    this.getMeta = db.prepare(SELECT_META);
    this.setMeta = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.cubeDims = CUBES.map((c) => c.dims.map((d) => DIMS.indexOf(d as Dim)));
    this.cubeKeys = new Array(CUBES.length).fill('');
    CUBES.forEach((cube, ci) => {
      for (const grain of cube.grains) {
        const table = rollupTable(cube.name, grain);
        const cols = ['bucket', ...cube.dims, ...MEASURES];
        const key = ['bucket', ...cube.dims].join(', ');
        const upsert = db.prepare(
          `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ` +
            `ON CONFLICT (${key}) DO UPDATE SET ${MEASURES.map((m) => `${m} = ${m} + excluded.${m}`).join(', ')}`,
        );
        const deleteEmpty = db.prepare(
          grain === 'all'
            ? `DELETE FROM ${table} WHERE calls = 0 AND ? IS NOT NULL AND ? IS NOT NULL`
            : `DELETE FROM ${table} WHERE bucket >= ? AND bucket <= ? AND calls = 0`,
        );
        this.tables.push({
          table,
          grain,
          cube: ci,
          dimIndexes: this.cubeDims[ci]!,
          upsert,
          deleteEmpty,
          pending: new Map(),
        });
        if (grain !== 'hour') {
          const dims = cube.dims.join(', ');
          const set = MEASURES.map((m) => `${m} = ${m} + excluded.${m}`).join(', ');
          const groupBy = Array.from({ length: cube.dims.length + 1 }, (_, i) => i + 1).join(', ');
          const sql = cube.fromRaw
            ? `INSERT INTO ${table} (bucket, ${dims}, ${MEASURES.join(', ')}) ` +
              `SELECT ${bucketSql(grain)}, ${cube.dims.map((d) => `ifnull(${d}, 0)`).join(', ')}, ` +
              `${RAW_MEASURES.map((m) => `ifnull(${m}, 0)`).join(', ')} ` +
              `FROM calls WHERE start_time >= ? AND start_time < ? GROUP BY ${groupBy} ` +
              `ON CONFLICT (${key}) DO UPDATE SET ${set}`
            : `INSERT INTO ${table} (bucket, ${dims}, ${MEASURES.join(', ')}) ` +
              `SELECT ${grain === 'day' ? `bucket - (((bucket % ${DAY_MS}) + ${DAY_MS}) % ${DAY_MS})` : '0'}, ` +
              `${dims}, ${MEASURES.map((m) => `sum(${m})`).join(', ')} ` +
              `FROM ${rollupTable(cube.name, 'hour')} WHERE bucket >= ? AND bucket < ? GROUP BY ${groupBy} ` +
              `ON CONFLICT (${key}) DO UPDATE SET ${set}`;
          this.compactions.push(db.prepare(sql));
        }
      }
    });
  }

  /** Call first in each write transaction: reads the compaction watermark. */
  begin(): void {
    this.compactedUntil = readCompactedUntil(this.getMeta);
    this.forgetLast();
  }

  /**
   * Adds the hourly rollups of every whole hour in [watermark, beforeHour) into the day and all-time
   * rollups, and moves the watermark (inside the caller's transaction, after apply()).
   */
  compact(beforeHour: number): void {
    const end = bucketOf(beforeHour, 'hour');
    if (end <= this.compactedUntil) return;
    for (const c of this.compactions) c.run(this.compactedUntil, end);
    this.setMeta.run(COMPACTED_UNTIL, String(end));
    this.compactedUntil = end;
  }

  /** Adds (sign 1) or removes (sign -1) one call's measures. */
  add(fact: Fact, sign: 1 | -1): void {
    const d = fact.dims;
    const hour = bucketOf(fact.startTime, 'hour');
    const compacted = hour < this.compactedUntil;
    const last = this.last;
    // Calls in a row mostly share their model and labels and their hour: the same sums, no keys built.
    const entries =
      last.hour === hour && last.compacted === compacted && sameDims(last.dims, d)
        ? last.entries
        : this.entriesOf(d, hour, compacted);
    const fm = fact.measures;
    for (const m of entries) {
      if (sign === 1) for (let i = 0; i < 14; i++) m[i]! += fm[i]!;
      else for (let i = 0; i < 14; i++) m[i]! -= fm[i]!;
    }
  }

  /** The pending sums a call with these dimensions and hour adds to (made when missing); remembered as `last`. */
  private entriesOf(d: readonly number[], hour: number, compacted: boolean): number[][] {
    for (let c = 0; c < this.cubeDims.length; c++) {
      let k = '';
      for (const i of this.cubeDims[c]!) k += `|${d[i]}`;
      this.cubeKeys[c] = k;
    }
    const day = bucketOf(hour, 'day');
    const entries: number[][] = [];
    for (const t of this.tables) {
      if (t.grain !== 'hour' && !compacted) continue;
      const bucket = t.grain === 'hour' ? hour : t.grain === 'day' ? day : 0;
      const k = bucket + this.cubeKeys[t.cube]!;
      let entry = t.pending.get(k);
      if (!entry) {
        const dims = new Array<number>(t.dimIndexes.length);
        for (let j = 0; j < dims.length; j++) dims[j] = d[t.dimIndexes[j]!]!;
        entry = { bucket, dims, m: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] };
        t.pending.set(k, entry);
      }
      entries.push(entry.m);
    }
    const last = this.last;
    for (let i = 0; i < d.length; i++) last.dims[i] = d[i]!;
    last.dims.length = d.length;
    last.hour = hour;
    last.compacted = compacted;
    last.entries = entries;
    return entries;
  }

  /** Forgets the remembered sums of the last call (they are written or dropped). */
  private forgetLast(): void {
    this.last.hour = Number.NaN;
    this.last.entries = [];
  }

  /** Writes the pending sums (inside the caller's transaction); with `removeEmpty`, drops keys left at 0 calls. */
  apply(removeEmpty = false): void {
    const args: unknown[] = [];
    for (const t of this.tables) {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const e of t.pending.values()) {
        args.length = 0;
        args.push(e.bucket);
        for (const v of e.dims) args.push(v);
        for (const v of e.m) args.push(v);
        t.upsert.run(args);
        if (e.bucket < lo) lo = e.bucket;
        if (e.bucket > hi) hi = e.bucket;
      }
      if (removeEmpty && t.pending.size > 0) t.deleteEmpty.run(lo, hi);
      t.pending.clear();
    }
    this.forgetLast();
  }

  /** Forgets pending sums (after a failed transaction). */
  discard(): void {
    for (const t of this.tables) t.pending.clear();
    this.forgetLast();
  }
}
