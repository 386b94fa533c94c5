// Preloaded (--require) before a variant of the overhead bench's app (bench/diag/perf-stream-gc.ts):
// counts garbage collections and their time per kind from the coordinator's `mark` message on, and
// writes them with the heap and process CPU to $BENCH_GC_OUT when the process exits.
'use strict';
const { PerformanceObserver, constants } = require('node:perf_hooks');
const { writeFileSync } = require('node:fs');
const v8 = require('node:v8');
const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
let gc = {};
let cpu0 = process.cpuUsage();
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = KINDS[e.detail?.kind ?? e.kind] ?? 'other';
    if (gc[kind] === undefined) gc[kind] = { count: 0, ms: 0 };
    const g = gc[kind];
    g.count++;
    g.ms += e.duration;
  }
}).observe({ entryTypes: ['gc'] });
process.on('message', (m) => {
  if (m && m.cmd === 'mark') {
    gc = {};
    cpu0 = process.cpuUsage();
  }
});
process.on('exit', () => {
  const c = process.cpuUsage(cpu0);
  const h = v8.getHeapStatistics();
  writeFileSync(
    process.env.BENCH_GC_OUT,
    JSON.stringify({
      gc,
      cpuUs: c.user + c.system,
      heapUsed: h.used_heap_size,
      heapTotal: h.total_heap_size,
    }),
  );
});
