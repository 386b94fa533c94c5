// The distro's OTLP/HTTP span and metric exporters: OpenTelemetry's own exporter classes and
// serializers (JSON or protobuf, the same configuration from code and OTEL_EXPORTER_OTLP_*; spans
// in protobuf by a faster writer of the same bytes, otlp-trace-protobuf.ts), on OtlpHttpTransport,
// which never keeps the app's process alive (see otlp-http-transport.ts).
// forceFlush and shutdown wait for the exports in flight, so a flush still means "delivered".
import { diag } from '@opentelemetry/api';
import {
  type AggregationTemporalityPreference,
  OTLPMetricExporterBase,
} from '@opentelemetry/exporter-metrics-otlp-http';
import {
  createOtlpNetworkExportDelegate,
  type IOtlpExportDelegate,
  OTLPExporterBase,
} from '@opentelemetry/otlp-exporter-base';
import {
  convertLegacyHttpOptions,
  createOtlpHttpExporterMetrics,
} from '@opentelemetry/otlp-exporter-base/node-http';
import {
  type IExporterMetricsHelper,
  type ISerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  MetricsExporterMetricsHelper,
  ProtobufMetricsSerializer,
  TraceExporterMetricsHelper,
} from '@opentelemetry/otlp-transformer';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AbortableExporter } from './abortable.js';
import { OtlpHttpTransport } from './otlp-http-transport.js';
import { TokenmeterProtobufTraceSerializer } from './otlp-trace-protobuf.js';
import type { OtlpSignalConfig } from './types.js';

type PartialSuccess = { partialSuccess?: Record<string, unknown> };

interface Signal<Internal> {
  /** As in OTEL_EXPORTER_OTLP_{TRACES,METRICS}_*. */
  id: 'TRACES' | 'METRICS';
  path: string;
  name: string;
  componentType: string;
  json: ISerializer<Internal, PartialSuccess>;
  protobuf: ISerializer<Internal, PartialSuccess>;
  helper: IExporterMetricsHelper<Internal>;
}

const TRACES: Signal<ReadableSpan[]> = {
  id: 'TRACES',
  path: 'v1/traces',
  name: 'traces',
  componentType: 'otlp_http_span_exporter',
  json: JsonTraceSerializer as ISerializer<ReadableSpan[], PartialSuccess>,
  // OpenTelemetry's bytes, written faster (otlp-trace-protobuf.ts).
  protobuf: TokenmeterProtobufTraceSerializer as ISerializer<ReadableSpan[], PartialSuccess>,
  helper: TraceExporterMetricsHelper as IExporterMetricsHelper<ReadableSpan[]>,
};

const METRICS: Signal<ResourceMetrics> = {
  id: 'METRICS',
  path: 'v1/metrics',
  name: 'metrics',
  componentType: 'otlp_http_metric_exporter',
  json: JsonMetricsSerializer as ISerializer<ResourceMetrics, PartialSuccess>,
  protobuf: ProtobufMetricsSerializer as ISerializer<ResourceMetrics, PartialSuccess>,
  helper: MetricsExporterMetricsHelper as IExporterMetricsHelper<ResourceMetrics>,
};

function exportParts<Internal>(
  signal: Signal<Internal>,
  config: OtlpSignalConfig,
): { delegate: IOtlpExportDelegate<Internal>; transport: OtlpHttpTransport } {
  const json = config.protocol === 'http/json';
  const options = convertLegacyHttpOptions(
    { url: config.url, headers: config.headers, timeoutMillis: config.timeoutMs },
    signal.id,
    signal.path,
    { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' },
  );
  const serializer = json ? signal.json : signal.protobuf;
  const transport = new OtlpHttpTransport({
    url: options.url,
    headers: options.headers,
    compression: options.compression,
    agentFactory: options.agentFactory,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    signal: signal.name,
    onResponse: (body) => {
      const partial = serializer.deserializeResponse(body).partialSuccess;
      if (partial && Object.keys(partial).length > 0) {
        diag.warn(
          `tokenmeter: the collector accepted part of an OTLP ${signal.name} export: ${JSON.stringify(partial)}`,
        );
      }
    },
  });
  const metrics = createOtlpHttpExporterMetrics(signal.componentType, signal.helper, options.url, undefined);
  return { delegate: createOtlpNetworkExportDelegate(options, serializer, metrics, transport), transport };
}

export class TokenmeterOtlpTraceExporter
  extends OTLPExporterBase<ReadableSpan[]>
  implements AbortableExporter
{
  readonly transport: OtlpHttpTransport;

  constructor(config: OtlpSignalConfig) {
    const { delegate, transport } = exportParts(TRACES, config);
    super(delegate);
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
