// Builds the OpenTelemetry SDK pieces the distro runs: tracer provider with its exporters and the
// CostSpanProcessor, meter provider with its readers (the Prometheus exporter's included). Loaded
// with the SDK, when first needed (late-providers.ts, sdk-providers.ts), not at start-up.

import type { Context } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { defaultResource, type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  ConsoleMetricExporter,
  type MetricProducer,
  type MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  type Span,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { LazyPushMetricExporter, LazySpanExporter } from './lazy-exporter.js';
import { otlpTemporalitySelector } from './metric-temporality.js';
import type { TokenmeterNodeConfig } from './types.js';

export function buildResource(config: TokenmeterNodeConfig): Resource {
  return defaultResource().merge(
    resourceFromAttributes({ ...config.resourceAttributes, [ATTR_SERVICE_NAME]: config.serviceName }),
  );
}

export function buildSampler(config: TokenmeterNodeConfig): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

export function buildSpanExporters(config: TokenmeterNodeConfig): SpanExporter[] {
  const out: SpanExporter[] = [];
  for (const name of config.tracesExporters) {
    if (name === 'console') out.push(new ConsoleSpanExporter());
    else {
      const { otlpTraces } = config;
      // Loaded as the first span starts (lazy-exporter.ts).
      const load = async () =>
        new (await import('./otlp-exporters.js')).TokenmeterOtlpTraceExporter(
          otlpTraces,
        ) as unknown as SpanExporter;
      out.push(new LazySpanExporter(load, `OTLP ${otlpTraces.protocol} span`));
    }
  }
  return out;
}

/**
 * A BatchSpanProcessor whose forceFlush also waits for what its exporter has in flight: the OTLP
 * exporters take a batch at once and deliver it in the background (so that no timer of the
 * processor waits on the network and keeps the app alive).
 */
export class DeliveringBatchSpanProcessor extends BatchSpanProcessor {
  constructor(private readonly exporter: SpanExporter) {
    super(exporter);
  }

  override async forceFlush(): Promise<void> {
    await super.forceFlush();
    await this.exporter.forceFlush?.();
  }
}

/** The span processor that runs before the exporters' (the CostSpanProcessor). */
export interface FirstSpanProcessor {
  onStart(span: Span, parentContext: Context): void;
  onEnding(span: Span): void;
  onEnd(span: ReadableSpan): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The distro's span processors as one: `first` (the CostSpanProcessor), then what the first span
 * starts loading (lazy exporters, and `warmUps`: the store), then the exporters' batch processors.
 * Each is called directly, in that order, instead of through the SDK's MultiSpanProcessor looping
 * over a list of several classes (less code for V8 to compile on a call's span).
 */
export class DistroSpanProcessor implements SpanProcessor {
  private warmUps: readonly (() => void)[] | undefined;

  constructor(
    private readonly first: FirstSpanProcessor | undefined,
    warmUps: readonly (() => void)[],
    private readonly batches: readonly SpanProcessor[],
  ) {
    this.warmUps = warmUps.length > 0 ? warmUps : undefined;
  }

  onStart(span: Span, parentContext: Context): void {
    this.first?.onStart(span, parentContext);
    const warmUps = this.warmUps;
    if (warmUps !== undefined) {
      this.warmUps = undefined;
      for (const warmUp of warmUps) warmUp();
    }
    for (const batch of this.batches) batch.onStart(span, parentContext);
  }

  onEnding(span: Span): void {
    this.first?.onEnding(span);
    for (const batch of this.batches) batch.onEnding?.(span);
  }

  onEnd(span: ReadableSpan): void {
    this.first?.onEnd(span);
    for (const batch of this.batches) batch.onEnd(span);
  }

  // `first` before the batches, at once (the CostSpanProcessor ends the calls waiting in a batch,
  // so the exporters get their spans).
  async forceFlush(): Promise<void> {
    await Promise.all([this.first?.forceFlush(), ...this.batches.map((b) => b.forceFlush())]);
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.first?.shutdown(), ...this.batches.map((b) => b.shutdown())]);
  }
}

/**
 * The span processing of the distro, as one processor (DistroSpanProcessor): `first`, then what the
 * first span starts loading (lazy exporters, and `warmUps`: the store), then the exporters' batch
 * processors.
 */
export function buildSpanProcessors(
  exporters: SpanExporter[],
  warmUps: (() => void)[] = [],
  first?: FirstSpanProcessor,
): SpanProcessor[] {
  const atFirstSpan = [
    ...exporters.filter((e) => e instanceof LazySpanExporter).map((e) => () => e.warmUp()),
    ...warmUps,
  ];
  const batches = exporters.map((e) => new DeliveringBatchSpanProcessor(e));
  return [new DistroSpanProcessor(first, atFirstSpan, batches)];
}

export function buildPushMetricExporters(config: TokenmeterNodeConfig): PushMetricExporter[] {
  const out: PushMetricExporter[] = [];
  for (const name of config.metricsExporters) {
    if (name === 'console') out.push(new ConsoleMetricExporter());
    else if (name === 'otlp') {
      const { otlpMetrics } = config;
      // Loaded with the first export (lazy-exporter.ts); its temporalities are known before.
      const load = async () => {
        const { AggregationTemporalityPreference: P } = await import(
          '@opentelemetry/exporter-metrics-otlp-http'
        );
        const preference = { cumulative: P.CUMULATIVE, delta: P.DELTA, lowmemory: P.LOWMEMORY }[
          otlpMetrics.temporality
        ];
        const { TokenmeterOtlpMetricExporter } = await import('./otlp-exporters.js');
        return new TokenmeterOtlpMetricExporter(otlpMetrics, preference) as unknown as PushMetricExporter;
      };
      out.push(
        new LazyPushMetricExporter(
          load,
          `OTLP ${otlpMetrics.protocol} metric`,
          otlpTemporalitySelector(otlpMetrics.temporality),
        ),
      );
    }
  }
  return out;
}

/** Makes the MetricProducer a reader reads next to the SDK's (the call histograms), bound to it. */
export type ProducerFor = () => MetricProducer & { bind(reader: MetricReader): unknown };

export function buildPeriodicReaders(
  config: TokenmeterNodeConfig,
  exporters: PushMetricExporter[],
  producerFor?: ProducerFor,
): MetricReader[] {
  return exporters.map((exporter) => {
    const producer = producerFor?.();
    const reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: config.metricExportIntervalMs,
      exportTimeoutMillis: config.metricExportTimeoutMs,
      metricProducers: producer ? [producer] : [],
    });
    producer?.bind(reader);
    return reader;
  });
}

/** The Prometheus exporter's reader (no server of its own: prometheus-endpoint.ts serves it). */
export function buildPrometheusReader(producerFor?: ProducerFor): PrometheusExporter {
  const producer = producerFor?.();
  // No otel_scope_name/otel_scope_version labels: the series read llm_cost_usd_total{provider,model,org_id}.
  const reader = new PrometheusExporter({
    preventServerStart: true,
    withoutScopeInfo: true,
    metricProducers: producer ? [producer] : [],
  });
  producer?.bind(reader);
  return reader;
}
