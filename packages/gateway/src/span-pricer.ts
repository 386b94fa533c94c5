// Prices the spans of one OTLP batch by the rules of @tokenmeter/instrumentation's peer-span module
// (the CostSpanProcessor's), plus what a hop can see of a whole batch: a span that tokenmeter's own
// instrumentation already covered (the parent of a tokenmeter span, or a span with a response id a
// tokenmeter span has) is left alone, so one call has one cost even when an SDK's self-trace or a
// peer instrumentation sent a span of the same call. Those ids are remembered across batches in
// bounded sets (children end, and are exported, before their parents).
import type { Attributes } from '@opentelemetry/api';
import {
  type CallRecord,
  type CostAttributeNames,
  hasCostVerdict,
  PACKAGE_NAME,
  peerCallRecord,
  peerResponseId,
  pricePeerSpan,
} from '@tokenmeter/instrumentation';
import type { OtlpSpanView } from './span-view.js';

const MAX_REMEMBERED = 20_000;

/** A FIFO-bounded set of ids. */
class RecentIds {
  private readonly items = new Set<string>();
  add(id: string): void {
    if (id === '') return;
    if (this.items.size >= MAX_REMEMBERED) {
      const oldest = this.items.values().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
    this.items.add(id);
  }
  has(id: string): boolean {
    return this.items.has(id);
  }
  get size(): number {
    return this.items.size;
  }
}

export interface PricedSpan {
  /** Index of the span in the batch. */
  index: number;
  /** Attributes to add to it. */
  attributes: Attributes;
  record: CallRecord;
  /** service.name of its resource. */
  service: string | undefined;
}

export class SpanPricer {
  private readonly coveredParents = new RecentIds();
  private readonly coveredResponses = new RecentIds();

  constructor(private readonly costAttributes: CostAttributeNames) {}

  /** Ids remembered (for the memory test). */
  get remembered(): number {
    return this.coveredParents.size + this.coveredResponses.size;
  }

  /** The spans of a batch to add cost attributes to. Never throws for a span's content. */
  price(spans: readonly OtlpSpanView[]): PricedSpan[] {
    for (const s of spans) {
      if (s.scope !== PACKAGE_NAME) continue;
      this.coveredParents.add(s.parentSpanId);
      const id = peerResponseId(s.attributes);
      if (id !== undefined) this.coveredResponses.add(id);
    }
    const out: PricedSpan[] = [];
    for (let index = 0; index < spans.length; index++) {
      const s = spans[index]!;
      if (s.scope === PACKAGE_NAME || hasCostVerdict(s.attributes)) continue;
      if (this.coveredParents.has(s.spanId)) continue;
      const responseId = peerResponseId(s.attributes);
      if (responseId !== undefined && this.coveredResponses.has(responseId)) continue;
      const priced = pricePeerSpan(s.name, s.attributes, s.startTimeMs, this.costAttributes);
      if (priced === undefined) continue;
      const place = {
        startTimeMs: s.startTimeMs || Date.now(),
        durationMs: Math.max(0, s.endTimeMs - s.startTimeMs),
        sampled: true,
        ...(s.traceId ? { traceId: s.traceId } : {}),
        ...(s.spanId ? { spanId: s.spanId } : {}),
      };
      out.push({
        index,
        attributes: priced.attributes,
        record: peerCallRecord(priced, s.attributes, place),
        service: s.service,
      });
    }
    return out;
  }
}
