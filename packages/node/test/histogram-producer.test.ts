// The call histograms the distro's readers read from tokenmeter's own store (through
// TokenmeterHistogramProducer) are the very data points SDK histograms give for the same calls:
// same names, units, attributes, bucket counts, count, sum, min and max, cumulative and delta.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { calculateCost } from '@tokenmeter/pricing';
import {
  type CallRecord,
  createHistogramStore,
  metricsRecorder,
  TokenmeterHistogramProducer,
} from '../src/index.js';

// As an app with its own SDK does it (packages/node/README.md).
const recorder = metricsRecorder();

function records(n: number, seed: number): CallRecord[] {
  const out: CallRecord[] = [];
  for (let i = 0; i < n; i++) {
    const k = (i * 7919 + seed) % 1000;
    const model = ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4-5'][k % 3]!;
    const provider = model.startsWith('claude') ? 'anthropic' : 'openai';
    const usage = {
      inputTokens: 10 + k * 37,
      outputTokens: 1 + ((k * 13) % 900),
      ...(k % 5 === 0 ? { cacheReadTokens: 8 } : {}),
    };
    const cost = k % 11 === 0 ? null : calculateCost({ provider, model, usage });
    out.push({
      startTimeMs: Date.now(),
      durationMs: 5 + ((k * 31) % 20_000),
      ...(k % 2 === 0 ? { timeToFirstChunkMs: 1 + ((k * 3) % 900) } : {}),
      provider,
      operation: k % 17 === 0 ? 'embeddings' : 'chat',
      requestModel: model,
      responseModel: `${model}-2025`,
      stream: k % 2 === 0,
      serverAddress: 'api.example.com',
      serverPort: 443,
      ...(k % 13 === 0 ? {} : { usage }),
      usageEstimated: false,
      cost,
      pricingMatch: cost === null ? 'unknown_model' : 'exact',
      ...(k % 19 === 0 ? { errorType: '429' } : k % 23 === 0 ? { errorType: 'AbortError' } : {}),
      attribution: k % 3 === 0 ? { tenant: 'acme' } : {},
      sampled: true,
    });
  }
  return out;
}

/** Collect `batches` (recorded one after the other, a collection after each) through the SDK or the store. */
async function histogramsOf(
  batches: CallRecord[][],
  temporality: AggregationTemporality,
  viaStore: boolean,
): Promise<HistogramMetricData[][]> {
  recorder.reset();
  const exporter = new InMemoryMetricExporter(temporality);
  const store = createHistogramStore();
  const producer = new TokenmeterHistogramProducer(store, recorder);
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: 3_600_000,
    metricProducers: viaStore ? [producer] : [],
  });
  producer.bind(reader);
  const provider = new MeterProvider({ readers: [reader] });
  recorder.useHistogramStore(viaStore ? store : undefined, provider);
  recorder.setMeterProvider(provider);
  const out: HistogramMetricData[][] = [];
  for (const batch of batches) {
    for (const r of batch) recorder.record(r);
    exporter.reset();
    await reader.forceFlush();
    out.push(
      exporter
        .getMetrics()
        .flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics))
        .filter((m): m is HistogramMetricData => m.dataPointType === DataPointType.HISTOGRAM),
    );
  }
  await provider.shutdown();
  recorder.useHistogramStore(undefined);
  recorder.setMeterProvider(undefined);
  return out;
}

/** What a backend sees of a histogram collection, in a canonical order. */
function canonical(metrics: HistogramMetricData[]) {
  return metrics
    .map((m) => ({
      name: m.descriptor.name,
      unit: m.descriptor.unit,
      description: m.descriptor.description,
      temporality: m.aggregationTemporality,
      points: m.dataPoints
        .map((p) => ({
          attributes: JSON.stringify(Object.entries(p.attributes).sort(([a], [b]) => a.localeCompare(b))),
          boundaries: p.value.buckets.boundaries,
          counts: p.value.buckets.counts,
          count: p.value.count,
          sum: Number(p.value.sum?.toPrecision(12)),
          min: p.value.min,
          max: p.value.max,
        }))
        .sort((a, b) => a.attributes.localeCompare(b.attributes)),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
  const name = temporality === AggregationTemporality.DELTA ? 'delta' : 'cumulative';
  test(`${name}: the store's histograms equal the SDK's, collection after collection`, async () => {
    const batches = [records(400, 1), records(250, 2), [], records(30, 3)];
    const sdk = await histogramsOf(batches, temporality, false);
    const store = await histogramsOf(batches, temporality, true);
    assert.equal(store.length, sdk.length);
    for (let i = 0; i < sdk.length; i++) {
      const want = canonical(sdk[i]!);
      assert.ok(i === 2 || want.length === 4, `collection ${i}: ${want.length} histograms from the SDK`);
      assert.deepEqual(canonical(store[i]!), want, `collection ${i}`);
    }
  });
}
