// tokenmeter reprice over 1M stored calls: the bench's synthetic store (gen-store.ts, priced at its
// own made-up rates) re-priced with the real catalog, so almost every call changes price and is
// rewritten with its rollups; then the same again (nothing changes: the read-and-price rate), and a
// dry run. Each run on a fresh copy of the generated store.
//
//   npm run bench -- reprice          (BENCH_REPRICE_ROWS=1000000 by default)
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { storedCallPricer } from '../packages/cli/src/money/stored-call-price.js';
import * as pricing from '../packages/pricing/src/index.js';
import { openStore } from '../packages/store/src/index.js';
import { DEFAULT_GEN, generateStore } from './gen-store.js';
import { machine, stats, writeSection } from './lib/results.js';

const ROWS = Number(process.env.BENCH_REPRICE_ROWS ?? 1_000_000);
const RUNS = 3;
const source = resolve(`bench/.data/reprice-${ROWS}.db`);
const work = resolve(`bench/.data/reprice-${ROWS}-work.db`);
const END = Date.UTC(2026, 10, 23, 20);

if (!existsSync(source)) {
  console.log(`generating ${ROWS.toLocaleString('en-US')} calls into ${source}`);
  generateStore(source, { ...DEFAULT_GEN, rows: ROWS, endMs: END });
}

function fresh(): void {
  for (const s of ['', '-wal', '-shm']) rmSync(work + s, { force: true });
  const store = openStore(source); // checkpoints the WAL into the file before copying
  store.close();
  copyFileSync(source, work);
}

const price = storedCallPricer(pricing);
const rows: { name: string; rates: number[]; cpuRates: number[]; changed: number; calls: number }[] = [];
for (const [name, prepare, dryRun] of [
  ['first run: --only all, prices change (rewritten with rollups)', true, false],
  ['second run: --only all, nothing changes', false, false],
  ['--only all --dry-run', false, true],
] as const) {
  const rates: number[] = [];
  const cpuRates: number[] = [];
  let changed = 0;
  let calls = 0;
  for (let i = 0; i < RUNS; i++) {
    if (prepare || i === 0) fresh();
    if (!prepare && !dryRun) openStore(work).reprice({ price, only: 'all' });
    const store = openStore(work);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = store.reprice({ price, only: 'all', dryRun });
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    store.close();
    rates.push(r.calls / s);
    cpuRates.push(r.calls / ((cpu.user + cpu.system) / 1e6));
    changed = r.changed;
    calls = r.calls;
    console.log(`${name}: ${Math.round(r.calls / s).toLocaleString('en-US')} calls/s (${r.changed} changed)`);
  }
  rows.push({ name, rates, cpuRates, changed, calls });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
writeSection(
  'reprice',
  `## Reprice (\`bench/reprice.bench.ts\`)

${machine()}. Store: ${ROWS.toLocaleString('en-US')} synthetic calls over 45 days (\`bench/gen-store.ts\`, priced at
made-up rates), re-priced with the bundled catalog through \`store.reprice\` and the CLI's price
function (\`storedCallPricer\`: every stored token count, the call's time, tier and server). Batches of
5,000 calls, one IMMEDIATE transaction each (rows and rollups): each batch read as one JSON array of
the pricing columns only, calls whose price is unchanged skipped in JavaScript, the new prices of
the changed ones put in a temporary table (64 calls per INSERT) and joined with their rows by one
INSERT ... SELECT that computes their rollup keys and differences of price in SQLite, the 13 rollup
tables moved by one upsert-select each, the rows by one UPDATE. ${RUNS} runs each on a fresh copy;
calls/s over the calls looked at (those with usage). **The machine was shared with other work
while this ran (load average ${(os.loadavg()[0] ?? 0).toFixed(0)} on ${os.cpus().length} cores at the end): wall-clock rates are a lower bound;
calls per CPU-second (the process's own user + system time) are less disturbed.** Goal: ≥ 200,000 calls/s.

| run | median calls/s (wall) | min–max | median calls per CPU-second | calls looked at | changed |
|---|---:|---:|---:|---:|---:|
${rows
  .map((r) => {
    const st = stats(r.rates);
    const cpu = stats(r.cpuRates);
    return `| ${r.name} | ${fmt(st.median)} | ${fmt(st.min)}–${fmt(st.max)} | ${fmt(cpu.median)} | ${fmt(r.calls)} | ${fmt(r.changed)} |`;
  })
  .join('\n')}

Rerun: \`npm run bench -- reprice\` (\`BENCH_REPRICE_ROWS\` to change the size; the generated store is
kept in \`bench/.data/\`).`,
);
for (const s of ['', '-wal', '-shm']) rmSync(work + s, { force: true });
