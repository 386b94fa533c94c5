// The app of bench/diag/perf-export-gc.ts: bench/overhead/app.cjs's non-streamed call (openai SDK,
// the mock over loopback, loaded the user's way), with garbage collection counted by perf_hooks
// 'gc' entries (by kind: scavenge, mark-compact, incremental marking, weak callbacks; count and
// main-thread ms) and V8's heap space sizes. Each `block` reply carries the process CPU and the GC
// counters at the block's start, so the coordinator charges a block with everything up to the next
// block's start (deferred export and store writes included). Plain JavaScript, no loader.
'use strict';
const { createRequire } = require('node:module');
const { PerformanceObserver, constants } = require('node:perf_hooks');
const v8 = require('node:v8');

const appDir = process.env.BENCH_APP_DIR;
const mockUrl = process.env.BENCH_MOCK_URL;
const { OpenAI } = createRequire(`${appDir}/`)('openai');
const client = new OpenAI({ baseURL: `${mockUrl}/v1`, apiKey: 'x', maxRetries: 0 });
const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] };

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

async function block(calls) {
  const at = snapshot();
  for (let i = 0; i < calls; i++) {
    const r = await client.chat.completions.create(BODY);
    if (r.choices.length !== 1) throw new Error('unexpected completion');
  }
  return at;
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

process.on('message', (msg) => {
  const run = async () => {
    if (msg.cmd === 'export') return setExport(msg.on);
    if (msg.cmd === 'block') return block(msg.calls);
    if (msg.cmd === 'mark') {
      // GC entries arrive asynchronously: let them land first.
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
