// Diagnostic for the reprice bench: where a re-price spends its CPU when prices change. Re-prices the
// first DAYS days of the bench's 1M store (a fresh copy each time) with one part of the write
// knocked out, or with every statement's CPU time counted, or rebuilds one day of every rollup
// from `calls` (the alternative to moving the rollups by differences). Not a unit test: the knocked
// out runs leave the store inconsistent on purpose, on a copy that is deleted afterwards.
//
//   npx tsx bench/reprice-parts.ts MODE [DAYS]
//   MODE: full | dry | no-rollups | no-update | no-writes | parts (CPU per statement) | rebuild-day
//   BENCH_REPRICE_SOURCE=path  another store (e.g. one re-priced already: nothing changes)
import { copyFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { storedCallPricer } from '../packages/cli/src/money/stored-call-price.js';
import * as pricing from '../packages/pricing/src/index.js';
import type { Database, Statement } from '../packages/store/src/driver/index.js';
import { openStore } from '../packages/store/src/index.js';
import { Repricer } from '../packages/store/src/reprice.js';
import { CUBES } from '../packages/store/src/rollups.js';
import { bucketSql, MEASURES, RAW_MEASURES, rollupTable } from '../packages/store/src/schema.js';

const MODES = ['full', 'dry', 'no-rollups', 'no-update', 'no-writes', 'parts', 'rebuild-day'];
const mode = process.argv[2] ?? 'full';
if (!MODES.includes(mode)) throw new Error(`MODE must be one of ${MODES.join(', ')}; got ${mode}`);
const days = Number(process.argv[3] ?? 10);
const source = resolve(process.env.BENCH_REPRICE_SOURCE ?? 'bench/.data/reprice-1000000.db');
const work = resolve(`bench/.data/reprice-parts-${process.pid}.db`);
const END = Date.UTC(2026, 10, 23, 20); // the bench store's last hour (reprice.bench.ts)
const START = END - 45 * 86_400_000;
const DAY = 86_400_000;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const removeWork = () => {
  for (const s of ['', '-wal', '-shm']) rmSync(work + s, { force: true });
};
removeWork();
copyFileSync(source, work);
const store = openStore(work);
// The diagnostic reaches into the store's connection and the repricer's writer on purpose.
const inside = store as unknown as { db: Database; dict: ConstructorParameters<typeof Repricer>[1] };
const db = inside.db;

/** CPU ms per statement (by its first words), counted when MODE is `parts`. */
const cpuBy = new Map<string, number>();
if (mode === 'parts') {
  const prepare = db.prepare.bind(db);
  (db as { prepare: (sql: string) => Statement }).prepare = (sql: string): Statement => {
    const stmt = prepare(sql);
    const name = sql.startsWith('SELECT json') ? 'read the batch' : (/^\w+ \w+ [\w.]+/.exec(sql)?.[0] ?? sql);
    for (const f of ['run', 'get', 'all'] as const) {
      const orig = stmt[f].bind(stmt) as (...a: unknown[]) => unknown;
      (stmt as unknown as Record<string, unknown>)[f] = (...a: unknown[]) => {
        const t = cpuMs();
        try {
          return orig(...a);
        } finally {
          cpuBy.set(name, (cpuBy.get(name) ?? 0) + cpuMs() - t);
        }
      };
    }
    return stmt;
  };
}

if (mode === 'rebuild-day') {
  // One whole day of every rollup table rebuilt from its calls (GROUP BY), inside a rolled back
  // transaction: what re-pricing by rebuilding buckets would cost instead of moving them.
  const d0 = START + 5 * DAY - ((START + 5 * DAY) % DAY);
  const n = db
    .prepare('SELECT count(*) AS n FROM calls WHERE start_time >= ? AND start_time < ?')
    .get(d0, d0 + DAY);
  console.log(`rebuild of one UTC day (${(n as { n: number }).n} calls) from calls, CPU per table:`);
  db.exec('BEGIN IMMEDIATE');
  let total = 0;
  for (const cube of CUBES)
    for (const grain of cube.grains) {
      if (grain === 'all') continue;
      const table = rollupTable(cube.name, grain);
      const key = ['bucket', ...cube.dims].join(', ');
      const del = db.prepare(`DELETE FROM ${table} WHERE bucket >= ? AND bucket < ?`);
      const ins = db.prepare(
        `INSERT INTO ${table} (${key}, ${MEASURES.join(', ')}) SELECT ${bucketSql(grain)}, ` +
          `${cube.dims.map((d) => `ifnull(${d}, 0)`).join(', ')}, ${RAW_MEASURES.join(', ')} FROM calls ` +
          `WHERE start_time >= ? AND start_time < ? GROUP BY ${Array.from({ length: cube.dims.length + 1 }, (_, i) => i + 1).join(', ')}`,
      );
      const t = cpuMs();
      del.run(d0, d0 + DAY);
      const keys = ins.run(d0, d0 + DAY).changes;
      const ms = cpuMs() - t;
      total += ms;
      console.log(`  ${ms.toFixed(0).padStart(5)} ms  ${table} (${keys} keys)`);
    }
  console.log(`  ${total.toFixed(0).padStart(5)} ms  in all`);
  db.exec('ROLLBACK');
} else {
  const repricer = new Repricer(db, inside.dict);
  const price = storedCallPricer(pricing);
  if (mode.startsWith('no-')) {
    // A first, empty run creates the writer; then its statements are knocked out.
    repricer.run({ price, only: 'all', since: START - 10, until: START - 5 });
    const writer = (repricer as unknown as { writer: Record<string, unknown> }).writer;
    const noop = { run() {} };
    if (mode === 'no-rollups' || mode === 'no-writes')
      for (const t of writer.tables as Record<string, unknown>[])
        for (const k of ['delta', 'leave', 'join', 'deleteEmpty']) if (t[k]) t[k] = noop;
    if (mode === 'no-update' || mode === 'no-writes') writer.update = noop;
  }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = repricer.run({
    price,
    only: 'all',
    dryRun: mode === 'dry',
    until: START + days * DAY,
    batchSize: Number(process.env.BENCH_REPRICE_BATCH ?? 5000),
  });
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cs = (cpu.user + cpu.system) / 1e6;
  console.log(
    `${mode}: ${r.calls} calls, ${r.changed} changed: wall ${s.toFixed(2)} s, CPU ${cs.toFixed(2)} s ` +
      `(${Math.round(r.calls / s)} calls/s, ${Math.round(r.calls / cs)} calls per CPU-second)`,
  );
  let counted = 0;
  for (const [k, v] of [...cpuBy].sort((a, b) => b[1] - a[1])) {
    counted += v;
    console.log(`  ${v.toFixed(0).padStart(6)} ms  ${k}`);
  }
  if (cpuBy.size)
    console.log(`  ${(cs * 1000 - counted).toFixed(0).padStart(6)} ms  the rest (pricing in JS, commits)`);
}
store.close();
removeWork();
