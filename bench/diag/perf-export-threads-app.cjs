// The app of bench/diag/perf-export-threads.ts: bench/overhead/app.cjs's non-streamed call (openai
// SDK, the mock over loopback, loaded the user's way). Each `block` reply carries, at the block's
// start, the process CPU (process.cpuUsage) and each thread's CPU time in ns from
// /proc/self/task/<tid>/schedstat (its first field: time on a CPU, user and system), keyed by tid,
// with the thread's name; the main thread's tid is the pid. `profile` starts or stops a CPU profile
// of this process (node:inspector), so that only the recorded rounds are profiled. Plain
// JavaScript, no loader.
'use strict';
const { serveBlocks } = require('./ipc-app-child.cjs');
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');

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

serveBlocks(snapshot, { profile: (msg) => profile(msg.file) });
