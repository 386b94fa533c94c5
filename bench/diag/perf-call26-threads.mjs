// Diagnostic (issue 12, perf-call26): where a call's CPU goes, thread by thread, on the real path
// (the openai SDK over a loopback socket to the mock provider, a child process). Each block's CPU is
// read per thread from /proc/self/task/*/schedstat (ns, not clock ticks) and summed by thread: the
// main thread ("main"), V8's platform workers ("V8Worker" on Node 24, "node-V8Worker" on 26: GC
// helpers, concurrent compilation), libuv's pool; process.cpuUsage counts them all.
// Bare: blocks of calls. Preloaded (`--import @tokenmeter/node/register`): the instrumentation is
// switched on and off between blocks (its runtime's `enabled` flag), as perf-call-toggle does.
// Run: <node> [--import @tokenmeter/node/register] bench/diag/perf-call26-threads.mjs (after any
// bench that made bench/.data/apps/openai6 and openai7, e.g. perf-call-toggle); summarise the JSON
// lines of several runs with `node bench/diag/perf-call26-report.mjs <file>`.
// Settings: OPENAI=6|7, ROUNDS=30, CALLS=256, WARMUP=3000, STREAM=1 (50-chunk streams, not calls),
// PROFILE=1 (each block under the inspector's profiler: self time per place, `p:<place>`), MARK=1
// (a marker line per block, to place --trace-gc / --trace-deopt output), OFF_ONLY=1 (preloaded, the
// instrumentation off throughout: against a bare process, what the preload costs per process),
// IDLE_MS=0 (an idle wait after each block, charged to it as the headline charges its variants'
// idle turns, also given apart as `idle:<thread>`).
// Prints one JSON line: per block, its side and µs per call by thread.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { root, startMock } from './perf-stream26-mock.mjs';

const OPENAI = process.env.OPENAI ?? '6';
const ROUNDS = Number(process.env.ROUNDS ?? 30);
const CALLS = Number(process.env.CALLS ?? 256);
const WARMUP = Number(process.env.WARMUP ?? 3000);
const STREAM = process.env.STREAM === '1';
const IDLE_MS = Number(process.env.IDLE_MS ?? 0);
const started = globalThis[Symbol.for('tokenmeter.node.started')];
// OFF_ONLY=1: preloaded, the instrumentation switched off throughout (what the preload costs a
// process whose calls it does not observe, against a bare process).
const OFF_ONLY = process.env.OFF_ONLY === '1';
const runtime = OFF_ONLY ? undefined : started?.instrumentation.runtime;
if (OFF_ONLY && started) started.instrumentation.runtime.enabled = false;

const { OpenAI } = createRequire(`${root}bench/.data/apps/openai${OPENAI}/`)('openai');
const { url, child } = await startMock();
const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] };
const SBODY = { ...BODY, stream: true };
const SOPTS = { headers: { 'x-mock-output-tokens': '48' } };

async function one() {
  if (STREAM) {
    const s = await client.chat.completions.create(SBODY, SOPTS);
    let n = 0;
    for await (const _ of s) n++;
    if (n !== 50) throw new Error(`chunks ${n}`);
    return;
  }
  const r = await client.chat.completions.create(BODY);
  if (r.choices.length !== 1) throw new Error('unexpected completion');
}

/** CPU ns per thread id, with its name. */
function threads() {
  const out = new Map();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const ns = Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]);
      const name = readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
      out.set(t, { name, ns });
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** PROFILE=1: each block under the inspector's CPU profiler; self time per place, µs per call. */
const PROFILE = process.env.PROFILE === '1';
let session;
if (PROFILE) {
  const { Session } = await import('node:inspector');
  session = new Session();
  session.connect();
}
const post = (m, p) => new Promise((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
function placeOf(node) {
  const u = node.callFrame.url;
  const f = node.callFrame.functionName;
  if (u === '') return f.startsWith('(') ? f : `native ${f}`;
  if (u.includes('@tokenmeter') || u.includes('/packages/')) return 'tokenmeter';
  if (u.includes('@opentelemetry')) return 'opentelemetry';
  if (u.includes('gpt-tokenizer')) return 'gpt-tokenizer';
  if (u.includes('better-sqlite3')) return 'better-sqlite3';
  if (u.includes('/openai/')) return 'openai';
  if (u.includes('undici')) return 'undici';
  if (u.includes('webstreams')) return 'web streams';
  if (u.startsWith('node:internal/streams') || u === 'node:stream') return 'node streams';
  if (u.startsWith('node:net') || u.startsWith('node:_http') || u.startsWith('node:http')) return 'http, net';
  if (u.includes('timers') || u.includes('process/task_queues')) return 'timers, ticks';
  if (u.includes('async_hooks') || u.includes('async_local')) return 'async hooks';
  if (u.startsWith('node:')) return 'node other';
  return 'other';
}
function selfByPlace(profile, n) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const out = {};
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const place = placeOf(byId.get(profile.samples[i]));
    out[place] = (out[place] ?? 0) + (dt[i + 1] ?? 0) / n;
  }
  delete out['(idle)'];
  return out;
}

/** MARK=1: a line `#block <side> <calls so far>` on stdout before each block (to place --trace-deopt output). */
const MARK = process.env.MARK === '1';
let callsSoFar = 0;

async function block(n, side) {
  if (MARK) process.stdout.write(`#block ${side} ${callsSoFar}\n`);
  callsSoFar += n;
  if (PROFILE) await post('Profiler.start');
  const t0 = threads();
  for (let i = 0; i < n; i++) await one();
  globalThis[Symbol.for('tokenmeter.instrumentation.call-endings')]?.drain();
  // The process then idles, as it does in the headline while the other variants run their blocks;
  // what it does meanwhile (timers, GC, deferred writes) is charged to this block.
  const by = {};
  if (IDLE_MS > 0 && side !== 'warmup') {
    const tb = threads();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    // The idle part apart too (`idle:<thread>`), also included in the thread's total.
    for (const [t, { name, ns }] of threads()) {
      const d = ns - (tb.get(t)?.ns ?? 0);
      const key = `idle:${t === String(process.pid) ? 'main' : name}`;
      by[key] = (by[key] ?? 0) + d / 1e3 / n;
    }
  }
  const t1 = threads();
  if (PROFILE) {
    const { profile } = await post('Profiler.stop');
    for (const [k, v] of Object.entries(selfByPlace(profile, n))) by[`p:${k}`] = v;
  }
  for (const [t, { name, ns }] of t1) {
    const d = ns - (t0.get(t)?.ns ?? 0);
    const key = t === String(process.pid) ? 'main' : name;
    by[key] = (by[key] ?? 0) + d / 1e3 / n;
  }
  return by;
}

if (PROFILE) {
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
}
for (let done = 0; done < WARMUP; done += 500) {
  if (runtime) runtime.enabled = (done / 500) % 2 === 0;
  await block(Math.min(500, WARMUP - done), 'warmup');
}
const blocks = [];
for (let r = 0; r < ROUNDS; r++) {
  const sides = runtime ? (r % 2 === 0 ? [true, false] : [false, true]) : ['bare'];
  for (const side of sides) {
    if (runtime) runtime.enabled = side;
    blocks.push({
      side: side === 'bare' ? (started ? 'preloaded-off' : 'bare') : side ? 'on' : 'off',
      by: await block(CALLS, side === 'bare' ? 'bare' : side ? 'on' : 'off'),
    });
  }
}
if (runtime) runtime.enabled = true;
child.kill();
process.stdout.write(
  `${JSON.stringify({ node: process.version, openai: OPENAI, stream: STREAM, blocks })}\n`,
);
