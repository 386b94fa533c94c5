// The tracer and meter providers the preload registers at start-up, in place of the SDK's: each
// hands out tracers and meters at once, and loads the OpenTelemetry SDK (the real providers, their
// processors, readers and exporters: most of what the preload would otherwise add to every process's
// start, bench/RESULTS.md) only when a span is started or an instrument is made. A process that
// makes no LLM call and traces nothing of its own never loads it; the first LLM request loads it in
// the background while the request is in flight (start.ts), so its completion finds it ready.
//
// They are the globals from the start, so an app's later `trace.getTracer()`, `metrics.getMeter()`
// and a second SDK registering itself behave as they did when the SDK's providers were registered
// at start-up.
import {
  type Attributes,
  type BatchObservableCallback,
  type Context,
  createNoopMeter,
  type Meter,
  type MeterOptions,
  type MeterProvider,
  type MetricOptions,
  type Observable,
  ProxyTracerProvider,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';

/** What a provider of ours can be asked besides handing out tracers or meters. */
interface Flushable {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The tracer while the SDK cannot be had (it failed to load, or is loading): spans non-recording. */
const noopTracer = new ProxyTracerProvider().getTracer('tokenmeter');

/** A tracer that gets the real one when its first span starts. */
class LateTracer implements Tracer {
  private real: Tracer | undefined;

  constructor(private readonly get: () => Tracer | undefined) {}

  private tracer(): Tracer {
    this.real ??= this.get();
    return this.real ?? noopTracer;
  }

  startSpan(name: string, options?: SpanOptions, context?: Context): Span {
    return this.tracer().startSpan(name, options, context);
  }

  startActiveSpan<F extends (span: Span) => unknown>(...args: unknown[]): ReturnType<F> {
    const tracer = this.tracer();
    return (tracer.startActiveSpan as (...a: unknown[]) => ReturnType<F>).apply(tracer, args);
  }
}

/**
 * A provider made by `load` when first needed. `load` returns undefined when the SDK cannot be had
 * (it failed to load, or is loading right now); it keeps its own result and is asked until it gives one.
 */
class LateProvider<P extends Flushable> {
  protected real: P | undefined;

  constructor(private readonly load: () => P | undefined) {}

  /** The real provider, loaded now if it was not yet. */
  provider(): P | undefined {
    this.real ??= this.load();
    return this.real;
  }

  /** Whether the real provider was loaded yet. */
  get loaded(): boolean {
    return this.real !== undefined;
  }

  /** A provider never loaded has recorded nothing: nothing to flush. */
  async forceFlush(): Promise<void> {
    await this.real?.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.real?.shutdown();
  }
}

/**
 * A TracerProvider whose real provider is made when the first span of any of its tracers starts;
 * spans are non-recording while the SDK cannot be had.
 */
export class LateTracerProvider extends LateProvider<TracerProvider & Flushable> implements TracerProvider {
  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    if (this.real) return this.real.getTracer(name, version, options);
    return new LateTracer(() => this.provider()?.getTracer(name, version, options));
  }
}

/** A meter that gets the real one when its first instrument is made. */
class LateMeter implements Meter {
  private real: Meter | undefined;

  constructor(private readonly get: () => Meter | undefined) {}

  private meter(): Meter {
    this.real ??= this.get();
    return this.real ?? createNoopMeter();
  }

  createGauge<A extends Attributes>(name: string, options?: MetricOptions) {
    return this.meter().createGauge<A>(name, options);
  }
  createHistogram<A extends Attributes>(name: string, options?: MetricOptions) {
    return this.meter().createHistogram<A>(name, options);
  }
  createCounter<A extends Attributes>(name: string, options?: MetricOptions) {
    return this.meter().createCounter<A>(name, options);
  }
  createUpDownCounter<A extends Attributes>(name: string, options?: MetricOptions) {
    return this.meter().createUpDownCounter<A>(name, options);
  }
  createObservableGauge<A extends Attributes>(name: string, options?: MetricOptions) {
    return this.meter().createObservableGauge<A>(name, options);
  }
  createObservableCounter<A extends Attributes>(name: string, options?: MetricOptions) {
    return this.meter().createObservableCounter<A>(name, options);
  }
  createObservableUpDownCounter<A extends Attributes>(name: string, options?: MetricOptions) {
    return this.meter().createObservableUpDownCounter<A>(name, options);
  }
  addBatchObservableCallback<A extends Attributes>(
    callback: BatchObservableCallback<A>,
    observables: Observable<A>[],
  ): void {
    this.meter().addBatchObservableCallback(callback, observables);
  }
  removeBatchObservableCallback<A extends Attributes>(
    callback: BatchObservableCallback<A>,
    observables: Observable<A>[],
  ): void {
    this.meter().removeBatchObservableCallback(callback, observables);
  }
}

/**
 * A MeterProvider whose real provider is made when the first instrument of any of its meters is
 * made; instruments are no-ops while the SDK cannot be had.
 */
export class LateMeterProvider extends LateProvider<MeterProvider & Flushable> implements MeterProvider {
  getMeter(name: string, version?: string, options?: MeterOptions): Meter {
    if (this.real) return this.real.getMeter(name, version, options);
    return new LateMeter(() => this.provider()?.getMeter(name, version, options));
  }
}
