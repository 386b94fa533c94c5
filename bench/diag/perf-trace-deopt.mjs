// Diagnostic (issue 12): which functions V8 deoptimises in a preloaded process, and where. Runs
// bench/diag/perf-trace-opt-app.cjs under `--import @tokenmeter/node/register` with --trace-deopt
// (and --trace-opt, to count the optimising jobs per function), and prints each deopt (function,
// reason, bytecode offset; names only: V8's trace gives no file) by count, then the functions
// compiled more than once (a deopt and reopt loop shows as both). Also bare (TD_BARE=1) to compare.
// Plain JavaScript. Run: <node> bench/diag/perf-trace-deopt.mjs
// Settings: TD_CALLS=3000 TD_NODE (the app's node binary; default this one) TD_TOP=40 TD_BARE=1 (no
// preload) TD_RAW (a file to keep the raw trace in).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, startMock, startSink, traceOptApp, traceOptAppEnv } from './perf-stream26-mock.mjs';

const CALLS = Number(process.env.TD_CALLS ?? 3000);
const NODE = process.env.TD_NODE ?? process.execPath;
const TOP = Number(process.env.TD_TOP ?? 40);
const BARE = process.env.TD_BARE === '1';

const sink = await startSink();
const mock = await startMock();
const home = mkdtempSync(join(tmpdir(), 'tokenmeter-trace-deopt-'));
const args = ['--trace-opt', '--trace-deopt', ...(BARE ? [] : ['--import', '@tokenmeter/node/register'])];
const out = await new Promise((resolve, reject) => {
  const child = spawn(NODE, [...args, traceOptApp], {
    cwd: root,
    env: traceOptAppEnv(mock, sink, CALLS, home),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    text += d;
  });
  child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`app exited with ${code}`))));
});
if (process.env.TD_RAW) (await import('node:fs')).writeFileSync(process.env.TD_RAW, out);
mock.child.kill();
sink.close();

const BAILOUT =
  /bailout \(kind: ([^,]+), reason: ([^)]+)\): begin\. deoptimizing \S+ <JSFunction ([^ >]*)[^>]*>, \S+ <Code (\w+)>, opt id \d+, bytecode offset (\d+)/;
const JOB = /completed compiling \S+ <JSFunction ([^ >]*)[^>]*> \(target (\w+)\)(?: OSR)? - took/;
const sites = new Map();
const jobs = new Map();
for (const line of out.split('\n')) {
  const b = BAILOUT.exec(line);
  if (b) {
    const key = `${b[3] || '(anonymous)'} ${b[4]} | ${b[1]}: ${b[2]} | bytecode offset ${b[5]}`;
    sites.set(key, (sites.get(key) ?? 0) + 1);
    continue;
  }
  const j = JOB.exec(line);
  if (j) {
    const key = `${j[1] || '(anonymous)'} ${j[2]}`;
    jobs.set(key, (jobs.get(key) ?? 0) + 1);
  }
}
console.log(`${NODE}: ${CALLS} calls, ${BARE ? 'bare' : 'preload'}`);
console.log('\ndeopts | function (tier) | kind: reason | where');
for (const [k, n] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${n} | ${k}`);
console.log('\nfunctions compiled more than once: jobs | function tier');
for (const [k, n] of [...jobs]
  .filter(([, n]) => n > 1)
  .sort((a, b) => b[1] - a[1])
  .slice(0, TOP))
  console.log(`${n} | ${k}`);
