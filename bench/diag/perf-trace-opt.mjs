// Diagnostic (issue 12): how much optimising-compiler work the preload adds, by window of 1,000
// calls from a process's first call and by function. Runs bench/diag/perf-trace-opt-app.cjs bare and
// under `--import @tokenmeter/node/register` (defaults: OTLP to a local sink that answers 200, a
// store of its own, Prometheus on a free port) with `--trace-opt`, alternating, and sums the
// "completed optimizing/compiling … took a, b, c ms" lines (V8's own timings of each job's three
// phases; the middle one runs on V8's worker threads, which process.cpuUsage() counts). Prints per
// process the compile ms per window, then the functions whose compile time the preload adds most
// (preload − bare, mean over pairs; names only: V8's trace gives no file).
// Plain JavaScript: runs under any Node binary. Run: <node> bench/diag/perf-trace-opt.mjs
// Settings: TO_PAIRS=2 TO_CALLS=3000 TO_NODE (the app's node binary; default this one) TO_TOP=40;
// TO_STREAMS=0 (50-chunk streams after the calls, in windows of TO_STREAM_WINDOW=96, printed after
// the windows of calls: what the headline's stream blocks, which follow its call blocks, meet).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, startMock, startSink, traceOptApp, traceOptAppEnv } from './perf-stream26-mock.mjs';

const PAIRS = Number(process.env.TO_PAIRS ?? 2);
const CALLS = Number(process.env.TO_CALLS ?? 3000);
const NODE = process.env.TO_NODE ?? process.execPath;
const TOP = Number(process.env.TO_TOP ?? 40);
const STREAMS = Number(process.env.TO_STREAMS ?? 0);
const STREAM_WINDOW = Number(process.env.TO_STREAM_WINDOW ?? 96);
const WINDOWS = Math.ceil(CALLS / 1000) + Math.ceil(STREAMS / STREAM_WINDOW);

const sink = await startSink();
const mock = await startMock();
const homes = mkdtempSync(join(tmpdir(), 'tokenmeter-trace-opt-'));

function run(preload, n) {
  const args = ['--trace-opt', ...(preload ? ['--import', '@tokenmeter/node/register'] : [])];
  const env = traceOptAppEnv(mock, sink, CALLS, join(homes, `${preload ? 'preload' : 'bare'}-${n}`), {
    TO_STREAMS: String(STREAMS),
    TO_STREAM_WINDOW: String(STREAM_WINDOW),
  });
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [...args, traceOptApp], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`app exited with ${code}`))));
  });
}

const JOB =
  /completed (?:optimizing|compiling) \S+ <JSFunction ([^ >]*)[^>]*> \(target (\w+)\)(?: OSR)? - took ([\d.]+), ([\d.]+), ([\d.]+) ms/;

/** Compile ms and jobs per window, and per function (name and tier) its jobs and ms. */
function parse(out) {
  const ms = new Array(WINDOWS).fill(0);
  const jobs = new Array(WINDOWS).fill(0);
  const byFunction = new Map();
  let window = 0;
  let cpu = Number.NaN;
  for (const line of out.split('\n')) {
    if (line.startsWith('@@window ')) window = Math.min(window + 1, WINDOWS - 1);
    else if (line.startsWith('@@cpu ')) cpu = Number(line.slice(6));
    else {
      const m = JOB.exec(line);
      if (!m) continue;
      const took = Number(m[3]) + Number(m[4]) + Number(m[5]);
      ms[window] += took;
      jobs[window]++;
      const key = `${m[1] || '(anonymous)'} ${m[2]}`;
      const f = byFunction.get(key) ?? { jobs: 0, ms: 0 };
      f.jobs++;
      f.ms += took;
      byFunction.set(key, f);
    }
  }
  return { ms, jobs, byFunction, cpu };
}

const runs = { bare: [], preload: [] };
for (let n = 0; n < PAIRS; n++) {
  // alternating, the first of each pair rotating
  for (const preload of n % 2 ? [true, false] : [false, true])
    runs[preload ? 'preload' : 'bare'].push(parse(await run(preload, n)));
}
mock.child.kill();
sink.close();

const fmt = (xs) => xs.map((x) => x.toFixed(0).padStart(5)).join(' ');
console.log(
  `${NODE}: ${CALLS} calls${STREAMS ? ` then ${STREAMS} streams` : ''} per process, ${PAIRS} pairs`,
);
console.log(
  `process  CPU µs/call | compile ms per window of 1,000 calls${STREAMS ? `, then of ${STREAM_WINDOW} streams` : ''} | jobs per window`,
);
for (const [kind, list] of Object.entries(runs))
  for (const r of list)
    console.log(`${kind.padEnd(8)} ${r.cpu.toFixed(0).padStart(6)} | ${fmt(r.ms)} | ${fmt(r.jobs)}`);
const mean = (list, pick) => list.reduce((s, r) => s + pick(r), 0) / list.length;
const added = Array.from(
  { length: WINDOWS },
  (_, w) => mean(runs.preload, (r) => r.ms[w]) - mean(runs.bare, (r) => r.ms[w]),
);
// ms per window of 1,000 calls is µs per call
console.log(
  `preload − bare, compile ms per window (of calls: = µs per call${STREAMS ? `; of streams: ÷ ${STREAM_WINDOW} = ms per stream` : ''}): ${fmt(added)}`,
);
const total = (list) => {
  const m = new Map();
  for (const r of list)
    for (const [k, f] of r.byFunction) {
      const t = m.get(k) ?? { jobs: 0, ms: 0 };
      t.jobs += f.jobs / list.length;
      t.ms += f.ms / list.length;
      m.set(k, t);
    }
  return m;
};
const bare = total(runs.bare);
const rows = [...total(runs.preload)]
  .map(([k, f]) => [k, f.jobs - (bare.get(k)?.jobs ?? 0), f.ms - (bare.get(k)?.ms ?? 0)])
  .sort((a, b) => b[2] - a[2]);
console.log('\nfunction (tier) | added jobs | added compile ms');
for (const [k, jobs, ms] of rows.slice(0, TOP)) console.log(`${k} | ${jobs.toFixed(1)} | ${ms.toFixed(1)}`);
