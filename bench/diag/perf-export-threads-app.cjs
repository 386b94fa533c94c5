// The app of bench/diag/perf-export-threads.ts: bench/overhead/app.cjs's non-streamed call (openai
// SDK, the mock over loopback, loaded the user's way). Each `block` reply carries, at the block's
// start, the process CPU (process.cpuUsage) and each thread's CPU time in ns from
// /proc/self/task/<tid>/schedstat (its first field: time on a CPU, user and system), keyed by tid,
// with the thread's name; the main thread's tid is the pid. `profile` starts or stops a CPU profile
// of this process (node:inspector), so that only the recorded rounds are profiled. Plain
// JavaScript, no loader.
'use strict';
const { createRequire } = require('node:module');
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');

const appDir = process.env.BENCH_APP_DIR;
const mockUrl = process.env.BENCH_MOCK_URL;
const { OpenAI } = createRequire(`${appDir}/`)('openai');
const client = new OpenAI({ baseURL: `${mockUrl}/v1`, apiKey: 'x', maxRetries: 0 });
const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] };

function threads() {
  const out = {};
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'latin1').trim();
      out[tid] = { ns, name };
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

// Garbage collections on the main thread (perf_hooks 'gc' entries): count and ms, by kind.
const { PerformanceObserver, constants } = require('node:perf_hooks');
const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'markCompact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
};
const gc = { scavenge: 0, scavengeMs: 0, markCompact: 0, markCompactMs: 0, incremental: 0, incrementalMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const k = KINDS[e.detail?.kind ?? e.kind];
    if (!k) continue;
    gc[k]++;
    gc[`${k}Ms`] += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

function snapshot() {
  const c = process.cpuUsage();
  return { cpu: c.user + c.system, pid: process.pid, threads: threads(), gc: { ...gc } };
}

async function block(calls) {
  const at = snapshot();
  for (let i = 0; i < calls; i++) {
    const r = await client.chat.completions.create(BODY);
    if (r.choices.length !== 1) throw new Error('unexpected completion');
  }
  return at;
}

let session;
async function profile(file) {
  const inspector = require('node:inspector');
  const post = (m, p) => new Promise((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
  if (file === undefined) {
    session = new inspector.Session();
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
    return;
  }
  const { profile: p } = await post('Profiler.stop');
  writeFileSync(file, JSON.stringify(p));
  session.disconnect();
}

process.on('message', (msg) => {
  const run = async () => {
    if (msg.cmd === 'block') return block(msg.calls);
    if (msg.cmd === 'profile') return profile(msg.file);
    if (msg.cmd === 'mark') {
      await new Promise((r) => setImmediate(r));
      return snapshot();
    }
    if (msg.cmd === 'exit') return void process.disconnect();
  };
  run().then(
    (result) => process.connected && process.send({ id: msg.id, ok: true, result }),
    (e) => process.send({ id: msg.id, ok: false, error: String(e?.stack ?? e) }),
  );
});
process.send({ ready: true });
