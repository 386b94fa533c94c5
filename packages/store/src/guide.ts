// Rollup-guided scans. `calls` has no index per dimension (each would cost a random page write per
// call at ingest, halving the write rate); instead the hourly and daily rollups say which UTC hours
// hold calls matching a filter's dimensions, and only those hours of raw rows are read, through
// the start_time index. A rare user over a month reads a handful of hours; a frequent one finds a
// full page in the newest hour.
import type { ResolvedFilter, StatementCache } from './query.js';
import type { Dim } from './rows.js';
import { CUBES_V2, type CubeSchema, rollupTable } from './schema.js';
import { DAY_MS, HOUR_MS } from './time.js';

/** Guide cubes in order of preference: the one of the most selective dimension first. */
const GUIDES: { when: Dim; cube: string }[] = [
  { when: 'user', cube: 'user' },
  { when: 'tenant', cube: 'tenant' },
  { when: 'feature', cube: 'feature' },
];

export class Guide {
  private readonly dayProbe;
  private readonly hourProbe;
  private readonly userNextDay: ReturnType<StatementCache['get']> | null = null;
  private readonly userId: number | null = null;
  private readonly params: unknown[];

  private constructor(
    stmts: StatementCache,
    cube: CubeSchema,
    f: ResolvedFilter,
    private readonly dayLimit: number,
    desc: boolean,
  ) {
    const conds: string[] = [];
    this.params = [];
    for (const { col, id } of f.eq) {
      if (cube.dims.includes(col)) {
        conds.push(`${col} = ?`);
        this.params.push(id);
      }
    }
    if (f.model !== null && cube.dims.includes('request_model')) {
      conds.push('(request_model = ? OR response_model = ?)');
      this.params.push(f.model, f.model);
    }
    const where = conds.map((c) => ` AND ${c}`).join('');
    this.dayProbe = stmts.get(
      `SELECT 1 FROM ${rollupTable(cube.name, 'day')} WHERE bucket = ?${where} LIMIT 1`,
    );
    this.hourProbe = stmts.get(
      `SELECT 1 FROM ${rollupTable(cube.name, 'hour')} WHERE bucket = ?${where} LIMIT 1`,
    );
    const user = f.eq.find((e) => e.col === 'user');
    if (cube.name === 'user' && user) {
      this.userId = user.id;
      this.userNextDay = stmts.get(
        desc
          ? 'SELECT max(bucket) AS d FROM rollup_user_day WHERE user = ? AND bucket <= ?'
          : 'SELECT min(bucket) AS d FROM rollup_user_day WHERE user = ? AND bucket >= ?',
      );
    }
  }

  /** A guide for the filter's dimensions, or null when it has none (use a time-ordered index). */
  static for(
    stmts: StatementCache,
    f: ResolvedFilter,
    compactedUntil: number,
    dir: 'ASC' | 'DESC',
  ): Guide | null {
    if (f.eq.length === 0 && f.model === null) return null;
    const cols = new Set(f.eq.map((e) => e.col));
    const name = GUIDES.find((g) => cols.has(g.when))?.cube ?? 'base';
    const cube = CUBES_V2.find((c) => c.name === name)!;
    return new Guide(stmts, cube, f, Math.floor(compactedUntil / DAY_MS) * DAY_MS, dir === 'DESC');
  }

  /** Start of each UTC hour overlapping [lo, hi) that holds a matching call, in `dir` order. */
  *hours(lo: number, hi: number, dir: 'ASC' | 'DESC'): Generator<number> {
    if (lo >= hi) return;
    const desc = dir === 'DESC';
    const firstDay = Math.floor((desc ? hi - 1 : lo) / DAY_MS) * DAY_MS;
    const lastDay = Math.floor((desc ? lo : hi - 1) / DAY_MS) * DAY_MS;
    const step = desc ? -DAY_MS : DAY_MS;
    let day = firstDay;
    while (desc ? day >= lastDay : day <= lastDay) {
      if (day + DAY_MS <= this.dayLimit) {
        // A compacted day: its day rollup says whether to look at its hours.
        if (this.userNextDay) {
          const d = (this.userNextDay.get(this.userId, day) as { d: number | null }).d;
          if (d === null) {
            if (desc) return;
            day = Math.max(day + DAY_MS, this.dayLimit);
            continue;
          }
          if (d !== day) {
            day = d;
            continue;
          }
        } else if (!this.dayProbe.get(day, ...this.params)) {
          day += step;
          continue;
        }
      }
      for (let i = 0; i < 24; i++) {
        const hour = day + (desc ? 23 - i : i) * HOUR_MS;
        if (hour + HOUR_MS <= lo || hour >= hi) continue;
        if (this.hourProbe.get(hour, ...this.params)) yield hour;
      }
      day += step;
    }
  }
}
