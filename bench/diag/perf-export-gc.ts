import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { stats } from '../lib/results.js';
import { appDir, pinCoordinator, ROOT, startMock, startSink } from '../lib/user-level.js';
import { IpcApp } from './ipc-app.js';

const ROUNDS = Number(process.env.GC_ROUNDS ?? 24);
const CALLS = Number(process.env.GC_CALLS ?? 256);
const WARMUP = Number(process.env.GC_WARMUP ?? 3000);
const PRELOAD = process.env.GC_PRELOAD ?? '@tokenmeter/node/register';
const VARIANTS = (process.env.GC_VARIANTS ?? 'defaults=;none=OTEL_TRACES_EXPORTER=none')
  .split(';')
  .map((v) => {
    const eq = v.indexOf('=');
    const settings = v
      .slice(eq + 1)
      .split(/\s+/)
      .filter((kv) => kv.includes('='));
    return {
      name: v.slice(0, eq),
      env: Object.fromEntries(
        settings.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      ),
    };
  });

interface Snap {
  cpu: number;
  oldUsed: number;
  gc: Record<string, number>;
}

pinCoordinator();
const mock = await startMock();
const sink = await startSink();
const home = mkdtempSync(join(os.tmpdir(), 'perf-export-gc-'));
const base: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env))
  if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('TOKENMETER_') && k !== 'NODE_OPTIONS')
    base[k] = v;
const apps = VARIANTS.map(
  (v) =>
    new IpcApp(['--import', PRELOAD, join(ROOT, 'bench/diag/perf-export-gc-app.cjs')], {
      ...base,
      BENCH_APP_DIR: appDir(7),
      BENCH_MOCK_URL: mock.url,
      OTEL_SERVICE_NAME: `perf-export-gc-${v.name}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint(v.name),
      TOKENMETER_HOME: join(home, v.name),
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      ...v.env,
    }),
);
type Row = {
  cpu: number;
  scav: number;
  scavUs: number;
  mc: number;
  mcUs: number;
  inc: number;
  oldKB: number;
};
const rows: Row[][] = VARIANTS.map(() => []);
try {
  for (let done = 0; done < WARMUP; done += 500)
    for (const a of apps) await a.ask({ cmd: 'block', calls: 500 });
  const last: (Snap | undefined)[] = apps.map(() => undefined);
  const charge = (i: number, now: Snap) => {
    const prev = last[i];
    if (prev) {
      const g = (k: string) => now.gc[k]! - prev.gc[k]!;
      rows[i]!.push({
        cpu: (now.cpu - prev.cpu) / CALLS,
        scav: (g('scavenge') * 1000) / CALLS,
        scavUs: (g('scavengeMs') * 1000) / CALLS,
        mc: (g('markCompact') * 1000) / CALLS,
        mcUs: (g('markCompactMs') * 1000) / CALLS,
        inc: (g('incrementalMs') * 1000) / CALLS,
        oldKB: now.oldUsed / 1024,
      });
    }
    last[i] = now;
  };
  for (let r = 0; r <= ROUNDS; r++) {
    const order = apps.map((_, i) => (i + r) % apps.length);
    for (const i of order)
      charge(i, await apps[i]!.ask<Snap>({ cmd: r === ROUNDS ? 'mark' : 'block', calls: CALLS }));
  }
  const f = (x: number, d = 1) => x.toFixed(d);
  const show = (xs: number[], d = 1) => {
    const s = stats(xs);
    return `${f(s.median, d)} [${f(s.p25, d)} … ${f(s.p75, d)}]`;
  };
  const cols: [keyof Row, string, number][] = [
    ['cpu', 'CPU µs/call', 1],
    ['scav', 'scavenges/1k calls', 1],
    ['scavUs', 'scavenge µs/call', 2],
    ['mc', 'mark-compacts/1k calls', 2],
    ['mcUs', 'mark-compact µs/call', 2],
    ['inc', 'incremental marking µs/call', 2],
    ['oldKB', 'old space used kB', 0],
  ];
  console.log(`${process.version}, ${ROUNDS} rounds of ${CALLS} calls per variant (median [p25 … p75])`);
  for (const [k, label, d] of cols) {
    const parts = VARIANTS.map(
      (v, i) =>
        `${v.name} ${show(
          rows[i]!.map((x) => x[k]),
          d,
        )}`,
    );
    const diff = rows[0]!.map((x, j) => x[k] - rows[1]![j]![k]);
    console.log(
      `${label}: ${parts.join('; ')}; ${VARIANTS[0]!.name} − ${VARIANTS[1]!.name} per round ${show(diff, d)}`,
    );
  }
  for (const v of VARIANTS) console.log(`${v.name} exported`, sink.received(v.name));
} finally {
  await Promise.all(apps.map((a) => a.exit()));
  mock.close();
  await sink.close();
}
