// The `node-http` entry of @opentelemetry/otlp-exporter-base, typed here: the CommonJS build resolves
// types without package `exports`, so it cannot find the package's own declarations of this entry.
declare module '@opentelemetry/otlp-exporter-base/node-http' {
  import type { Agent } from 'node:http';
  import type { MeterProvider } from '@opentelemetry/api';
  import type { ExporterMetrics, OTLPExporterNodeConfigBase } from '@opentelemetry/otlp-exporter-base';
  import type { IExporterMetricsHelper } from '@opentelemetry/otlp-transformer';

  /** The exporter configuration merged from code, the OTEL_EXPORTER_OTLP_* variables and the defaults. */
  export interface OtlpNodeHttpConfiguration {
    url: string;
    headers: () => Promise<Record<string, string>>;
    timeoutMillis: number;
    concurrencyLimit: number;
    compression: 'gzip' | 'none';
    agentFactory: (protocol: string) => Agent | Promise<Agent>;
    userAgent?: string;
  }

  export function convertLegacyHttpOptions(
    config: OTLPExporterNodeConfigBase,
    signalIdentifier: string,
    signalResourcePath: string,
    requiredHeaders: Record<string, string>,
  ): OtlpNodeHttpConfiguration;

  export function createOtlpHttpExporterMetrics<Internal>(
    metricsComponentType: string,
    exporterMetricsHelper: IExporterMetricsHelper<Internal>,
    url: string | undefined,
    meterProvider: MeterProvider | undefined,
  ): ExporterMetrics<Internal>;
}
