// Diagnostic (issue 12, the export part): the OTLP span export's cost per call inside one process
// started the user's way (`--import @tokenmeter/node/register`, defaults: store, OTLP to a sink in
// this process, Prometheus; openai 7, the mock over loopback), switched on and off between blocks
// (bench/diag/perf-export-gc-app.cjs `export`: the batch span processor gets the ended spans or
// not), so there is no per-process bias. A round is one block each way, the order alternating; a
// block is charged from its start to the next block's start. Reports per round on − off: CPU µs
// per call, scavenges per 1,000 calls and scavenge µs per call (perf_hooks 'gc'), median [p25 …
// p75] and a bootstrap 95 % interval of the mean.
// Run: npx tsx bench/diag/perf-export-toggle.ts. Settings: TOGGLE_ROUNDS=40 TOGGLE_CALLS=512
// (one batch of 512 spans per block on) TOGGLE_WARMUP=3000, TOGGLE_PRELOAD (another preload).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { stats } from '../lib/results.js';
import { appDir, onMeasuredCpu, pinCoordinator, ROOT, startMock, startSink } from '../lib/user-level.js';

const ROUNDS = Number(process.env.TOGGLE_ROUNDS ?? 40);
const CALLS = Number(process.env.TOGGLE_CALLS ?? 512);
const WARMUP = Number(process.env.TOGGLE_WARMUP ?? 3000);
const PRELOAD = process.env.TOGGLE_PRELOAD ?? '@tokenmeter/node/register';

interface Snap {
  cpu: number;
  gc: Record<string, number>;
}

pinCoordinator();
const mock = await startMock();
const sink = await startSink();
const env: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env))
  if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('TOKENMETER_') && k !== 'NODE_OPTIONS')
    env[k] = v;
const [cmd, args] = onMeasuredCpu(process.execPath, [
  '--import',
  PRELOAD,
  join(ROOT, 'bench/diag/perf-export-gc-app.cjs'),
]);
const child: ChildProcess = spawn(cmd, args, {
  cwd: ROOT,
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  env: {
    ...env,
    BENCH_APP_DIR: appDir(7),
    BENCH_MOCK_URL: mock.url,
    OTEL_SERVICE_NAME: 'perf-export-toggle',
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint('toggle'),
    TOKENMETER_HOME: mkdtempSync(join(os.tmpdir(), 'perf-export-toggle-')),
    OTEL_EXPORTER_PROMETHEUS_PORT: '0',
  },
});
let nextId = 1;
const waiting = new Map<number, (m: { ok: boolean; result: unknown; error?: string }) => void>();
const ready = new Promise<void>((resolve) =>
  child.on('message', (m: { ready?: boolean; id?: number; ok: boolean; result: unknown }) => {
    if (m.ready) resolve();
    else waiting.get(m.id!)?.(m);
  }),
);
async function ask<T>(msg: object): Promise<T> {
  await ready;
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(id, (m) => (m.ok ? resolve(m.result as T) : reject(new Error(m.error))));
    child.send({ ...msg, id });
  });
}

function bootstrapMean(xs: number[], n = 4000): [number, number] {
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const means: number[] = [];
  for (let b = 0; b < n; b++) {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[Math.floor(rnd() * xs.length)]!;
    means.push(s / xs.length);
  }
  means.sort((a, b) => a - b);
  return [means[Math.floor(n * 0.025)]!, means[Math.floor(n * 0.975)]!];
}

try {
  for (let done = 0; done < WARMUP; done += 500) {
    await ask({ cmd: 'block', calls: 500 });
    await ask({ cmd: 'export', on: (done / 500) % 2 === 0 });
  }
  let last: { side: 'on' | 'off'; snap: Snap } | undefined;
  type Row = { cpu: number; scav: number; scavUs: number };
  const rows = { on: [] as Row[], off: [] as Row[] };
  const charge = (now: Snap) => {
    if (!last) return;
    const d = (k: string) => now.gc[k]! - last!.snap.gc[k]!;
    rows[last.side].push({
      cpu: (now.cpu - last.snap.cpu) / CALLS,
      scav: (d('scavenge') * 1000) / CALLS,
      scavUs: (d('scavengeMs') * 1000) / CALLS,
    });
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of r % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      await ask({ cmd: 'export', on: side === 'on' });
      const snap = await ask<Snap>({ cmd: 'block', calls: CALLS });
      charge(snap);
      last = { side, snap };
    }
  }
  charge(await ask<Snap>({ cmd: 'mark' }));
  const f = (x: number, d = 1) => x.toFixed(d);
  console.log(
    `${process.version}, ${ROUNDS} rounds, blocks of ${CALLS} calls, export on − off per round (median [p25 … p75]; mean [bootstrap 95 %]):`,
  );
  for (const [k, label, d] of [
    ['cpu', 'CPU µs/call', 1],
    ['scav', 'scavenges/1k calls', 2],
    ['scavUs', 'scavenge µs/call (main thread)', 2],
  ] as const) {
    const diff = rows.on.map((x, i) => x[k] - rows.off[i]![k]);
    const s = stats(diff);
    const mean = diff.reduce((a, b) => a + b, 0) / diff.length;
    const [lo, hi] = bootstrapMean(diff);
    const on = stats(rows.on.map((x) => x[k]));
    const off = stats(rows.off.map((x) => x[k]));
    console.log(
      `${label}: on ${f(on.median, d)}, off ${f(off.median, d)}; on − off ${f(s.median, d)} [${f(s.p25, d)} … ${f(s.p75, d)}]; mean ${f(mean, d)} [${f(lo, d)} … ${f(hi, d)}]`,
    );
  }
  console.log('exported', sink.received('toggle'));
} finally {
  child.send({ cmd: 'exit', id: 0 });
  mock.close();
  await sink.close();
}
