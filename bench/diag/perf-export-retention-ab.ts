// An in-process A/B diagnostic (not a headline figure, no assertions): what keeping ended spans
// until their batch leaves costs, against encoding each span as it ends and dropping it. Both sides
// make the same tokenmeter-shaped spans (bench/lib/priced-call.ts's, as the OTLP writer A/B's;
// bench/diag/perf-export-otlp.ts prints a real one) with the distro's span
// writer, between calls that make an app's garbage (GARBAGE_KB per call, as an SDK call does):
// - batch: the BatchSpanProcessor at its defaults (512 spans a batch, 5 s), its export encoding the
//   batch and dropping the bytes (what the distro does, the network left out);
// - at-end: a processor that encodes each span alone as it ends (the span dies young);
//   RETENTION_AB_MODE=keep-bytes: the batch processor again, keeping each span's bytes (encoded as
//   it ends) instead of the span.
// Reports CPU µs per call, median [p25 … p75] of each side and at-end − batch per alternation, and
// the GC time per call of each side (perf_hooks 'gc' entries).
// Run: npx tsx bench/diag/perf-export-retention-ab.ts [alternations] [garbage kB per call]
import { PerformanceObserver } from 'node:perf_hooks';
import { SpanKind } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { encodeTraceRequest } from '../../packages/node/src/otlp-trace-protobuf.js';
import { printAlternation } from '../lib/alternate.js';
import { pricedChatSpanAttributes } from '../lib/priced-call.js';

const ALTERNATIONS = Number(process.argv[2] ?? 20);
const GARBAGE_KB = Number(process.argv[3] ?? 40);
const CALLS_PER_BLOCK = 2048;
const MODE = process.env.RETENTION_AB_MODE ?? 'at-end';

let sink = 0;
const dropping: SpanExporter = {
  export(spans, done) {
    for (const s of spans) {
      const kept = (s as unknown as { bytes?: Uint8Array }).bytes;
      if (kept !== undefined) sink += kept.length;
    }
    if (!('bytes' in spans[0]!)) sink += encodeTraceRequest(spans).length;
    done({ code: ExportResultCode.SUCCESS });
  },
  shutdown: async () => {},
};
const atEnd: SpanProcessor = {
  onStart() {},
  onEnd(span: ReadableSpan) {
    sink += encodeTraceRequest([span]).length;
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};
// The batch processor keeping each span's bytes (encoded as it ends) instead of the span.
const keepBytes = new BatchSpanProcessor(dropping);
const keeping: SpanProcessor = {
  onStart() {},
  onEnd(span: ReadableSpan) {
    const bytes = encodeTraceRequest([span]).slice();
    const ctx = span.spanContext();
    keepBytes.onEnd({ spanContext: () => ctx, resource: span.resource, bytes } as unknown as ReadableSpan);
  },
  forceFlush: () => keepBytes.forceFlush(),
  shutdown: async () => {},
};
const sides = {
  batch: new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping)] }),
  'at-end': new BasicTracerProvider({ spanProcessors: [MODE === 'keep-bytes' ? keeping : atEnd] }),
};
type Side = keyof typeof sides;

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

let seq = 0;
function call(side: Side): void {
  // An app's garbage: strings and small objects, as parsing a response makes.
  let junk: unknown[] = [];
  for (let k = 0; k < GARBAGE_KB * 8; k++) junk.push({ k, s: `chunk-${seq}-${k}`.repeat(4) });
  junk = [];
  const i = seq++;
  sides[side]
    .getTracer('@tokenmeter/instrumentation', '0.1.0')
    .startSpan('chat gpt-4o-mini', {
      kind: SpanKind.CLIENT,
      attributes: pricedChatSpanAttributes(i),
    })
    .end();
}

const per: Record<Side, number[]> = { batch: [], 'at-end': [] };
const gc: Record<Side, number[]> = { batch: [], 'at-end': [] };
const order = ['batch', 'at-end'] as const;
for (let r = -3; r < ALTERNATIONS; r++) {
  for (const side of r % 2 === 0 ? order : ([order[1], order[0]] as const)) {
    const gc0 = gcMs;
    const c0 = process.cpuUsage();
    for (let n = 0; n < CALLS_PER_BLOCK; n++) call(side);
    // The batch processor's own export of what is left, inside the block (await: its timer path).
    await sides[side].forceFlush();
    const c = process.cpuUsage(c0);
    // GC entries are delivered asynchronously: let them arrive before reading.
    await new Promise((resolve) => setImmediate(resolve));
    if (r >= 0) {
      per[side].push((c.user + c.system) / CALLS_PER_BLOCK);
      gc[side].push(((gcMs - gc0) * 1000) / CALLS_PER_BLOCK);
    }
  }
}
printAlternation(
  per,
  order,
  'µs/call',
  2,
  `${ALTERNATIONS} alternations of ${CALLS_PER_BLOCK} calls, ${GARBAGE_KB} kB of garbage each (bytes written: ${sink})`,
);
printAlternation(gc, order, 'GC µs/call', 2, "perf_hooks 'gc' durations");
