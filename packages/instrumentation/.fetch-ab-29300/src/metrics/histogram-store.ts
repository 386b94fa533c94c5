// Explicit-bucket histograms aggregated by tokenmeter itself, for a MeterProvider whose readers
// read them through a MetricProducer (the distro sets this up). Recording into an SDK histogram
// hashes the attributes on every call (sorting the keys and serialising them); here the recorder's
// attribute objects are cached per label set, so a record is a Map lookup by identity, a binary
// search for the bucket and a few additions. The aggregation is the SDK's own for explicit
// buckets: inclusive upper bounds, count, sum, min, max, cumulative from the store's start.
import type { Attributes } from '@opentelemetry/api';
import type { MetricDescriptor } from '@tokenmeter/semconv';

export interface HistogramCell {
  readonly attributes: Attributes;
  /** One count per bucket: `boundaries.length + 1` (the last counts values above every boundary). */
  readonly counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Per interval reader (see addIntervalReader): min and max since that reader last took them. */
  readonly intervalMin: number[];
  readonly intervalMax: number[];
}

export interface StoredHistogram {
  readonly descriptor: MetricDescriptor;
  readonly boundaries: readonly number[];
  /** Cells by attribute object (the recorder reuses one object per label set). */
  readonly cells: Map<Attributes, HistogramCell>;
}

export class HistogramStore {
  /** When the aggregation started (the start time of cumulative points). */
  readonly startTimeMs = Date.now();
  readonly histograms: StoredHistogram[];
  /** Readers of delta intervals, which need each interval's min and max. */
  private intervals = 0;

  constructor(descriptors: readonly MetricDescriptor[]) {
    this.histograms = descriptors.map((descriptor) => ({
      descriptor,
      boundaries: [...(descriptor.buckets ?? [])],
      cells: new Map(),
    }));
  }

  /** Register a reader of delta intervals; returns its slot in the cells' intervalMin/intervalMax. */
  addIntervalReader(): number {
    return this.intervals++;
  }

  /** Record `value` into histogram `index` (its position in the constructor's list). */
  record(index: number, value: number, attributes: Attributes): void {
    if (!Number.isFinite(value)) return;
    const h = this.histograms[index]!;
    let cell = h.cells.get(attributes);
    if (cell === undefined) {
      cell = {
        attributes,
        counts: new Array<number>(h.boundaries.length + 1).fill(0),
        count: 0,
        sum: 0,
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
        intervalMin: [],
        intervalMax: [],
      };
      h.cells.set(attributes, cell);
    }
    for (let k = 0; k < this.intervals; k++) {
      if (!(value >= cell.intervalMin[k]!)) cell.intervalMin[k] = value;
      if (!(value <= cell.intervalMax[k]!)) cell.intervalMax[k] = value;
    }
    cell.counts[bucketOf(h.boundaries, value)]!++;
    cell.count++;
    cell.sum += value;
    if (value < cell.min) cell.min = value;
    if (value > cell.max) cell.max = value;
  }
}

/** The first boundary >= value (inclusive upper bounds), or the overflow bucket. */
function bucketOf(boundaries: readonly number[], value: number): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (boundaries[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
