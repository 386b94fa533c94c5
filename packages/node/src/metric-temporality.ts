// The aggregation temporality an OTLP metric exporter asks for, by instrument, for each
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: the OpenTelemetry specification's table, as
// @opentelemetry/exporter-metrics-otlp-http implements it (its Cumulative-, Delta- and
// LowMemoryTemporalitySelector). Known here without loading the exporter: its metric reader asks
// when it is made, the exporter loads on the first export (lazy-exporter.ts).
import { AggregationTemporality, InstrumentType } from '@opentelemetry/sdk-metrics';
import type { MetricTemporality } from './types.js';

const DELTA_FOR: Record<Exclude<MetricTemporality, 'cumulative'>, ReadonlySet<InstrumentType>> = {
  delta: new Set([
    InstrumentType.COUNTER,
    InstrumentType.OBSERVABLE_COUNTER,
    InstrumentType.GAUGE,
    InstrumentType.HISTOGRAM,
    InstrumentType.OBSERVABLE_GAUGE,
  ]),
  lowmemory: new Set([InstrumentType.COUNTER, InstrumentType.HISTOGRAM]),
};

export function otlpTemporalitySelector(
  preference: MetricTemporality,
): (instrumentType: InstrumentType) => AggregationTemporality {
  if (preference === 'cumulative') return () => AggregationTemporality.CUMULATIVE;
  const delta = DELTA_FOR[preference];
  return (instrumentType) =>
    delta.has(instrumentType) ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
}
