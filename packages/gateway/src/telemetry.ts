// The gateway's metrics: the llm_* / gen_ai.* cost metrics of the calls it prices (recorded by the
// same MetricsRecorder the distro uses), its own health counters, a Prometheus reader served at
// /metrics on the gateway's port, and optionally an OTLP push to the next hop.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter } from '@opentelemetry/api';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as OTLPMetricExporterJson,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPMetricExporterProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  type MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { MetricsRecorder, PACKAGE_VERSION } from '@tokenmeter/instrumentation';
import {
  ATTR_TOKENMETER_GATEWAY_RESULT,
  ATTR_TOKENMETER_GATEWAY_SIGNAL,
  METRIC_TOKENMETER_GATEWAY_QUEUE_SPANS_DESCRIPTOR,
  METRIC_TOKENMETER_GATEWAY_REQUESTS_DESCRIPTOR,
  METRIC_TOKENMETER_GATEWAY_SPANS_DESCRIPTOR,
} from '@tokenmeter/semconv';
import type { GatewayOptions } from './types.js';

export type Signal = 'traces' | 'metrics' | 'logs';

export interface GatewayTelemetry {
  recorder: MetricsRecorder;
  countRequest(signal: Signal, result: string): void;
  countSpans(result: string, spans: number): void;
  /** Serve the Prometheus text format. */
  serveMetrics(req: IncomingMessage, res: ServerResponse): void;
  /** Collect and push what is pending (OTLP), then stop. */
  shutdown(): Promise<void>;
}

const SCOPE = '@tokenmeter/gateway';

export function startTelemetry(
  options: Pick<GatewayOptions, 'otlpMetrics' | 'serviceName' | 'metricLabels' | 'maxMetricSeries'>,
  queuedSpans: () => number,
  warn: (line: string) => void,
): GatewayTelemetry {
  // No otel_scope_* labels: the series read llm_cost_usd_total{provider,model,org_id}, as the distro's.
  const prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const readers: MetricReader[] = [prometheus];
  const otlp = options.otlpMetrics;
  if (otlp !== undefined) {
    const exporterOptions = {
      url: otlp.url,
      headers: otlp.headers ?? {},
      timeoutMillis: otlp.timeoutMs ?? 10_000,
      temporalityPreference:
        otlp.temporality === 'delta'
          ? AggregationTemporalityPreference.DELTA
          : AggregationTemporalityPreference.CUMULATIVE,
    };
    const exporter = (otlp.protocol === 'http/json'
      ? new OTLPMetricExporterJson(exporterOptions)
      : new OTLPMetricExporterProto(exporterOptions)) as unknown as PushMetricExporter;
    readers.push(
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: otlp.intervalMs ?? 60_000,
        exportTimeoutMillis: Math.min(otlp.timeoutMs ?? 10_000, otlp.intervalMs ?? 60_000),
      }),
    );
  }
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'tokenmeter-gateway' }),
    readers,
  });
  const recorder = new MetricsRecorder();
  recorder.configure({
    metricLabels: {
      feature: options.metricLabels?.includes('feature') ?? false,
      user: options.metricLabels?.includes('user') ?? false,
    },
    ...(options.maxMetricSeries !== undefined ? { maxMetricSeries: options.maxMetricSeries } : {}),
  });
  recorder.setMeterProvider(provider);

  const meter = provider.getMeter(SCOPE, PACKAGE_VERSION);
  const counter = (d: typeof METRIC_TOKENMETER_GATEWAY_REQUESTS_DESCRIPTOR): Counter =>
    meter.createCounter(d.name, { description: d.description, unit: d.unit });
  const requests = counter(METRIC_TOKENMETER_GATEWAY_REQUESTS_DESCRIPTOR);
  const spans = counter(METRIC_TOKENMETER_GATEWAY_SPANS_DESCRIPTOR);
  meter
    .createObservableGauge(METRIC_TOKENMETER_GATEWAY_QUEUE_SPANS_DESCRIPTOR.name, {
      description: METRIC_TOKENMETER_GATEWAY_QUEUE_SPANS_DESCRIPTOR.description,
      unit: METRIC_TOKENMETER_GATEWAY_QUEUE_SPANS_DESCRIPTOR.unit,
    })
    .addCallback((result) => result.observe(queuedSpans()));
  const requestAttrs = new Map<string, Record<string, string>>();

  return {
    recorder,
    countRequest(signal, result) {
      const key = `${signal}\u0000${result}`;
      let attrs = requestAttrs.get(key);
      if (attrs === undefined) {
        attrs = { [ATTR_TOKENMETER_GATEWAY_SIGNAL]: signal, [ATTR_TOKENMETER_GATEWAY_RESULT]: result };
        requestAttrs.set(key, attrs);
      }
      requests.add(1, attrs);
    },
    countSpans(result, n) {
      if (n > 0) spans.add(n, { [ATTR_TOKENMETER_GATEWAY_RESULT]: result });
    },
    serveMetrics(req, res) {
      recorder.flush();
      prometheus.getMetricsRequestHandler(req, res);
    },
    async shutdown() {
      recorder.flush();
      try {
        await provider.shutdown();
      } catch (e) {
        recorder.internalError('gateway_metrics');
        warn(`tokenmeter gateway: the last metrics export failed: ${(e as Error).message}`);
      }
    },
  };
}
