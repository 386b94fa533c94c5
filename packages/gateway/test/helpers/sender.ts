// The sender in front of the gateway in tests: a real OpenTelemetry SDK tracer provider with the
// real OTLP/HTTP trace exporter (protobuf or JSON), as any service exporting spans would use it.
import type { Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface Sender {
  /** Start and end one span from `scope` with these attributes. */
  span(name: string, attributes: Attributes, scope?: string): void;
  /** Export what is pending (one request per batch). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function startSender(
  gatewayUrl: string,
  protocol: 'protobuf' | 'json',
  options: { headers?: Record<string, string>; compression?: 'gzip'; service?: string } = {},
): Sender {
  const exporterOptions = {
    url: `${gatewayUrl}/v1/traces`,
    headers: options.headers ?? {},
    ...(options.compression ? { compression: options.compression as never } : {}),
  };
  const exporter =
    protocol === 'protobuf'
      ? new OTLPTraceExporterProto(exporterOptions)
      : new OTLPTraceExporterJson(exporterOptions);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.service ?? 'python-chat-service' }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, { maxExportBatchSize: 512, scheduledDelayMillis: 60_000 }),
    ],
  });
  return {
    span(name, attributes, scope = 'opentelemetry.instrumentation.openai.v1') {
      provider.getTracer(scope, '0.40.0').startSpan(name, { attributes, kind: 2 }).end();
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
