// Builds the OpenTelemetry SDK pieces the distro runs: tracer provider with its exporters and the
// CostSpanProcessor, meter provider with its readers (the Prometheus exporter's included). Loaded
// with the SDK, when first needed (late-providers.ts, sdk-providers.ts), not at start-up.
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
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { LazyPushMetricExporter, LazySpanExporter, OnFirstSpan } from './lazy-exporter.js';
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

/**
 * The batch processors of the exporters, after one that starts loading what the first LLM call
 * needs (lazy exporters, and `warmUps`: the store) as the first span starts.
 */
export function buildSpanProcessors(
  exporters: SpanExporter[],
  warmUps: (() => void)[] = [],
): SpanProcessor[] {
  const atFirstSpan = [
    ...exporters.filter((e) => e instanceof LazySpanExporter).map((e) => () => e.warmUp()),
    ...warmUps,
  ];
  const batches = exporters.map((e) => new DeliveringBatchSpanProcessor(e));
  return atFirstSpan.length > 0 ? [new OnFirstSpan(atFirstSpan), ...batches] : batches;
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
