// Pruning: calls older than a cutoff are deleted, and what they added to the rollups is taken back,
// in transactions of about PRUNE_CHUNK calls cut on whole hours, so concurrent writers get the lock
// in between and the rollups stay equal to the calls that remain.
import type { Database } from './driver/index.js';
import { RollupWriter } from './rollups.js';
import { DIMS, type Fact } from './rows.js';
import { ROW_MEASURES } from './schema.js';
import { HOUR_MS } from './time.js';

/** Rows deleted per prune transaction (about), so concurrent writers get the lock in between. */
const PRUNE_CHUNK = 20_000;

/**
 * A stored call's rollup fact, read straight from `calls`: its start time, then DIMS (0 = not set),
 * then its own value of each MEASURE. The columns come from those lists, so the fact cannot drift
 * from their order.
 */
const SELECT_FACTS =
  `SELECT start_time, ${DIMS.map((d) => `coalesce(${d}, 0)`).join(', ')}, ${ROW_MEASURES.join(', ')} ` +
  'FROM calls WHERE start_time < ?';

function factOf(r: number[]): Fact {
  return {
    startTime: r[0]!,
    dims: r.slice(1, 1 + DIMS.length),
    measures: r.slice(1 + DIMS.length),
  };
}

/** Deletes the calls that started before `cutoffMs` with their rollup contributions; returns how many. */
export function pruneCalls(db: Database, cutoffMs: number): number {
  const rollups = new RollupWriter(db);
  const firstTime = db.prepare('SELECT min(start_time) AS t FROM calls');
  const nth = db.prepare(
    'SELECT start_time AS t FROM calls WHERE start_time >= ? ORDER BY start_time LIMIT 1 OFFSET ?',
  );
  const select = db.prepare(SELECT_FACTS).raw(true);
  const del = db.prepare('DELETE FROM calls WHERE start_time < ?');
  const chunk = db.transaction((end: number): number => {
    rollups.begin();
    for (const r of select.iterate(end) as Iterable<number[]>) rollups.add(factOf(r), -1);
    rollups.apply(true);
    return del.run(end).changes;
  });
  let deleted = 0;
  for (;;) {
    const first = (firstTime.get() as { t: number | null }).t;
    if (first === null || first >= cutoffMs) break;
    const ahead = (nth.get(first, PRUNE_CHUNK) as { t: number } | undefined)?.t;
    const floorH = (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS;
    const end =
      ahead === undefined ? cutoffMs : Math.min(cutoffMs, Math.max(floorH(ahead), floorH(first) + HOUR_MS));
    try {
      deleted += chunk.immediate(end);
    } catch (err) {
      rollups.discard();
      throw err;
    }
  }
  if (deleted > 0) db.pragma('incremental_vacuum');
  return deleted;
}
