// The distro's OTLP/HTTP metric exporter: OpenTelemetry's exporter class and serializers (JSON or
// protobuf, the same configuration from code and OTEL_EXPORTER_OTLP_*) on OtlpHttpTransport
// (otlp-export-parts.ts), which never keeps the app's process alive (see otlp-http-transport.ts).
// The span exporter has a module of its own (otlp-trace-exporter.ts, re-exported here), so that a
// process's first span export does not load the metric exporter and serializers.
// forceFlush and shutdown wait for the exports in flight, so a flush still means "delivered".
import {
  type AggregationTemporalityPreference,
  OTLPMetricExporterBase,
} from '@opentelemetry/exporter-metrics-otlp-http';
import {
  type IExporterMetricsHelper,
  type ISerializer,
  JsonMetricsSerializer,
  MetricsExporterMetricsHelper,
  ProtobufMetricsSerializer,
} from '@opentelemetry/otlp-transformer';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { AbortableExporter } from './abortable.js';
import { exportParts, type PartialSuccess, type Signal } from './otlp-export-parts.js';
import type { OtlpHttpTransport } from './otlp-http-transport.js';
import type { OtlpSignalConfig } from './types.js';

export { TokenmeterOtlpTraceExporter } from './otlp-trace-exporter.js';

const METRICS: Signal<ResourceMetrics> = {
  id: 'METRICS',
  path: 'v1/metrics',
  name: 'metrics',
  componentType: 'otlp_http_metric_exporter',
  json: JsonMetricsSerializer as ISerializer<ResourceMetrics, PartialSuccess>,
  protobuf: ProtobufMetricsSerializer as ISerializer<ResourceMetrics, PartialSuccess>,
  helper: MetricsExporterMetricsHelper as IExporterMetricsHelper<ResourceMetrics>,
};

export class TokenmeterOtlpMetricExporter extends OTLPMetricExporterBase implements AbortableExporter {
  readonly transport: OtlpHttpTransport;

  constructor(config: OtlpSignalConfig, temporalityPreference: AggregationTemporalityPreference) {
    const { delegate, transport } = exportParts(METRICS, config);
    super(delegate, { temporalityPreference });
    this.transport = transport;
  }

  override async forceFlush(): Promise<void> {
    await super.forceFlush();
    await this.transport.drain();
  }

  override async shutdown(): Promise<void> {
    await this.forceFlush();
    await super.shutdown();
  }

  abort(): void {
    this.transport.abort();
  }
}
