// Exporters that accept everything and send nothing, for in-process diagnostics that run the
// OpenTelemetry SDK as the distro sets it up without a network.
import { AggregationTemporality, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export const nullSpanExporter: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};

export const nullMetricExporter: PushMetricExporter = {
  export: (_metrics, done) => done({ code: 0 }),
  shutdown: async () => {},
  forceFlush: async () => {},
  selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
};
