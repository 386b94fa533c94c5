// The app of bench/diag/perf-call-warmup.mjs: the openai SDK against the mock over loopback, bare or
// under `--import @tokenmeter/node/register`, driven block by block over IPC. Each block's CPU is
// charged from the end of the process's last block (work deferred between blocks included) and
// split by thread from /proc/self/task/*/schedstat: the main thread, V8's platform workers
// (concurrent TurboFan/Maglev compiles, concurrent GC), and the rest (libuv pool, a module-hooks
// thread). Plain JavaScript, no loader: a loader would change what is measured. Linux only.
'use strict';
const { createRequire } = require('node:module');
const { readdirSync, readFileSync } = require('node:fs');

const started = globalThis[Symbol.for('tokenmeter.node.started')];
if (started && process.env.WARMUP_ENABLED === '0') started.instrumentation.runtime.enabled = false;
const { OpenAI } = createRequire(`${process.env.BENCH_APP_DIR}/`)('openai');
const client = new OpenAI({ baseURL: `${process.env.BENCH_MOCK_URL}/v1`, apiKey: 'x', maxRetries: 0 });
const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] };

/** CPU ns per thread id, with the thread's name. */
function threads() {
  const out = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      out.set(Number(tid), { name, ns });
    } catch {
      // the thread ended
    }
  }
  return out;
}

// V8's platform workers: named V8Worker on Node 22+; on Node 20 every thread is "node", and the
// platform workers are the four made first after the main thread (and the inspector/signal one).
let platform;
function isPlatform(tid, name) {
  if (name === 'V8Worker') return true;
  if (name !== 'node') return false;
  if (platform === undefined) {
    const tids = [...threads().keys()].filter((t) => t !== process.pid).sort((a, b) => a - b);
    platform = new Set(tids.slice(0, 5));
  }
  return platform.has(tid);
}

const cpu = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
const mark = () => ({ threads: threads(), cpu: cpu() });
let last;

async function block(n) {
  for (let i = 0; i < n; i++) {
    const r = await client.chat.completions.create(BODY);
    if (r.choices.length !== 1) throw new Error('unexpected completion');
  }
  globalThis[Symbol.for('tokenmeter.instrumentation.call-endings')]?.drain();
}

process.on('message', async (msg) => {
  if (msg.cmd === 'exit') return process.disconnect();
  try {
    const m0 = last ?? mark();
    await block(msg.calls);
    const m1 = mark();
    last = m1;
    const by = { process: (m1.cpu - m0.cpu) / msg.calls, main: 0, v8: 0, other: 0 };
    for (const [tid, t] of m1.threads) {
      const us = (t.ns - (m0.threads.get(tid)?.ns ?? 0)) / 1e3 / msg.calls;
      if (tid === process.pid) by.main += us;
      else if (isPlatform(tid, t.name)) by.v8 += us;
      else by.other += us;
    }
    process.send({ ok: true, result: by });
  } catch (e) {
    process.send({ ok: false, error: String(e?.stack ?? e) });
  }
});
process.send({ ready: true });
