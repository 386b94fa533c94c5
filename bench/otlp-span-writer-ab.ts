// An in-process A/B diagnostic (not a headline figure, no assertions): OpenTelemetry's
// ProtobufTraceSerializer against the distro's OTLP span writer (packages/node/src/otlp-trace-protobuf.ts)
// on one export of 512 spans shaped like tokenmeter's (23 attributes, ~960 bytes each), in
// alternating blocks in one process. Checks the two give the same bytes, then reports CPU µs per
// span, median [p25 … p75] over the blocks, and the difference per alternation.
// With a git ref, the distro's writer at that ref against this tree's instead (before/after a change).
// Run: npx tsx bench/otlp-span-writer-ab.ts [alternations] [git-ref]

import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { TokenmeterProtobufTraceSerializer } from '../packages/node/src/otlp-trace-protobuf.js';
import { withSourceAt } from './lib/ab.js';
import { alternate, printAlternation } from './lib/alternate.js';
import { pricedChatSpanAttributes } from './lib/priced-call.js';
import { ROOT } from './lib/user-level.js';

const ALTERNATIONS = Number(process.argv[2] ?? 30);
const REF = process.argv[3];
const SPANS = 512;
const EXPORTS_PER_BLOCK = 10;

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('@tokenmeter/instrumentation', '0.1.0');
for (let i = 0; i < SPANS; i++) {
  // The attributes of a priced openai chat completion, as bench/fetch-ab.ts's calls make them.
  tracer
    .startSpan('chat gpt-4o-mini', {
      kind: SpanKind.CLIENT,
      attributes: pricedChatSpanAttributes(i),
    })
    .end();
}
const spans = exporter.getFinishedSpans();
type Serializer = typeof TokenmeterProtobufTraceSerializer;

function compare(before: [string, Serializer], after: [string, Serializer]): void {
  const a = before[1].serializeRequest(spans)!;
  const b = after[1].serializeRequest(spans)!;
  if (!Buffer.from(a).equals(Buffer.from(b))) throw new Error('the two writers differ');
  const block = (s: Serializer) => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < EXPORTS_PER_BLOCK; i++) s.serializeRequest(spans);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / (EXPORTS_PER_BLOCK * SPANS);
  };
  const sides = { [before[0]]: before[1], [after[0]]: after[1] };
  const order = [before[0], after[0]] as const;
  const per = alternate(order, ALTERNATIONS, 3, () => (name) => block(sides[name]!));
  printAlternation(
    per,
    order,
    'µs/span',
    2,
    `${ALTERNATIONS} alternations of ${EXPORTS_PER_BLOCK} exports of ${SPANS} spans (${a.length} bytes each, identical)`,
  );
}

if (REF === undefined) {
  compare(['otel', ProtobufTraceSerializer as Serializer], ['tokenmeter', TokenmeterProtobufTraceSerializer]);
} else {
  await withSourceAt(
    REF,
    'otlp-span-writer-ab',
    async (dir) => {
      const old = (await import(join(dir, 'src/otlp-trace-protobuf.ts'))) as {
        TokenmeterProtobufTraceSerializer: Serializer;
      };
      compare(
        ['before', old.TokenmeterProtobufTraceSerializer],
        ['after', TokenmeterProtobufTraceSerializer],
      );
    },
    join(ROOT, 'packages', 'node'),
  );
}
