import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { AggregationType, InstrumentType } from '@opentelemetry/sdk-metrics';
import { otlpTemporalitySelector } from '../src/metric-temporality.js';
import type { MetricTemporality } from '../src/types.js';

const PREFERENCES: [MetricTemporality, AggregationTemporalityPreference][] = [
  ['cumulative', AggregationTemporalityPreference.CUMULATIVE],
  ['delta', AggregationTemporalityPreference.DELTA],
  ['lowmemory', AggregationTemporalityPreference.LOWMEMORY],
];

test('the lazy OTLP metric exporter asks for the temporalities the OTLP exporter would, for every preference and instrument', () => {
  for (const [preference, otlp] of PREFERENCES) {
    const real = new OTLPMetricExporter({ temporalityPreference: otlp });
    const ours = otlpTemporalitySelector(preference);
    for (const type of Object.values(InstrumentType)) {
      assert.equal(ours(type), real.selectAggregationTemporality(type), `${preference} ${type}`);
      // The lazy exporter leaves the aggregation to the reader's default, as the OTLP exporter does.
      assert.deepEqual(
        real.selectAggregation(type),
        { type: AggregationType.DEFAULT },
        `${preference} ${type}`,
      );
    }
    void real.shutdown();
  }
});
