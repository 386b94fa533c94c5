// Rollup maintenance: the facts of a batch are summed in memory per (table, bucket, key) and written
// with one UPSERT per distinct key, in the same transaction as the raw rows. Pruning writes the same
// sums negated, so each rollup always equals the sum of the raw rows that remain.
import type Database from 'better-sqlite3';
import { DIMS, type Dim, type Fact } from './rows.js';
import { CUBES_V2, type CubeSchema, type Grain, MEASURES, rollupTable } from './schema.js';
import { DAY_MS, HOUR_MS } from './time.js';

/** The rollups of the current schema, smallest first (the planner takes the first that fits). */
export const CUBES: readonly CubeSchema[] = CUBES_V2;

export function bucketOf(ms: number, grain: Grain): number {
  if (grain === 'all') return 0;
  const size = grain === 'hour' ? HOUR_MS : DAY_MS;
  return ms - (((ms % size) + size) % size);
}

interface TableWriter {
  table: string;
  grain: Grain;
  dimIndexes: number[];
  upsert: Database.Statement;
  deleteEmpty: Database.Statement;
  pending: Map<string, { bucket: number; dims: number[]; m: number[] }>;
}

export class RollupWriter {
  private readonly tables: TableWriter[] = [];

  constructor(db: Database.Database) {
    for (const cube of CUBES) {
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
          dimIndexes: cube.dims.map((d) => DIMS.indexOf(d as Dim)),
          upsert,
          deleteEmpty,
          pending: new Map(),
        });
      }
    }
  }

  /** Adds (sign 1) or removes (sign -1) one call's measures. */
  add(fact: Fact, sign: 1 | -1): void {
    for (const t of this.tables) {
      const bucket = bucketOf(fact.startTime, t.grain);
      let k = String(bucket);
      for (const i of t.dimIndexes) k += `|${fact.dims[i]}`;
      let entry = t.pending.get(k);
      if (!entry) {
        entry = {
          bucket,
          dims: t.dimIndexes.map((i) => fact.dims[i]!),
          m: new Array(MEASURES.length).fill(0),
        };
        t.pending.set(k, entry);
      }
      const m = entry.m;
      for (let i = 0; i < m.length; i++) m[i]! += sign * fact.measures[i]!;
    }
  }

  /** Writes the pending sums (inside the caller's transaction); with `removeEmpty`, drops keys left at 0 calls. */
  apply(removeEmpty = false): void {
    for (const t of this.tables) {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const e of t.pending.values()) {
        t.upsert.run(e.bucket, ...e.dims, ...e.m);
        if (e.bucket < lo) lo = e.bucket;
        if (e.bucket > hi) hi = e.bucket;
      }
      if (removeEmpty && t.pending.size > 0) t.deleteEmpty.run(lo, hi);
      t.pending.clear();
    }
  }

  /** Forgets pending sums (after a failed transaction). */
  discard(): void {
    for (const t of this.tables) t.pending.clear();
  }
}
