// The OpenTelemetry SDK of the distro, made when first needed (late-providers.ts): the tracer
// provider with the CostSpanProcessor and the span exporters, the meter provider with its readers
// (the Prometheus exporter's too). start.ts loads this module synchronously (require) at the first
// span, the first instrument, the first scrape, or in the background while the first LLM request is
// in flight.
import { MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { CostSpanProcessor, type HistogramStore } from '@tokenmeter/instrumentation';
import { type AbortableExporter, isAbortable } from './abortable.js';
import { TokenmeterHistogramProducer } from './histogram-producer.js';
import { LazySpanExporter } from './lazy-exporter.js';
import {
  buildPeriodicReaders,
  buildPrometheusReader,
  buildPushMetricExporters,
  buildResource,
  buildSampler,
  buildSpanExporters,
  buildSpanProcessors,
} from './sdk.js';
import type { TokenmeterNodeConfig } from './types.js';

export interface SdkOptions {
  config: TokenmeterNodeConfig;
  /** Make the tracer provider (no app's provider was registered before us). */
  traces: boolean;
  /** Make the meter provider (no app's provider, and metrics exporters configured). */
  metrics: boolean;
  /** Started as the first span starts (the store's warm-up). */
  atFirstSpan: (() => void)[];
  /** The call histograms tokenmeter aggregates, read by each reader next to the SDK's metrics. */
  histograms: HistogramStore;
  /** Records the calls waiting in a batch (before a reader reads the histograms). */
  flushMetrics: () => void;
}

export interface Sdk {
  tracerProvider: NodeTracerProvider | undefined;
  meterProvider: MeterProvider | undefined;
  /** The Prometheus exporter's reader (served by prometheus-endpoint.ts). */
  prometheusReader: ReturnType<typeof buildPrometheusReader> | undefined;
  /** Exporters that can end their exports in flight at the shutdown deadline. */
  abortables: AbortableExporter[];
  /** Starts loading the lazy span exporters in the background (the first LLM request). */
  warmUp(): void;
}

export function buildSdk(o: SdkOptions): Sdk {
  const { config } = o;
  const abortables: AbortableExporter[] = [];
  let tracerProvider: NodeTracerProvider | undefined;
  let lazyExporters: LazySpanExporter[] = [];
  if (o.traces) {
    const exporters = buildSpanExporters(config);
    abortables.push(...exporters.filter(isAbortable));
    lazyExporters = exporters.filter((e) => e instanceof LazySpanExporter);
    tracerProvider = new NodeTracerProvider({
      resource: buildResource(config),
      sampler: buildSampler(config),
      spanProcessors: buildSpanProcessors(
        exporters,
        o.atFirstSpan,
        new CostSpanProcessor({
          costAttributes: config.costAttributes,
          metricLabels: config.metricLabels,
          maxMetricSeries: config.maxMetricSeries,
        }),
      ),
    });
  }

  let meterProvider: MeterProvider | undefined;
  let prometheusReader: Sdk['prometheusReader'];
  if (o.metrics) {
    const producerFor = () => new TokenmeterHistogramProducer(o.histograms, { flush: o.flushMetrics });
    const pushExporters = buildPushMetricExporters(config);
    abortables.push(...pushExporters.filter(isAbortable));
    const readers: MetricReader[] = buildPeriodicReaders(config, pushExporters, producerFor);
    if (config.metricsExporters.includes('prometheus')) {
      prometheusReader = buildPrometheusReader(producerFor);
      readers.push(prometheusReader);
    }
    meterProvider = new MeterProvider({ resource: buildResource(config), readers });
  }

  return {
    tracerProvider,
    meterProvider,
    prometheusReader,
    abortables,
    warmUp: () => {
      for (const e of lazyExporters) e.warmUp();
    },
  };
}
