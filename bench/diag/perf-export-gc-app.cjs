// The app of bench/diag/perf-export-gc.ts: bench/overhead/app.cjs's non-streamed call (openai SDK,
// the mock over loopback, loaded the user's way), with garbage collection counted by perf_hooks
// 'gc' entries (by kind: scavenge, mark-compact, incremental marking, weak callbacks; count and
// main-thread ms) and V8's heap space sizes. Each `block` reply carries the process CPU and the GC
// counters at the block's start, so the coordinator charges a block with everything up to the next
// block's start (deferred export and store writes included). Plain JavaScript, no loader.
'use strict';
const { serveBlocks } = require('./ipc-app-child.cjs');
const { PerformanceObserver, constants } = require('node:perf_hooks');
const v8 = require('node:v8');

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'markCompact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
const gc = {
  scavenge: 0,
  scavengeMs: 0,
  markCompact: 0,
  markCompactMs: 0,
  incremental: 0,
  incrementalMs: 0,
  weakcb: 0,
  weakcbMs: 0,
};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const k = KINDS[e.detail?.kind ?? e.kind] ?? 'weakcb';
    gc[k]++;
    gc[`${k}Ms`] += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

function snapshot() {
  const c = process.cpuUsage();
  const old = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
  return { cpu: c.user + c.system, gc: { ...gc }, oldUsed: old?.space_used_size ?? 0 };
}

/**
 * Switches the OTLP span export on or off inside this process: the distro's batch span processor
 * (DeliveringBatchSpanProcessor) gets ended spans or not (so it keeps, encodes and sends them or
 * not); spans are made, priced and stored the same either way.
 */
let exportOn = true;
let patched = false;
function setExport(on) {
  if (!patched) {
    const proxy = globalThis[Symbol.for('opentelemetry.js.api.1')]?.trace;
    const sdk = proxy?.getDelegate?.()?.real;
    const processors = sdk?._activeSpanProcessor?._spanProcessors ?? [];
    const batch = processors.find((p) => p.constructor.name === 'DeliveringBatchSpanProcessor');
    if (!batch) throw new Error('no DeliveringBatchSpanProcessor found (was a span made yet?)');
    const onEnd = batch.onEnd.bind(batch);
    batch.onEnd = (span) => {
      if (exportOn) onEnd(span);
    };
    patched = true;
  }
  exportOn = on;
}

serveBlocks(snapshot, { export: (msg) => setExport(msg.on) });
