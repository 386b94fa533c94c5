// The call histograms (gen_ai.client.token.usage, gen_ai.client.operation.duration, time to first
// chunk, cost) as a MetricProducer of the distro's metric readers: tokenmeter aggregates them itself
// (see HistogramStore, about 4x cheaper per call than SDK histograms) and each reader reads them here
// in its own temporality, next to what the SDK collects.
import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import { hrTime, millisToHrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type Histogram,
  type HistogramMetricData,
  InstrumentType,
  type MetricProducer,
  type MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  type HistogramCell,
  type HistogramStore,
  type MetricsRecorder,
  PACKAGE_NAME,
  PACKAGE_VERSION,
} from '@tokenmeter/instrumentation';

/** Attributes as a key that does not depend on key order (cells of equal label sets merge). */
function keyOf(attributes: Attributes): string {
  return JSON.stringify(
    Object.keys(attributes)
      .sort()
      .map((k) => [k, attributes[k]]),
  );
}

interface Totals {
  counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
  attributes: Attributes;
}

/** Add `cell` to `into` (cells of one label set); min and max of the whole run, or of the interval of `slot`. */
function merge(into: Totals | undefined, cell: HistogramCell, slot: number | undefined): Totals {
  const min = slot === undefined ? cell.min : (cell.intervalMin[slot] ?? Number.POSITIVE_INFINITY);
  const max = slot === undefined ? cell.max : (cell.intervalMax[slot] ?? Number.NEGATIVE_INFINITY);
  if (slot !== undefined) {
    cell.intervalMin[slot] = Number.POSITIVE_INFINITY;
    cell.intervalMax[slot] = Number.NEGATIVE_INFINITY;
  }
  if (into === undefined)
    return {
      counts: [...cell.counts],
      count: cell.count,
      sum: cell.sum,
      min,
      max,
      attributes: cell.attributes,
    };
  for (let i = 0; i < into.counts.length; i++) into.counts[i]! += cell.counts[i]!;
  into.count += cell.count;
  into.sum += cell.sum;
  into.min = Math.min(into.min, min);
  into.max = Math.max(into.max, max);
  return into;
}

export class TokenmeterHistogramProducer implements MetricProducer {
  private reader: MetricReader | undefined;
  /** The store's interval slot, when the reader takes delta histograms. */
  private slot: number | undefined;
  /** Delta temporality: the cumulative totals at the last collection, per histogram and label set. */
  private readonly previous: Map<string, Totals>[];
  private previousTime: HrTime;

  constructor(
    private readonly store: HistogramStore,
    private readonly recorder: Pick<MetricsRecorder, 'flush'>,
  ) {
    this.previous = store.histograms.map(() => new Map());
    this.previousTime = millisToHrTime(store.startTimeMs);
  }

  /** The reader this producer feeds (its temporality for histograms decides cumulative or delta). */
  bind(reader: MetricReader): this {
    this.reader = reader;
    if (reader.selectAggregationTemporality(InstrumentType.HISTOGRAM) === AggregationTemporality.DELTA)
      this.slot = this.store.addIntervalReader();
    return this;
  }

  async collect(): Promise<CollectionResult> {
    this.recorder.flush();
    const temporality =
      this.reader?.selectAggregationTemporality(InstrumentType.HISTOGRAM) ??
      AggregationTemporality.CUMULATIVE;
    const delta = temporality === AggregationTemporality.DELTA && this.slot !== undefined;
    const endTime = hrTime();
    const startTime = delta ? this.previousTime : millisToHrTime(this.store.startTimeMs);
    const metrics: HistogramMetricData[] = [];
    this.store.histograms.forEach((h, index) => {
      const totals = new Map<string, Totals>();
      for (const cell of h.cells.values()) {
        const key = keyOf(cell.attributes);
        totals.set(key, merge(totals.get(key), cell, delta ? this.slot : undefined));
      }
      const dataPoints = [];
      for (const [key, t] of totals) {
        let value: Histogram;
        if (delta) {
          const before = this.previous[index]!.get(key);
          this.previous[index]!.set(key, { ...t, counts: [...t.counts] });
          const count = t.count - (before?.count ?? 0);
          if (count === 0) continue;
          value = {
            buckets: {
              boundaries: [...h.boundaries],
              counts: t.counts.map((c, i) => c - (before?.counts[i] ?? 0)),
            },
            count,
            sum: t.sum - (before?.sum ?? 0),
            min: t.min, // of the interval (the store keeps them per delta reader)
            max: t.max,
          };
        } else {
          value = {
            buckets: { boundaries: [...h.boundaries], counts: t.counts },
            count: t.count,
            sum: t.sum,
            min: t.min,
            max: t.max,
          };
        }
        dataPoints.push({ attributes: t.attributes, startTime, endTime, value });
      }
      if (dataPoints.length === 0) return;
      metrics.push({
        descriptor: {
          name: h.descriptor.name,
          description: h.descriptor.description,
          unit: h.descriptor.unit,
          valueType: ValueType.DOUBLE,
        },
        aggregationTemporality: temporality,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints,
      });
    });
    if (delta) this.previousTime = endTime;
    return {
      resourceMetrics: {
        resource: emptyResource(),
        scopeMetrics:
          metrics.length === 0 ? [] : [{ scope: { name: PACKAGE_NAME, version: PACKAGE_VERSION }, metrics }],
      },
      errors: [],
    };
  }
}
