// The distro's OTLP/HTTP span exporter: OpenTelemetry's exporter class and serializers (JSON or
// protobuf, the same configuration from code and OTEL_EXPORTER_OTLP_*; protobuf by a faster writer
// of the same bytes, otlp-trace-protobuf.ts) on OtlpHttpTransport (otlp-export-parts.ts). Loaded when
// the first span starts (lazy-exporter.ts): it takes the span serializers from their own modules of
// @opentelemetry/otlp-transformer (a pinned version), not from its index, which would also load
// the metric and log serializers for a process's first export (bench/diag/perf-export-first-flush.ts).
// forceFlush and shutdown wait for the exports in flight, so a flush still means "delivered".
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import type { IExporterMetricsHelper, ISerializer } from '@opentelemetry/otlp-transformer';
import { TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer/build/src/trace/index.js';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer/build/src/trace/json/index.js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AbortableExporter } from './abortable.js';
import { exportParts, type PartialSuccess, type Signal } from './otlp-export-parts.js';
import type { OtlpHttpTransport } from './otlp-http-transport.js';
import { TokenmeterProtobufTraceSerializer } from './otlp-trace-protobuf.js';
import type { OtlpSignalConfig } from './types.js';

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
