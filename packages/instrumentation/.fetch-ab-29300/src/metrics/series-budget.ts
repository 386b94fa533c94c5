// One cardinality budget for every metric tokenmeter records (maxMetricSeries, env
// TOKENMETER_METRIC_MAX_SERIES): a metric holds at most that many series, counted as Prometheus
// counts them (a histogram's label set is its buckets, +Inf, _sum and _count). A label set that would
// go past it is recorded in the metric's overflow set instead (see recorder.ts), so totals stay
// whole and memory, series and the /metrics page stay bounded whatever the model names. Each metric
// says once, through the diag logger, that it reached the cap.
import { diag } from '@opentelemetry/api';
import type { MetricDescriptor } from '@tokenmeter/semconv';

export class SeriesBudget {
  /** Series one label set takes: 1 for a counter or gauge, buckets + 3 for a histogram. */
  readonly seriesPerSet: number;
  private used = 0;
  private warned = false;
  /** Label sets sent to the overflow set (for tests and the log line). */
  overflowed = 0;

  constructor(
    readonly descriptor: MetricDescriptor,
    private readonly limit: () => number,
  ) {
    this.seriesPerSet = descriptor.buckets ? descriptor.buckets.length + 3 : 1;
  }

  /** Room for one more label set: true (and taken), or false: record it in the overflow set. */
  admit(): boolean {
    if (this.used + this.seriesPerSet <= this.limit()) {
      this.used += this.seriesPerSet;
      return true;
    }
    this.refuse();
    return false;
  }

  /** A label set goes to the overflow set (also when the recorder's bound on label sets it keeps says so). */
  refuse(): void {
    this.overflowed++;
    if (this.warned) return;
    this.warned = true;
    diag.warn(
      `tokenmeter: the metric ${this.descriptor.name} reached its cap of ${this.limit()} series (maxMetricSeries, TOKENMETER_METRIC_MAX_SERIES); new label sets are recorded in its overflow set (otel.metric.overflow=true, model and the other high-cardinality labels "other")`,
    );
  }

  reset(): void {
    this.used = 0;
    this.overflowed = 0;
    this.warned = false;
  }
}
