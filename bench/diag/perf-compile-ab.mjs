// Diagnostic (issue 12): the optimising compiler's work on named functions, the deopts and the CPU per
// call of a fresh process running the app of perf-trace-opt (CA_CALLS sequential non-streamed openai
// calls) under `--import @tokenmeter/node/register` from each given repo root, alternating (order
// rotating every round). Two kinds of process per round and root: one with `--trace-opt --trace-deopt`
// (V8's "completed compiling … took a, b, c ms" summed per function, and the deopt lines counted), one
// without flags (its CPU per call over the calls). Medians with [min … max] over rounds.
// Plain JavaScript. Run: <node> bench/diag/perf-compile-ab.mjs ROOT_A ROOT_B ...
// Settings: CA_ROUNDS=5 CA_CALLS=4096 CA_NODE (the app's node; default this one)
// CA_FUNCS=setSpanAttributes,completeEnded,complete,observeBody (functions reported by name)
// CA_CPU=1 (0: no flagless CPU processes) CA_TRACE=1 (0: no traced processes).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMock, startSink, traceOptApp, traceOptAppEnv } from './perf-stream26-mock.mjs';

const ROUNDS = Number(process.env.CA_ROUNDS ?? 5);
const CALLS = Number(process.env.CA_CALLS ?? 4096);
const NODE = process.env.CA_NODE ?? process.execPath;
const FUNCS = (process.env.CA_FUNCS ?? 'setSpanAttributes,completeEnded,complete,observeBody').split(',');
const roots = process.argv.slice(2);
const sink = await startSink();
const mock = await startMock();
const homes = mkdtempSync(join(tmpdir(), 'tokenmeter-compile-ab-'));
const JOB =
  /completed (?:optimizing|compiling) \S+ <JSFunction ([^ >]*)[^>]*> \(target (\w+)\)(?: OSR)? - took ([\d.]+), ([\d.]+), ([\d.]+) ms/;

function run(dir, traced, n) {
  const args = [...(traced ? ['--trace-opt', '--trace-deopt'] : []), '--import', '@tokenmeter/node/register'];
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [...args, traceOptApp], {
      cwd: dir,
      env: traceOptAppEnv(mock, sink, CALLS, join(homes, `${n}-${roots.indexOf(dir)}-${traced}`)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`app exited with ${code}`))));
  });
}

function parse(out) {
  const r = { total: 0, deopts: 0, ours: 0, cpu: Number(/^@@cpu (\S+)/m.exec(out)?.[1]) };
  for (const f of FUNCS) r[f] = 0;
  for (const line of out.split('\n')) {
    if (line.includes('bailout (kind: deopt')) r.deopts++;
    const m = JOB.exec(line);
    if (!m) continue;
    const took = Number(m[3]) + Number(m[4]) + Number(m[5]);
    r.total += took;
    if (FUNCS.includes(m[1])) {
      r[m[1]] += took;
      r.ours += took;
    }
  }
  return r;
}

const results = new Map(roots.map((d) => [d, { traced: [], cpu: [] }]));
for (let n = 0; n < ROUNDS; n++) {
  const order = roots.map((_, i) => roots[(i + n) % roots.length]);
  for (const dir of order) {
    if (process.env.CA_TRACE !== '0') results.get(dir).traced.push(parse(await run(dir, true, n)));
    if (process.env.CA_CPU !== '0') results.get(dir).cpu.push(parse(await run(dir, false, n)).cpu);
  }
  console.error(`round ${n + 1}/${ROUNDS} done`);
}
mock.child.kill();
sink.close();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const show = (xs) =>
  xs.length === 0
    ? '-'
    : `${median(xs).toFixed(0)} [${Math.min(...xs).toFixed(0)} … ${Math.max(...xs).toFixed(0)}]`;
console.log(`${NODE}: ${CALLS} calls per process, ${ROUNDS} rounds; medians [min … max]`);
for (const [dir, { traced, cpu }] of results) {
  console.log(`\n${dir}`);
  console.log(`  CPU µs/call (no flags): ${show(cpu)}`);
  console.log(
    `  compile ms, all: ${show(traced.map((r) => r.total))}; deopts: ${show(traced.map((r) => r.deopts))}`,
  );
  console.log(`  compile ms, named: ${show(traced.map((r) => r.ours))}`);
  for (const f of FUNCS) console.log(`    ${f}: ${show(traced.map((r) => r[f]))}`);
}
