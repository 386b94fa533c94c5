// CostSpanProcessor: prices GenAI spans made by other instrumentations (OpenLLMetry/Traceloop,
// OpenInference, the contrib @opentelemetry/instrumentation-openai, the Vercel AI SDK's telemetry)
// from the usage attributes they already carry. It works in `onEnding`, where an SDK 2.x span is
// still writable; on an SDK without onEnding it does nothing.
//
// One call, one cost. It prices inference spans only (chat, text_completion, generate_content,
// embeddings, an OpenInference LLM/EMBEDDING span, a Vercel `.doGenerate/.doStream/.doEmbed` span),
// never their parents, and skips:
// - spans already priced (gen_ai.usage.cost or gen_ai.usage.cost.amount present);
// - tokenmeter's own spans;
// - spans whose call tokenmeter's fetch span covers: the span our span ran under (the Anthropic
//   SDK's self-trace, a peer's span around an SDK method), or one with a response id we priced;
// - the Anthropic SDK's self-trace whenever tokenmeter's instrumentation is on.
// Priced (and unpriced) inference spans are recorded to the same metrics as tokenmeter's own calls.
// Reading and pricing are peer-span.ts's, shared with the gateway; this file adds what only an
// in-process processor knows (which calls tokenmeter's own spans cover).
import { type Attributes, type Context, diag, type SpanContext } from '@opentelemetry/api';
import { completeEndedCalls } from './call-endings.js';
import { resolveConfig } from './config.js';
import { coverage } from './coverage.js';
import { type MetricsRecorder, sharedMetrics } from './metrics/recorder.js';
import { OnceLog } from './once-log.js';
import { ANTHROPIC_SDK_SCOPE } from './patches/anthropic.js';
import { hasCostVerdict, peerCallRecord, peerResponseId, pricePeerSpan } from './peer-span.js';
import type { CostAttributeNames } from './types.js';
import { PACKAGE_NAME } from './version.js';

/** The parts of an SDK span this processor reads (SDK 1.x and 2.x shapes). */
export interface ReadableSpanLike {
  readonly name: string;
  readonly kind: number;
  readonly attributes: Attributes;
  /** [seconds, nanoseconds] */
  readonly startTime: [number, number];
  readonly duration?: [number, number];
  readonly instrumentationScope?: { name: string };
  /** SDK 1.x */
  readonly instrumentationLibrary?: { name: string };
  spanContext(): SpanContext;
}

/** A span still open for writing (what `onEnding` receives). */
export interface WritableSpanLike extends ReadableSpanLike {
  setAttributes(attributes: Attributes): unknown;
  isRecording?(): boolean;
}

/** Structurally an OpenTelemetry SDK SpanProcessor (no SDK package needed). */
export interface SpanProcessorLike {
  onStart(span: unknown, parentContext: Context): void;
  onEnding?(span: WritableSpanLike): void;
  onEnd(span: ReadableSpanLike): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface CostSpanProcessorOptions {
  /** Which cost attribute names to write (as TokenmeterInstrumentationConfig). Env: TOKENMETER_COST_ATTRIBUTES. */
  costAttributes?: CostAttributeNames;
  /** Record the spans it prices to the llm.* and gen_ai.* metrics. Default true. */
  recordMetrics?: boolean;
  /** Attribution labels allowed on the llm.* metrics (as TokenmeterInstrumentationConfig). */
  metricLabels?: ('feature' | 'user')[];
  /** Series cap of every metric tokenmeter records (see maxMetricSeries of TokenmeterInstrumentationConfig). */
  maxMetricSeries?: number;
}

/** tokenmeter.internal.errors component of a span this processor failed to price. */
export const COST_SPAN_PROCESSOR_COMPONENT = 'cost_span_processor';

const log = diag.createComponentLogger({ namespace: PACKAGE_NAME });

function millis(t: [number, number] | undefined): number {
  return t === undefined ? 0 : t[0] * 1000 + t[1] / 1e6;
}

/**
 * Prices GenAI spans made by other instrumentations. Add it to your tracer provider before the
 * exporting processor:
 * `new NodeTracerProvider({ spanProcessors: [new CostSpanProcessor(), new BatchSpanProcessor(exporter)] })`.
 */
export class CostSpanProcessor implements SpanProcessorLike {
  private readonly costAttributes: CostAttributeNames;
  private readonly metrics: MetricsRecorder | undefined;
  private readonly failures = new OnceLog(log);

  constructor(options: CostSpanProcessorOptions = {}) {
    const config = resolveConfig({
      costAttributes: options.costAttributes,
      metricLabels: options.metricLabels,
      maxMetricSeries: options.maxMetricSeries,
    });
    this.costAttributes = config.costAttributes;
    if (options.recordMetrics !== false) {
      this.metrics = sharedMetrics();
      if (options.metricLabels !== undefined || options.maxMetricSeries !== undefined)
        this.metrics.configure(config);
    }
  }

  onStart(span: unknown, _parentContext: Context): void {
    // Which calls tokenmeter's spans cover is recorded from the first span of someone else's on: a
    // peer's span around an SDK call starts before the call it could price a second time. Until
    // then (an app with tokenmeter's spans alone) no call pays for recording it.
    const cov = coverage();
    if (cov.active) return;
    const s = span as Partial<ReadableSpanLike> | null | undefined;
    const scope = s?.instrumentationScope?.name ?? s?.instrumentationLibrary?.name;
    if (scope !== PACKAGE_NAME) cov.active = true;
  }

  onEnding(span: WritableSpanLike): void {
    try {
      this.price(span);
    } catch (error) {
      // The span is exported as it was; the failure is ours to report, never the app's.
      sharedMetrics().internalError(COST_SPAN_PROCESSOR_COMPONENT);
      const message = `tokenmeter: the CostSpanProcessor could not price span "${String(span?.name)}"; it is exported unpriced`;
      this.failures.report(COST_SPAN_PROCESSOR_COMPONENT, message, error);
    }
  }

  onEnd(_span: ReadableSpanLike): void {}

  // Placed before the exporting processor, whose forceFlush and shutdown the SDK calls after ours:
  // the calls waiting in a batch end their spans first, so the exporter gets them.
  forceFlush(): Promise<void> {
    completeEndedCalls();
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    completeEndedCalls();
    return Promise.resolve();
  }

  private price(span: WritableSpanLike): void {
    const a = span.attributes;
    if (hasCostVerdict(a)) return;
    const scope = span.instrumentationScope?.name ?? span.instrumentationLibrary?.name;
    if (scope === PACKAGE_NAME) return;
    const cov = coverage();
    const ctx = span.spanContext();
    if (cov.parentSpans.delete(ctx.spanId)) return;
    if (scope === ANTHROPIC_SDK_SCOPE && cov.instrumenting > 0) return;
    const responseId = peerResponseId(a);
    if (responseId !== undefined && cov.responseIds.has(responseId)) return;

    const startTimeMs = millis(span.startTime);
    const priced = pricePeerSpan(span.name, a, startTimeMs, this.costAttributes);
    if (priced === undefined) return;
    span.setAttributes(priced.attributes);
    this.metrics?.record(
      peerCallRecord(priced, a, {
        startTimeMs: startTimeMs || Date.now(),
        durationMs: millis(span.duration),
        traceId: ctx.traceId,
        spanId: ctx.spanId,
        sampled: (ctx.traceFlags & 1) === 1,
      }),
    );
  }
}
