import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { stats } from '../lib/results.js';
import { appDir, pinCoordinator, ROOT, startMock, startSink } from '../lib/user-level.js';
import { IpcApp, variantsFrom } from './ipc-app.js';

const REPLICAS = Number(process.env.THREADS_REPLICAS ?? 8);
const ROUNDS = Number(process.env.THREADS_ROUNDS ?? 8);
const WARM = Number(process.env.THREADS_WARM ?? 5);
const CALLS = Number(process.env.THREADS_CALLS ?? 256);
const PROFILE = process.env.THREADS_PROFILE;
const NODE_ARGS = (process.env.THREADS_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const VARIANTS = variantsFrom(process.env.THREADS_VARIANTS ?? 'on=;none=OTEL_TRACES_EXPORTER=none');

interface Snap {
  cpu: number;
  pid: number;
  threads: Record<string, { ns: number; name: string }>;
  gc: Record<string, number>;
}

/** µs per call of each thread group between two snapshots: total, main, and the others by name#order. */
function perThread(a: Snap, b: Snap, calls: number): Record<string, number> {
  const out: Record<string, number> = { process: (b.cpu - a.cpu) / calls };
  const others = Object.keys(b.threads)
    .filter((t) => Number(t) !== b.pid)
    .sort((x, y) => Number(x) - Number(y));
  out.main = (b.threads[b.pid]!.ns - (a.threads[a.pid]?.ns ?? 0)) / 1000 / calls;
  let otherSum = 0;
  others.forEach((t, i) => {
    const us = (b.threads[t]!.ns - (a.threads[t]?.ns ?? 0)) / 1000 / calls;
    out[`${b.threads[t]!.name}#${i}`] = us;
    otherSum += us;
  });
  out.others = otherSum;
  for (const k of Object.keys(b.gc))
    out[`gc.${k}`] = ((b.gc[k]! - a.gc[k]!) * (k.endsWith('Ms') ? 1000 : 1000)) / calls;
  return out;
}

pinCoordinator();
const mock = await startMock();
const sink = await startSink();
const home = mkdtempSync(join(os.tmpdir(), 'perf-export-threads-'));
if (PROFILE) mkdirSync(PROFILE, { recursive: true });
const base: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env))
  if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('TOKENMETER_') && k !== 'NODE_OPTIONS')
    base[k] = v;

const results: Record<string, number>[][] = VARIANTS.map(() => []);
const perRound: number[][][] = VARIANTS.map(() => []);
const f = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(1);
try {
  for (let r = 0; r < REPLICAS; r++) {
    const apps = VARIANTS.map(
      (v, i) =>
        new IpcApp(
          [...NODE_ARGS, '--import', v.preload, join(ROOT, 'bench/diag/perf-export-threads-app.cjs')],
          {
            ...base,
            BENCH_APP_DIR: appDir(7),
            BENCH_MOCK_URL: mock.url,
            OTEL_SERVICE_NAME: `perf-export-threads-${v.name}`,
            OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint(v.name),
            TOKENMETER_HOME: join(home, `${v.name}-${r}-${i}`),
            OTEL_EXPORTER_PROMETHEUS_PORT: '0',
            ...v.env,
          },
        ),
    );
    const first: (Snap | undefined)[] = apps.map(() => undefined);
    const prevCpu: number[] = apps.map(() => 0);
    const rounds: number[][] = apps.map(() => []);
    for (let round = 0; round < WARM + ROUNDS + 1; round++) {
      const order = apps.map((_, i) => (i + r + round) % apps.length);
      for (const i of order) {
        const recorded = round >= WARM;
        if (PROFILE && round === WARM) await apps[i]!.ask({ cmd: 'profile' });
        const last = round === WARM + ROUNDS;
        const snap = await apps[i]!.ask<Snap>(last ? { cmd: 'mark' } : { cmd: 'block', calls: CALLS });
        if (recorded && round > WARM) rounds[i]!.push((snap.cpu - prevCpu[i]!) / CALLS);
        prevCpu[i] = snap.cpu;
        if (round === WARM) first[i] = snap;
        if (last) {
          results[i]!.push(perThread(first[i]!, snap, CALLS * ROUNDS));
          if (PROFILE)
            await apps[i]!.ask({
              cmd: 'profile',
              file: join(PROFILE, `${VARIANTS[i]!.name}-${r}.cpuprofile`),
            });
        }
      }
    }
    for (const [i, x] of rounds.entries()) perRound[i]!.push(x);
    await Promise.all(apps.map((a) => a.exit()));
    const [a, b] = [results[0]![r]!, results[1]![r]!];
    console.log(
      `replica ${r}: ${VARIANTS[0]!.name} − ${VARIANTS[1]!.name} process ${f(a.process! - b.process!)} main ${f(
        a.main! - b.main!,
      )} others ${f(a.others! - b.others!)} µs/call; by round ${rounds[0]!
        .map((x, j) => f(x - rounds[1]![j]!))
        .join(' ')}`,
    );
  }
  const keys = [...new Set(results.flatMap((rs) => rs.flatMap((x) => Object.keys(x))))];
  const show = (xs: number[]) => {
    const s = stats(xs);
    return `${f(s.median)} [${f(s.min)} … ${f(s.max)}]`;
  };
  console.log(
    `\n${process.version}, ${REPLICAS} replicas, ${WARM} + ${ROUNDS} rounds of ${CALLS} calls; µs per recorded call, median [min … max] over replicas`,
  );
  for (const k of keys) {
    const parts = VARIANTS.map((v, i) => `${v.name} ${show(results[i]!.map((x) => x[k] ?? 0))}`);
    const diff = results[0]!.map((x, j) => (x[k] ?? 0) - (results[1]![j]![k] ?? 0));
    console.log(
      `${k.padEnd(14)} ${parts.join('; ')}; ${VARIANTS[0]!.name} − ${VARIANTS[1]!.name} ${show(diff)}`,
    );
  }
  const byRound = perRound[0]![0]!.map((_, j) =>
    show(perRound[0]!.map((rs, rep) => rs[j]! - perRound[1]![rep]![j]!)),
  );
  console.log(
    `by recorded round (${VARIANTS[0]!.name} − ${VARIANTS[1]!.name}, process): ${byRound.join('; ')}`,
  );
  for (const v of VARIANTS) console.log(`${v.name} exported`, sink.received(v.name));
} finally {
  mock.close();
  await sink.close();
}
