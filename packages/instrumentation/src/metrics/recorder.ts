// Metrics of LLM calls, recorded from CallRecords. One recorder per process (see `sharedMetrics`):
// the fetch instrumentation and the CostSpanProcessor feed the same instruments.
//
// Cost on the call path is kept small (DESIGN "Where per-call overhead goes"):
// - The llm.* counters are observable: each call adds a few numbers to a plain per-series object,
//   and the SDK reads the running totals when it collects. No SDK call per call for them.
// - The semconv histograms (token usage, duration, time to first chunk) and the cost histogram are
//   recorded in batches: a call appends its CallRecord to a bounded queue, and the queue is recorded
//   in one tight loop when the SDK collects (the batch observable callback runs before the SDK reads
//   the synchronous instruments, so the points land in that very collection) or when it reaches
//   QUEUE_LIMIT records. Attribute objects are built once per label set and cached. Recording off
//   the request path, many at a time, costs a fraction of recording each call in place.
// - Label sets are capped (maxMetricSeries): past the cap, model, feature and user fold into
//   `other` (and, if still new, the tenant too), so a runaway label never grows memory or series.
import {
  type Attributes,
  type BatchObservableResult,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type Observable,
  type ObservableCounter,
  type ObservableGauge,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TOKENMETER_COMPONENT,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  LABEL_FEATURE,
  LABEL_MODEL,
  LABEL_ORG_ID,
  LABEL_PRICED,
  LABEL_PROVIDER,
  LABEL_TOKEN_TYPE,
  LABEL_TOKEN_TYPE_VALUE_CACHE_READ,
  LABEL_TOKEN_TYPE_VALUE_CACHE_WRITE,
  LABEL_TOKEN_TYPE_VALUE_INPUT,
  LABEL_TOKEN_TYPE_VALUE_OUTPUT,
  LABEL_USER,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK_DESCRIPTOR,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE_DESCRIPTOR,
  METRIC_LLM_COST_USD_DESCRIPTOR,
  METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR,
  METRIC_LLM_REQUESTS_DESCRIPTOR,
  METRIC_LLM_TOKENS_DESCRIPTOR,
  METRIC_TOKENMETER_CLIENT_OPERATION_COST_DESCRIPTOR,
  METRIC_TOKENMETER_INTERNAL_ERRORS_DESCRIPTOR,
  type MetricDescriptor,
} from '@tokenmeter/semconv';
import type { CallRecord } from '../call-record.js';
import { DEFAULT_MAX_METRIC_SERIES } from '../config.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import { HistogramStore } from './histogram-store.js';
import { RollingSpend } from './rolling.js';

/** The histograms of a call, in the order of a HistogramStore made by `createHistogramStore`. */
const HISTOGRAMS = [
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE_DESCRIPTOR,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK_DESCRIPTOR,
  METRIC_TOKENMETER_CLIENT_OPERATION_COST_DESCRIPTOR,
] as const;
const TOKEN_USAGE = 0;
const DURATION = 1;
const TIME_TO_FIRST_CHUNK = 2;
const COST = 3;

/** A store for the call histograms, for `MetricsRecorder#useHistogramStore`. */
export function createHistogramStore(): HistogramStore {
  return new HistogramStore(HISTOGRAMS);
}

/** Histogram records held before they are recorded without waiting for a collection. */
export const QUEUE_LIMIT = 1024;

/** The label value that excess label sets fold into. */
export const OTHER = 'other';

/** The durations cache's key for error types past the cap (no error type starts with NUL). */
const FOLDED_ERROR_TYPE = '\u0000other';

export interface MetricLabelOptions {
  /** Attribution labels allowed on the llm.* metrics. */
  metricLabels?: { feature: boolean; user: boolean };
  /** Cap on distinct label sets (provider, model, org_id, feature, user). */
  maxMetricSeries?: number;
}

/** Running totals of one llm.* label set (provider, model, org_id[, feature][, user]). */
class Series {
  requestsPriced = 0;
  requestsUnpriced = 0;
  /** input (uncached), cache_read, cache_write, output */
  readonly tokens = [0, 0, 0, 0];
  costNanos = 0;
  readonly pricedAttrs: Attributes;
  readonly unpricedAttrs: Attributes;
  readonly tokenAttrs: Attributes[];
  constructor(readonly attrs: Attributes) {
    this.pricedAttrs = { ...attrs, [LABEL_PRICED]: true };
    this.unpricedAttrs = { ...attrs, [LABEL_PRICED]: false };
    this.tokenAttrs = [
      LABEL_TOKEN_TYPE_VALUE_INPUT,
      LABEL_TOKEN_TYPE_VALUE_CACHE_READ,
      LABEL_TOKEN_TYPE_VALUE_CACHE_WRITE,
      LABEL_TOKEN_TYPE_VALUE_OUTPUT,
    ].map((t) => ({ ...attrs, [LABEL_TOKEN_TYPE]: t }));
  }
}

/** Cached attribute objects of the gen_ai.* histograms for one (operation, provider, models, server). */
class HistogramAttrs {
  readonly input: Attributes;
  readonly output: Attributes;
  /** gen_ai.client.operation.duration, keyed by error.type ('' = none). */
  private readonly durations = new Map<string, Attributes>();
  /** operation, provider, request model: time to first chunk and cost. */
  readonly short: Attributes;
  constructor(readonly base: Attributes) {
    this.input = { ...base, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT };
    this.output = { ...base, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT };
    const short: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: base[ATTR_GEN_AI_OPERATION_NAME],
      [ATTR_GEN_AI_PROVIDER_NAME]: base[ATTR_GEN_AI_PROVIDER_NAME],
    };
    if (base[ATTR_GEN_AI_REQUEST_MODEL] !== undefined)
      short[ATTR_GEN_AI_REQUEST_MODEL] = base[ATTR_GEN_AI_REQUEST_MODEL];
    this.short = short;
    this.durations.set('', base);
  }
  duration(errorType: string | undefined): Attributes {
    const key = errorType ?? '';
    let attrs = this.durations.get(key);
    if (attrs === undefined) {
      // Past 64 error types, the rest share one `other` set (cached like the others: the histogram
      // store keys its cells by attribute object).
      const folded = this.durations.size >= 64;
      const mapKey = folded ? FOLDED_ERROR_TYPE : key;
      attrs = this.durations.get(mapKey);
      if (attrs === undefined) {
        attrs = { ...this.base, [ATTR_ERROR_TYPE]: folded ? OTHER : key };
        this.durations.set(mapKey, attrs);
      }
    }
    return attrs;
  }
}

interface Instruments {
  meter: Meter;
  /** The SDK histograms (in HISTOGRAMS order), or the store that stands in for them. */
  histograms: Histogram[] | HistogramStore;
  requests: ObservableCounter;
  tokens: ObservableCounter;
  costTotal: ObservableCounter;
  rolling: ObservableGauge;
  internalErrors: Counter;
  callback: (result: BatchObservableResult) => void;
  observables: Observable[];
}

function histogram(meter: Meter, d: MetricDescriptor): Histogram {
  return meter.createHistogram(d.name, {
    description: d.description,
    unit: d.unit,
    advice: d.buckets ? { explicitBucketBoundaries: [...d.buckets] } : undefined,
  });
}

function lower(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  return value.toLowerCase();
}

/** Records CallRecords to the metrics. Never throws. */
export class MetricsRecorder {
  private labelFeature = false;
  private labelUser = false;
  private maxSeries = DEFAULT_MAX_METRIC_SERIES;
  private readonly series = new Map<string, Series>();
  private readonly histogramAttrs = new Map<string, HistogramAttrs>();
  private readonly rolling = new RollingSpend();
  private instruments: Instruments | undefined;
  private provider: MeterProvider | undefined;
  private explicitProvider: MeterProvider | undefined;
  /** Calls whose histogram points are not recorded yet (with their label set's model folding). */
  private queue: CallRecord[] = [];
  private queueFolded: boolean[] = [];
  /** Histograms aggregated here instead of by the SDK, for this provider's readers (see useHistogramStore). */
  private store: { store: HistogramStore; provider: MeterProvider } | undefined;

  configure(options: MetricLabelOptions): void {
    if (options.metricLabels) {
      this.labelFeature = options.metricLabels.feature;
      this.labelUser = options.metricLabels.user;
    }
    if (options.maxMetricSeries !== undefined && options.maxMetricSeries > 0)
      this.maxSeries = options.maxMetricSeries;
  }

  /** Use this MeterProvider instead of the global one (InstrumentationBase#setMeterProvider). */
  setMeterProvider(provider: MeterProvider | undefined): void {
    this.explicitProvider = provider;
  }

  /**
   * Aggregate the histograms in `store` instead of SDK histograms while `provider` is the meter
   * provider in use; its readers must read the store through a MetricProducer (the distro's
   * TokenmeterHistogramProducer). Undefined: back to SDK histograms.
   */
  useHistogramStore(store: HistogramStore | undefined, provider?: MeterProvider): void {
    this.flushHistograms();
    this.store = store !== undefined && provider !== undefined ? { store, provider } : undefined;
    this.provider = undefined; // instruments rebuilt for the new target on the next record
  }

  /** Record what is queued now (a MetricProducer reading the store calls this first). */
  flush(): void {
    this.flushHistograms();
  }

  /** Forget every running total and cached label set (tests). */
  reset(): void {
    this.queue = [];
    this.queueFolded = [];
    this.series.clear();
    this.histogramAttrs.clear();
    this.rolling.clear();
  }

  /** Number of llm.* label sets held (for tests of the cap). */
  get seriesCount(): number {
    return this.series.size;
  }

  private ensure(): Instruments | undefined {
    const provider = this.explicitProvider ?? metrics.getMeterProvider();
    if (provider !== this.provider || this.instruments === undefined) {
      this.provider = provider;
      this.build(provider);
    }
    return this.instruments;
  }

  private build(provider: MeterProvider): void {
    const old = this.instruments;
    if (old) {
      this.flushHistograms(); // to the instruments they were meant for
      try {
        old.meter.removeBatchObservableCallback(old.callback, old.observables);
      } catch {
        // an old SDK meter that is gone: nothing to remove
      }
    }
    const meter = provider.getMeter(PACKAGE_NAME, PACKAGE_VERSION);
    const counter = (d: MetricDescriptor) =>
      meter.createObservableCounter(d.name, { description: d.description, unit: d.unit });
    const requests = counter(METRIC_LLM_REQUESTS_DESCRIPTOR);
    const tokens = counter(METRIC_LLM_TOKENS_DESCRIPTOR);
    const costTotal = counter(METRIC_LLM_COST_USD_DESCRIPTOR);
    const rolling = meter.createObservableGauge(METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR.name, {
      description: METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR.description,
      unit: METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR.unit,
    });
    const callback = (result: BatchObservableResult) =>
      this.observe(result, requests, tokens, costTotal, rolling);
    const observables = [requests, tokens, costTotal, rolling];
    meter.addBatchObservableCallback(callback, observables);
    this.instruments = {
      meter,
      histograms:
        this.store !== undefined && this.store.provider === provider
          ? this.store.store
          : HISTOGRAMS.map((d) => histogram(meter, d)),
      requests,
      tokens,
      costTotal,
      rolling,
      internalErrors: meter.createCounter(METRIC_TOKENMETER_INTERNAL_ERRORS_DESCRIPTOR.name, {
        description: METRIC_TOKENMETER_INTERNAL_ERRORS_DESCRIPTOR.description,
        unit: METRIC_TOKENMETER_INTERNAL_ERRORS_DESCRIPTOR.unit,
      }),
      callback,
      observables,
    };
  }

  private observe(
    result: BatchObservableResult,
    requests: ObservableCounter,
    tokens: ObservableCounter,
    cost: ObservableCounter,
    rolling: ObservableGauge,
  ): void {
    this.flushHistograms();
    try {
      for (const s of this.series.values()) {
        if (s.requestsPriced > 0) result.observe(requests, s.requestsPriced, s.pricedAttrs);
        if (s.requestsUnpriced > 0) result.observe(requests, s.requestsUnpriced, s.unpricedAttrs);
        for (let i = 0; i < 4; i++) {
          const n = s.tokens[i]!;
          if (n > 0) result.observe(tokens, n, s.tokenAttrs[i]);
        }
        if (s.costNanos > 0) result.observe(cost, s.costNanos / 1e9, s.attrs);
      }
      this.rolling.forEach(Date.now(), (tenant, nanos) => {
        result.observe(rolling, nanos / 1e9, tenant === '' ? {} : { [LABEL_ORG_ID]: tenant });
      });
    } catch {
      // never fail a collection
    }
  }

  /** The llm.* series of a call, created (or folded into `other`) on first use. */
  private seriesFor(
    provider: string,
    model: string | undefined,
    org: string | undefined,
    feature: string | undefined,
    user: string | undefined,
  ): Series {
    const key = `${provider}\u0000${model ?? ''}\u0000${org ?? ''}\u0000${feature ?? ''}\u0000${user ?? ''}`;
    let s = this.series.get(key);
    if (s !== undefined) return s;
    if (this.series.size >= this.maxSeries) {
      // Fold: first model, feature and user; if that set is new too, the tenant as well.
      const m = model === undefined ? undefined : OTHER;
      const f = feature === undefined ? undefined : OTHER;
      const u = user === undefined ? undefined : OTHER;
      const folded = `${provider}\u0000${m ?? ''}\u0000${org ?? ''}\u0000${f ?? ''}\u0000${u ?? ''}`;
      s = this.series.get(folded);
      if (s !== undefined) return s;
      const o = org === undefined ? undefined : OTHER;
      const folded2 = `${provider}\u0000${m ?? ''}\u0000${o ?? ''}\u0000${f ?? ''}\u0000${u ?? ''}`;
      s = this.series.get(folded2);
      if (s !== undefined) return s;
      s = new Series(this.labels(provider, m, o, f, u));
      this.series.set(folded2, s);
      return s;
    }
    s = new Series(this.labels(provider, model, org, feature, user));
    this.series.set(key, s);
    return s;
  }

  private labels(
    provider: string,
    model?: string,
    org?: string,
    feature?: string,
    user?: string,
  ): Attributes {
    const attrs: Attributes = { [LABEL_PROVIDER]: provider };
    if (model !== undefined) attrs[LABEL_MODEL] = model;
    if (org !== undefined) attrs[LABEL_ORG_ID] = org;
    if (feature !== undefined) attrs[LABEL_FEATURE] = feature;
    if (user !== undefined) attrs[LABEL_USER] = user;
    return attrs;
  }

  private histogramAttrsFor(r: CallRecord, folded: boolean): HistogramAttrs {
    const reqModel = folded && r.requestModel !== undefined ? OTHER : r.requestModel;
    const respModel = folded ? undefined : r.responseModel;
    const key = `${r.operation}\u0000${r.provider}\u0000${reqModel ?? ''}\u0000${respModel ?? ''}\u0000${r.serverAddress ?? ''}\u0000${r.serverPort ?? ''}`;
    let h = this.histogramAttrs.get(key);
    if (h !== undefined) return h;
    if (!folded && this.histogramAttrs.size >= this.maxSeries) return this.histogramAttrsFor(r, true);
    const base: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: r.operation,
      [ATTR_GEN_AI_PROVIDER_NAME]: r.provider,
    };
    if (reqModel !== undefined) base[ATTR_GEN_AI_REQUEST_MODEL] = reqModel;
    if (respModel !== undefined) base[ATTR_GEN_AI_RESPONSE_MODEL] = respModel;
    if (r.serverAddress !== undefined) {
      base[ATTR_SERVER_ADDRESS] = r.serverAddress;
      if (r.serverPort !== undefined) base[ATTR_SERVER_PORT] = r.serverPort;
    }
    h = new HistogramAttrs(base);
    this.histogramAttrs.set(key, h);
    return h;
  }

  /** Record one finished call. Never throws. */
  record(r: CallRecord): void {
    try {
      const inst = this.ensure();
      const a = r.attribution;
      const model = lower(r.requestModel) ?? lower(r.responseModel);
      const s = this.seriesFor(
        r.provider,
        model,
        a.tenant,
        this.labelFeature ? a.feature : undefined,
        this.labelUser ? a.user : undefined,
      );
      const cost = r.cost;
      if (cost !== null) {
        s.requestsPriced++;
        s.costNanos += cost.totalNanos;
      } else {
        s.requestsUnpriced++;
      }
      const u = r.usage;
      if (u !== undefined) {
        const cacheRead = u.cacheReadTokens ?? 0;
        const cacheWrite = u.cacheWriteTokens ?? 0;
        const t = s.tokens;
        t[0]! += Math.max(0, u.inputTokens - cacheRead - cacheWrite);
        t[1]! += cacheRead;
        t[2]! += cacheWrite;
        t[3]! += u.outputTokens;
      }
      if (cost !== null && cost.totalNanos > 0)
        this.rolling.add(this.rollingTenant(a.tenant), cost.totalNanos, r.startTimeMs + r.durationMs);
      if (inst === undefined) return;
      this.queue.push(r);
      this.queueFolded.push(s.attrs[LABEL_MODEL] === OTHER);
      if (this.queue.length >= QUEUE_LIMIT) this.flushHistograms();
    } catch {
      // metrics never fail a call
    }
  }

  /** Record the queued calls to the histograms (at collection, or when the queue is full). */
  flushHistograms(): void {
    const inst = this.instruments;
    const queue = this.queue;
    const folded = this.queueFolded;
    if (queue.length === 0) return;
    this.queue = [];
    this.queueFolded = [];
    if (inst === undefined) return;
    const target = inst.histograms;
    const record: (index: number, value: number, attrs: Attributes) => void = Array.isArray(target)
      ? (index, value, attrs) => target[index]!.record(value, attrs)
      : (index, value, attrs) => target.record(index, value, attrs);
    for (let i = 0; i < queue.length; i++) {
      try {
        const r = queue[i]!;
        const h = this.histogramAttrsFor(r, folded[i]!);
        record(DURATION, r.durationMs / 1000, r.errorType === undefined ? h.base : h.duration(r.errorType));
        const u = r.usage;
        if (u !== undefined) {
          record(TOKEN_USAGE, u.inputTokens, h.input);
          record(TOKEN_USAGE, u.outputTokens, h.output);
        }
        if (r.timeToFirstChunkMs !== undefined)
          record(TIME_TO_FIRST_CHUNK, r.timeToFirstChunkMs / 1000, h.short);
        if (r.cost !== null) record(COST, r.cost.totalUsd, h.short);
      } catch {
        // one bad record does not stop the others
      }
    }
  }

  private rollingTenant(tenant: string | undefined): string {
    const t = tenant ?? '';
    if (this.rolling.has(t) || this.rolling.size < this.maxSeries) return t;
    return OTHER;
  }

  /** Count one failure inside tokenmeter (tokenmeter.internal.errors{tokenmeter.component}). */
  internalError(component: string): void {
    try {
      this.ensure()?.internalErrors.add(1, { [ATTR_TOKENMETER_COMPONENT]: component });
    } catch {
      // nothing else to do
    }
  }
}

const SHARED = Symbol.for('tokenmeter.instrumentation.metrics');

/**
 * The process-wide recorder. Shared through a global symbol so that two copies of this package
 * (ESM and CJS builds loaded side by side) still report to one set of instruments.
 */
export function sharedMetrics(): MetricsRecorder {
  const g = globalThis as { [SHARED]?: MetricsRecorder };
  let m = g[SHARED];
  if (m === undefined || typeof m.record !== 'function') {
    m = new MetricsRecorder();
    g[SHARED] = m;
  }
  return m;
}
