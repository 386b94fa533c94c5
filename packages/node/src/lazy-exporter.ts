// Exporters that load the real one when it is first needed. The OTLP exporters and their serializers
// (protobuf included) are a large part of what the preload would otherwise load at start-up
// (bench/RESULTS.md, start-up), for a first batch that the batch span processor sends seconds later
// at the earliest (metrics: a minute), or never (a script that makes no LLM call). The span exporter
// starts loading when the first span starts (DistroSpanProcessor, sdk.ts), while the app waits for the LLM's
// answer, so that it is ready when the batch leaves, at the latest when the app exits.
import { type Context, context, diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type {
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { metricsRecorder } from '@tokenmeter/instrumentation';

/** What the lazy exporters forward to: export, flush, shutdown, and abort where there is one. */
interface Exporter<Data> {
  export(data: Data, resultCallback: (result: ExportResult) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
  abort?(): void;
}

class LazyExporter<Data> {
  private exporter: Exporter<Data> | undefined;
  private loading: Promise<Exporter<Data> | undefined> | undefined;
  private closed = false;

  /**
   * @param load makes the exporter (typically `import()` of its module, then `new`); called once.
   * @param name what the one-line error calls it if loading fails ("OTLP span").
   */
  constructor(
    private readonly load: () => Promise<Exporter<Data>>,
    private readonly name: string,
  ) {}

  /** Whether the real exporter was loaded yet. */
  get loaded(): boolean {
    return this.exporter !== undefined;
  }

  private get(): Promise<Exporter<Data> | undefined> {
    this.loading ??= this.load().then(
      (exporter) => {
        this.exporter = exporter;
        return exporter;
      },
      (err: unknown) => {
        diag.error(
          `tokenmeter: the ${this.name} exporter did not load (${(err as Error)?.message ?? err}); nothing is exported through it`,
        );
        metricsRecorder().internalError('exporter');
        return undefined;
      },
    );
    return this.loading;
  }

  /** Starts loading the exporter in the background (once; not after shutdown). */
  warmUp(): void {
    if (this.loading || this.closed) return;
    setImmediate(() => {
      if (!this.closed) void this.get();
    });
  }

  export(data: Data, resultCallback: (result: ExportResult) => void): void {
    if (this.exporter) {
      this.exporter.export(data, resultCallback);
      return;
    }
    // Exporters are called in a context that suppresses tracing (so that their own requests are
    // not traced): the deferred call runs in that context too.
    const ctx: Context = context.active();
    void this.get().then((exporter) => {
      if (exporter) context.with(ctx, () => exporter.export(data, resultCallback));
      else
        resultCallback({
          code: ExportResultCode.FAILED,
          error: new Error(`${this.name} exporter not loaded`),
        });
    });
  }

  /** An exporter never loaded has exported nothing: nothing to flush or shut down. */
  async forceFlush(): Promise<void> {
    if (this.loading) await (await this.loading)?.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    if (this.loading) await (await this.loading)?.shutdown();
  }

  /** Ends the exports in flight, where the real exporter can (at the shutdown deadline). */
  abort(): void {
    this.exporter?.abort?.();
  }
}

export class LazySpanExporter extends LazyExporter<ReadableSpan[]> implements SpanExporter {}

export class LazyPushMetricExporter extends LazyExporter<ResourceMetrics> implements PushMetricExporter {
  /**
   * @param selectAggregationTemporality the real exporter's choice, known before it is loaded (the
   *   metric reader asks when it is made).
   */
  constructor(
    load: () => Promise<PushMetricExporter>,
    name: string,
    readonly selectAggregationTemporality: (instrumentType: InstrumentType) => AggregationTemporality,
  ) {
    super(load as () => Promise<Exporter<ResourceMetrics>>, name);
  }
}
