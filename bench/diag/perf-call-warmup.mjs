// Diagnostic (issue 12, node20): how the preload's added CPU per non-streamed call changes with the
// number of calls a process has made (JIT warm-up), and on which threads it lands. Pairs of
// long-lived app processes (bench/diag/perf-call-warmup-app.cjs), bare and under `--import
// @tokenmeter/node/register` with its defaults (OTLP traces to a local sink that answers 200, store
// on, Prometheus on a port of its own), run blocks of calls in rotating order from their first call;
// the report gives, per window of rounds, the preload's process CPU per call minus its bare pair's
// (mean and median [p25 … p75] over rounds and pairs) and the part of it on V8's platform threads.
// Plain JavaScript: runs under any Node binary (Linux only: per-thread CPU from /proc).
//
// Run: <node> bench/diag/perf-call-warmup.mjs. Settings: WARMUP_PAIRS=2 WARMUP_ROUNDS=80
// WARMUP_CALLS=250 (a block) WARMUP_WINDOWS=8 WARMUP_OPENAI=7 WARMUP_ENV (space-separated K=V for
// the preloaded app, e.g. its parts off) WARMUP_NODE (the app's node binary; default this one)
// WARMUP_PIN=1 (as the headline pins: each app with all its threads on CPU 0 via taskset, this
// coordinator and the mock on CPU 1).
import { spawn } from 'node:child_process';
import { root, startMock, startSink } from './perf-stream26-mock.mjs';

const PAIRS = Number(process.env.WARMUP_PAIRS ?? 2);
const ROUNDS = Number(process.env.WARMUP_ROUNDS ?? 80);
const CALLS = Number(process.env.WARMUP_CALLS ?? 250);
const WINDOWS = Number(process.env.WARMUP_WINDOWS ?? 8);
const NODE = process.env.WARMUP_NODE ?? process.execPath;
const PIN = process.env.WARMUP_PIN === '1';
if (PIN) spawn('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
const extra = Object.fromEntries(
  (process.env.WARMUP_ENV ?? '')
    .split(/\s+/)
    .filter((kv) => kv.includes('='))
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

const sink = await startSink();
const mock = await startMock();
if (PIN) spawn('taskset', ['-a', '-p', '-c', '1', String(mock.child.pid)], { stdio: 'ignore' });

const base = {};
for (const [k, v] of Object.entries(process.env))
  if (!k.startsWith('OTEL_') && !k.startsWith('TOKENMETER_') && k !== 'NODE_OPTIONS') base[k] = v;
Object.assign(base, {
  BENCH_APP_DIR: `${root}bench/.data/apps/openai${process.env.WARMUP_OPENAI ?? 7}`,
  BENCH_MOCK_URL: mock.url,
  OTEL_SERVICE_NAME: 'perf-call-warmup',
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.address().port}`,
});

let port = 20000 + (process.pid % 2000) * 8;
class App {
  constructor(preload) {
    const args = preload ? ['--import', '@tokenmeter/node/register'] : [];
    const env = { ...base, ...(preload ? extra : {}), OTEL_EXPORTER_PROMETHEUS_PORT: String(port++) };
    const argv = [...args, `${root}bench/diag/perf-call-warmup-app.cjs`];
    this.child = spawn(PIN ? 'taskset' : NODE, PIN ? ['-c', '0', NODE, ...argv] : argv, {
      cwd: root,
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve) =>
      this.child.on('message', (m) => (m.ready ? resolve() : this.reply?.(m))),
    );
  }
  async block() {
    await this.ready;
    return new Promise((resolve, reject) => {
      this.reply = (m) => (m.ok ? resolve(m.result) : reject(new Error(m.error)));
      this.child.send({ cmd: 'block', calls: CALLS });
    });
  }
}

const pairs = Array.from({ length: PAIRS }, () => ({ bare: new App(false), pre: new App(true), rounds: [] }));
const apps = pairs.flatMap((p) => [p.bare, p.pre]);
try {
  for (let r = 0; r < ROUNDS; r++) {
    const order = apps.map((_, i) => apps[(i + r) % apps.length]);
    if (r % 2) order.reverse();
    const got = new Map();
    for (const a of order) got.set(a, await a.block());
    for (const p of pairs) p.rounds.push({ bare: got.get(p.bare), pre: got.get(p.pre) });
  }
} finally {
  for (const a of apps) a.child.send({ cmd: 'exit' });
  mock.child.kill();
  sink.close();
}

const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * p;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f = (x) => x.toFixed(0);
const version = await new Promise((resolve) => {
  const c = spawn(NODE, ['-p', 'process.version']);
  let out = '';
  c.stdout.on('data', (d) => {
    out += d;
  });
  c.on('exit', () => resolve(out.trim()));
});
console.log(
  `${version}, openai ${process.env.WARMUP_OPENAI ?? 7}, ${PAIRS} pairs, blocks of ${CALLS} calls from each process's first call${PIN ? ', apps pinned to CPU 0' : ''}; preload − bare per round (µs CPU per call):`,
);
for (let w = 0; w < WINDOWS; w++) {
  const lo = Math.floor((ROUNDS * w) / WINDOWS);
  const hi = Math.floor((ROUNDS * (w + 1)) / WINDOWS);
  const d = [];
  const dv = [];
  const bare = [];
  for (const p of pairs)
    for (const x of p.rounds.slice(lo, hi)) {
      d.push(x.pre.process - x.bare.process);
      dv.push(x.pre.v8 - x.bare.v8);
      bare.push(x.bare.process);
    }
  console.log(
    `  calls ${lo * CALLS}–${hi * CALLS}: process ${f(mean(d))} (median ${f(q(d, 0.5))} [${f(q(d, 0.25))} … ${f(q(d, 0.75))}]), of it on V8's platform threads ${f(mean(dv))}; bare ${f(q(bare, 0.5))}`,
  );
}
