// Diagnostic (issue 12, perf-stream26): CPU per 50-chunk stream of the whole process against that
// of the main thread (process.threadCpuUsage, Node 23.9+), to see whether a preloaded process spends
// CPU on other threads (JIT compilation, GC helpers, a hooks worker). Run it bare and with the
// preload: <node> [--import @tokenmeter/node/register] bench/diag/perf-stream26-threads.mjs [streams]
// (with --expose-gc it also prints the heap after a full GC before and after the run: a leak check).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { root, startMock } from './perf-stream26-mock.mjs';

if (typeof process.threadCpuUsage !== 'function') {
  process.stderr.write(
    `perf-stream26-threads: needs process.threadCpuUsage (Node 23.9+), this is ${process.version}\n`,
  );
  process.exit(2);
}
const { OpenAI } = createRequire(root)('openai');
const N = Number(process.argv[2] ?? 1000);
const { url, child } = await startMock();
const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], stream: true };
const OPTS = { headers: { 'x-mock-output-tokens': '48' } };
async function one() {
  const s = await client.chat.completions.create(BODY, OPTS);
  let n = 0;
  for await (const _ of s) n++;
  if (n !== 50) throw new Error(`chunks ${n}`);
}
/** CPU ticks (user+sys, clock ticks) per thread name. */
function threads() {
  const out = {};
  for (const t of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out[`${name}#${t}`] = Number(f[11]) + Number(f[12]);
  }
  return out;
}
const cpu = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
const tcpu = () => {
  const c = process.threadCpuUsage();
  return c.user + c.system;
};
for (let i = 0; i < 500; i++) await one();
if (globalThis.gc) {
  gc();
  console.log('heap before', (process.memoryUsage().heapUsed / 1e6).toFixed(1));
}
const t0 = threads();
const p0 = cpu();
const m0 = tcpu();
for (let i = 0; i < N; i++) await one();
const p1 = cpu();
const m1 = tcpu();
const t1 = threads();
console.log(
  `${process.version} ${process.execArgv.join(' ') || 'bare'}: process ${((p1 - p0) / N).toFixed(1)} µs/stream, main thread ${((m1 - m0) / N).toFixed(1)}, other threads ${((p1 - p0 - (m1 - m0)) / N).toFixed(1)}`,
);
const tick = 1e6 / 100;
for (const k of Object.keys(t1)) {
  const d = t1[k] - (t0[k] ?? 0);
  if (d > 0) console.log(`  ${k}: ${((d * tick) / N).toFixed(1)} µs/stream`);
}
if (globalThis.gc) {
  gc();
  console.log('heap after', (process.memoryUsage().heapUsed / 1e6).toFixed(1), 'MB');
}
child.kill();
