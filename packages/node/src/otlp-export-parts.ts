// What the distro's OTLP/HTTP span and metric exporters share (otlp-trace-exporter.ts,
// otlp-exporters.ts): OpenTelemetry's export delegate (configuration from code and
// OTEL_EXPORTER_OTLP_*, its self-metrics) on OtlpHttpTransport, which never keeps the app's process
// alive (see otlp-http-transport.ts). No serializer of its own: each signal brings its two, so that
// the span exporter loads the span serializers only (OpenTelemetry's transformer index would load
// the metric and log ones too, 42 files against 16).
import { diag } from '@opentelemetry/api';
import { createOtlpNetworkExportDelegate, type IOtlpExportDelegate } from '@opentelemetry/otlp-exporter-base';
import {
  convertLegacyHttpOptions,
  createOtlpHttpExporterMetrics,
} from '@opentelemetry/otlp-exporter-base/node-http';
import type { IExporterMetricsHelper, ISerializer } from '@opentelemetry/otlp-transformer';
import { OtlpHttpTransport } from './otlp-http-transport.js';
import type { OtlpSignalConfig } from './types.js';

export type PartialSuccess = { partialSuccess?: Record<string, unknown> };

export interface Signal<Internal> {
  /** As in OTEL_EXPORTER_OTLP_{TRACES,METRICS}_*. */
  id: 'TRACES' | 'METRICS';
  path: string;
  name: string;
  componentType: string;
  json: ISerializer<Internal, PartialSuccess>;
  protobuf: ISerializer<Internal, PartialSuccess>;
  helper: IExporterMetricsHelper<Internal>;
}

export function exportParts<Internal>(
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
