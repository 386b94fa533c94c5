// Diagnostic (issue 12, the store part, no assertions): a store batch split into BEGIN IMMEDIATE,
// the body (the preload's Ingestor: rows, rollups; a savepoint inside our transaction) and COMMIT,
// each timed in process CPU and wall, with GAP_MS of the app's kind of work between batches (an
// allocating loop, so that caches are as cold as between the writer's 250 ms batches in an app).
// Records shaped like the preload's (bench/store-writer-ab.ts). Checkpoint batches (the WAL header's
// sequence changed at the next batch) are reported apart.
// Run: npx tsx bench/diag/perf-store-commit.ts [batches] [records per batch] [gap ms]
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { StringDict } from '../../packages/store/src/dict.js';
import { Ingestor } from '../../packages/store/src/ingest.js';
import { openDatabase } from '../../packages/store/src/open.js';
import type { CallInput } from '../../packages/store/src/types.js';
import { storedChatRecord } from '../lib/priced-call.js';
import { stats } from '../lib/results.js';

const BATCHES = Number(process.argv[2] ?? 120);
const BATCH = Number(process.argv[3] ?? 250);
const GAP_MS = Number(process.argv[4] ?? 100);
let seq = 0;
function record(): CallInput {
  return storedChatRecord(seq++);
}
const tmp = mkdtempSync(join(os.tmpdir(), 'perf-store-parts-'));
const path = join(tmp, 'store.db');
const db = openDatabase(path, { busyTimeoutMs: 100 });
const ingestor = new Ingestor(db, new StringDict(db));
const walSeq = () => {
  try {
    const fd = openSync(`${path}-wal`, 'r');
    const b = Buffer.alloc(16);
    readSync(fd, b, 0, 16, 0);
    closeSync(fd);
    return b.readUInt32BE(12);
  } catch {
    return -1;
  }
};
const cpu = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
let junk: unknown[] = [];
const rows: { begin: number[]; body: number[]; commit: number[]; seq: number }[] = [];
for (let b = 0; b < BATCHES; b++) {
  const until = performance.now() + GAP_MS;
  while (performance.now() < until) {
    junk = [];
    for (let k = 0; k < 2000; k++) junk.push({ k, s: `x${k}`.repeat(8) });
  }
  const records = Array.from({ length: BATCH }, record);
  const t = [performance.now()];
  const c = [cpu()];
  db.exec('BEGIN IMMEDIATE');
  t.push(performance.now());
  c.push(cpu());
  ingestor.insert(records);
  t.push(performance.now());
  c.push(cpu());
  db.exec('COMMIT');
  t.push(performance.now());
  c.push(cpu());
  const part = (i: number) => [(c[i + 1]! - c[i]!) / BATCH, ((t[i + 1]! - t[i]!) * 1000) / BATCH];
  rows.push({ begin: part(0), body: part(1), commit: part(2), seq: walSeq() });
}
db.close();
rmSync(tmp, { recursive: true, force: true });
const ckpt = rows.map((r, i) => i + 1 < rows.length && rows[i + 1]!.seq !== r.seq);
const f = (x: number) => x.toFixed(2);
console.log(
  `${process.version}: ${BATCHES} batches of ${BATCH}, ${GAP_MS} ms of allocating work between; µs per record, median [p25 … p75] / mean (CPU; wall)`,
);
for (const [label, want] of [
  ['no checkpoint', false],
  ['checkpoint', true],
] as const) {
  const set = rows.slice(3).filter((_, i) => ckpt[i + 3] === want);
  if (set.length === 0) continue;
  const line = (['begin', 'body', 'commit'] as const).map((k) => {
    const cs = set.map((r) => r[k][0]!);
    const ws = set.map((r) => r[k][1]!);
    const s = stats(cs);
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    return `${k} CPU ${f(s.median)} [${f(s.p25)} … ${f(s.p75)}] / ${f(mean(cs))}; wall ${f(stats(ws).median)} / ${f(mean(ws))}`;
  });
  console.log(`${label} (${set.length} batches): ${line.join(' | ')}`);
}
