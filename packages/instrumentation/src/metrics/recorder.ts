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
// - One cardinality budget for every metric (maxMetricSeries, see series-budget.ts): each metric
//   holds at most that many series. A label set past it is recorded in the metric's overflow set:
//   provider, operation, token type and priced kept; model, org_id, feature, user and error.type as
//   `other`; response model and server left off; otel.metric.overflow=true. So a runaway label (a
//   model name end users choose through a gateway) never grows memory, series or the scrape.
import {
  type Attributes,
  type BatchObservableResult,
  type Counter,
  diag,
  type Histogram,
  type Meter,
  type MeterProvider,
  type MetricOptions,
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
  ATTR_OTEL_METRIC_OVERFLOW,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TOKENMETER_COMPONENT,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  LABEL_FEATURE,
  LABEL_MODEL,
  LABEL_ORG_ID,
  LABEL_OUTCOME,
  LABEL_OUTCOME_VALUE_BLOCKED,
  LABEL_OUTCOME_VALUE_ROUTED,
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
  METRIC_TOKENMETER_BATCH_CREATIONS_DESCRIPTOR,
  METRIC_TOKENMETER_CLIENT_OPERATION_COST_DESCRIPTOR,
  METRIC_TOKENMETER_INTERNAL_ERRORS_DESCRIPTOR,
  type MetricDescriptor,
  modelLabel,
} from '@tokenmeter/semconv';
import { completeEndedCalls } from '../call-endings.js';
import type { CallRecord } from '../call-record.js';
import { DEFAULT_MAX_METRIC_SERIES } from '../config.js';
import { OnceLog } from '../once-log.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import { HistogramStore } from './histogram-store.js';
import { RollingSpend } from './rolling.js';
import { SeriesBudget } from './series-budget.js';

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
/** The histogram label sets of a call, for MetricsRecorder#decide. */
const DURATION_SLOT = 0;
const INPUT_SLOT = 1;
const OUTPUT_SLOT = 2;
const TTFC_SLOT = 3;
const COST_SLOT = 4;

/** A store for the call histograms, for `MetricsRecorder#useHistogramStore`. */
export function createHistogramStore(): HistogramStore {
  return new HistogramStore(HISTOGRAMS);
}

/** Histogram records held before they are recorded without waiting for a collection. */
export const QUEUE_LIMIT = 1024;

/** The label value that excess label sets fold into. */
export const OTHER = 'other';

/** Distinct error types cached per label set; past it they share the overflow set's. */
const MAX_ERROR_TYPES = 64;

/** The rolling gauge's tenant key for tenants past the cap (no tenant id starts with NUL). */
const OVERFLOW_TENANT = '\u0000other';
/** tokenmeter.component of a failure inside the recorder. */
export const METRICS_COMPONENT = 'metrics';

export interface MetricLabelOptions {
  /** Attribution labels allowed on the llm.* metrics. */
  metricLabels?: { feature: boolean; user: boolean };
  /** Cap on distinct label sets (provider, model, org_id, feature, user). */
  maxMetricSeries?: number;
}

/** The label sets of a Series, one per metric and variant: tokens by token type (0-3), then these. */
const SLOT_PRICED = 4;
const SLOT_UNPRICED = 5;
const SLOT_COST = 6;
/** llm.requests of calls a budget acted on (OUTCOMES order): their own `outcome` label sets. */
const SLOT_OUTCOME = 7;
const SLOTS = 11;

/** Outcome label sets of llm.requests, by index: blocked priced/unpriced, routed priced/unpriced. */
const OUTCOMES = [
  [LABEL_OUTCOME_VALUE_BLOCKED, true],
  [LABEL_OUTCOME_VALUE_BLOCKED, false],
  [LABEL_OUTCOME_VALUE_ROUTED, true],
  [LABEL_OUTCOME_VALUE_ROUTED, false],
] as const;

/** Running totals of one llm.* label set (provider, model, org_id[, feature][, user]). */
class Series {
  requestsPriced = 0;
  requestsUnpriced = 0;
  /** Calls a budget blocked or routed, by OUTCOMES index (counted there only, not as priced/unpriced). */
  readonly outcomes = [0, 0, 0, 0];
  private outcomeAttrs: Attributes[] | undefined;
  /** input (uncached), cache_read, cache_write, output */
  readonly tokens = [0, 0, 0, 0];
  costNanos = 0;
  readonly pricedAttrs: Attributes;
  readonly unpricedAttrs: Attributes;
  readonly tokenAttrs: Attributes[];
  /**
   * Where each of its label sets is counted (by SLOT_*), decided on first use against the metric's
   * budget: this series, or `overflow` (undefined on an overflow series, which counts all itself).
   */
  readonly to: (Series | undefined)[] = new Array(SLOTS).fill(undefined);
  constructor(
    readonly attrs: Attributes,
    readonly overflow: Series | undefined,
  ) {
    this.pricedAttrs = { ...attrs, [LABEL_PRICED]: true };
    this.unpricedAttrs = { ...attrs, [LABEL_PRICED]: false };
    this.tokenAttrs = [
      LABEL_TOKEN_TYPE_VALUE_INPUT,
      LABEL_TOKEN_TYPE_VALUE_CACHE_READ,
      LABEL_TOKEN_TYPE_VALUE_CACHE_WRITE,
      LABEL_TOKEN_TYPE_VALUE_OUTPUT,
    ].map((t) => ({ ...attrs, [LABEL_TOKEN_TYPE]: t }));
    if (overflow === undefined) this.to.fill(this);
  }

  /** The label set of an outcome (made on first use: budgets are rare). */
  outcomeLabels(i: number): Attributes {
    this.outcomeAttrs ??= OUTCOMES.map(([outcome, priced]) => ({
      ...this.attrs,
      [LABEL_PRICED]: priced,
      [LABEL_OUTCOME]: outcome,
    }));
    return this.outcomeAttrs[i]!;
  }
}

/** One label set of a histogram and where its points go (itself, or the overflow set). */
interface HistogramSlot {
  readonly attrs: Attributes;
  to: Attributes | undefined;
}

/** The (operation, provider, request model) label set of time to first chunk and cost, shared. */
interface ShortAttrs {
  readonly ttfc: HistogramSlot;
  readonly cost: HistogramSlot;
}

/** Label sets of the gen_ai.* histograms for one (operation, provider, models, server). */
class HistogramAttrs {
  readonly duration: HistogramSlot;
  readonly input: HistogramSlot;
  readonly output: HistogramSlot;
  /** gen_ai.client.operation.duration with error.type, by error type. */
  readonly errors = new Map<string, HistogramSlot>();
  constructor(
    readonly base: Attributes,
    readonly short: ShortAttrs,
    /** Undefined on an overflow set. */
    readonly overflow: HistogramAttrs | undefined,
  ) {
    const own = overflow === undefined;
    const slot = (attrs: Attributes): HistogramSlot => ({ attrs, to: own ? attrs : undefined });
    this.duration = slot(base);
    this.input = slot({ ...base, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT });
    this.output = slot({ ...base, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT });
  }
}

/** The llm.* series of the last call and the labels it was found by. */
interface LastSeries {
  readonly provider: string;
  readonly model: string | undefined;
  readonly org: string | undefined;
  readonly feature: string | undefined;
  readonly user: string | undefined;
  readonly series: Series;
}

/** The histogram label sets of the last call and the record fields they were found by. */
interface LastHistogramAttrs {
  readonly operation: string;
  readonly provider: string;
  readonly requestModel: string | undefined;
  readonly responseModel: string | undefined;
  readonly serverAddress: string | undefined;
  readonly serverPort: number | undefined;
  readonly attrs: HistogramAttrs;
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
  batchCreations: Counter;
  callback: (result: BatchObservableResult) => void;
  observables: Observable[];
}

function histogram(meter: Meter, d: MetricDescriptor): Histogram {
  const options: MetricOptions = { description: d.description, unit: d.unit };
  if (d.buckets) options.advice = { explicitBucketBoundaries: [...d.buckets] };
  return meter.createHistogram(d.name, options);
}

/** Records CallRecords to the metrics. Never throws. */
export class MetricsRecorder {
  private labelFeature = false;
  private labelUser = false;
  private maxSeries = DEFAULT_MAX_METRIC_SERIES;
  private readonly series = new Map<string, Series>();
  private readonly histogramAttrs = new Map<string, HistogramAttrs>();
  private readonly shortAttrs = new Map<string, ShortAttrs>();
  /**
   * The label sets of the last call, by its labels: calls in a row mostly share them, and comparing
   * five or six strings costs less than building the map key (bench/metrics-recorder-ab.ts).
   */
  private lastSeries: LastSeries | undefined;
  private lastHistogramAttrs: LastHistogramAttrs | undefined;
  /** The overflow label sets, by kind (a few per provider and operation). */
  private readonly overflows = {
    series: new Map<string, Series>(),
    histogramAttrs: new Map<string, HistogramAttrs>(),
    shortAttrs: new Map<string, ShortAttrs>(),
  };
  private readonly rolling = new RollingSpend();
  private readonly budget = (d: MetricDescriptor) => new SeriesBudget(d, () => this.maxSeries);
  private readonly budgets = {
    requests: this.budget(METRIC_LLM_REQUESTS_DESCRIPTOR),
    tokens: this.budget(METRIC_LLM_TOKENS_DESCRIPTOR),
    cost: this.budget(METRIC_LLM_COST_USD_DESCRIPTOR),
    tokenUsage: this.budget(METRIC_GEN_AI_CLIENT_TOKEN_USAGE_DESCRIPTOR),
    duration: this.budget(METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR),
    timeToFirstChunk: this.budget(METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK_DESCRIPTOR),
    operationCost: this.budget(METRIC_TOKENMETER_CLIENT_OPERATION_COST_DESCRIPTOR),
  };
  private rollingWarned = false;
  /** Failures of the recorder: warned once per place, logged at debug after. */
  private readonly failures = new OnceLog(diag);
  private instruments: Instruments | undefined;
  private provider: MeterProvider | undefined;
  private explicitProvider: MeterProvider | undefined;
  /** Calls whose histogram points are not recorded yet. */
  private queue: CallRecord[] = [];
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
    completeEndedCalls();
    this.flushHistograms();
  }

  /**
   * Build the instruments for the meter provider in use now (their collection callback drains the
   * calls waiting in a batch), before the calls that will be recorded are. Never throws.
   */
  prepare(): void {
    try {
      this.ensure();
    } catch (error) {
      this.failed('building the metric instruments failed; calls are recorded when they can be', error);
    }
  }

  /** Forget every running total and cached label set (tests). */
  reset(): void {
    this.queue = [];
    this.series.clear();
    this.histogramAttrs.clear();
    this.lastSeries = undefined;
    this.lastHistogramAttrs = undefined;
    this.shortAttrs.clear();
    for (const m of Object.values(this.overflows)) m.clear();
    this.rolling.clear();
    this.rollingWarned = false;
    for (const b of Object.values(this.budgets)) b.reset();
  }

  /** Number of llm.* label sets held (for tests of the cap). */
  get seriesCount(): number {
    return this.series.size;
  }

  /** Label sets each metric sent to its overflow set, by metric name (for tests). */
  get overflowed(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const b of Object.values(this.budgets)) out[b.descriptor.name] = b.overflowed;
    return out;
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
      } catch (error) {
        // an old SDK meter that is gone: its callback goes with it, so this is not counted as a failure
        diag.debug('tokenmeter metrics: the previous meter would not remove its callback', error);
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
      batchCreations: meter.createCounter(METRIC_TOKENMETER_BATCH_CREATIONS_DESCRIPTOR.name, {
        description: METRIC_TOKENMETER_BATCH_CREATIONS_DESCRIPTOR.description,
        unit: METRIC_TOKENMETER_BATCH_CREATIONS_DESCRIPTOR.unit,
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
    // Every collection starts here (observable callbacks run before the SDK reads its storages).
    completeEndedCalls();
    this.flushHistograms();
    try {
      for (const series of [this.series, this.overflows.series]) {
        for (const s of series.values()) {
          if (s.requestsPriced > 0) result.observe(requests, s.requestsPriced, s.pricedAttrs);
          if (s.requestsUnpriced > 0) result.observe(requests, s.requestsUnpriced, s.unpricedAttrs);
          for (let i = 0; i < OUTCOMES.length; i++) {
            const n = s.outcomes[i]!;
            if (n > 0) result.observe(requests, n, s.outcomeLabels(i));
          }
          for (let i = 0; i < 4; i++) {
            const n = s.tokens[i]!;
            if (n > 0) result.observe(tokens, n, s.tokenAttrs[i]);
          }
          if (s.costNanos > 0) result.observe(cost, s.costNanos / 1e9, s.attrs);
        }
      }
      this.rolling.forEach(Date.now(), (tenant, nanos) => {
        const attrs =
          tenant === ''
            ? {}
            : tenant === OVERFLOW_TENANT
              ? { [LABEL_ORG_ID]: OTHER, [ATTR_OTEL_METRIC_OVERFLOW]: true }
              : { [LABEL_ORG_ID]: tenant };
        result.observe(rolling, nanos / 1e9, attrs);
      });
    } catch (error) {
      this.failed('collecting the llm_* counters failed; this collection lacks them', error); // never fail a collection
    }
  }

  /**
   * The llm.* series of a call, created on first use. Past maxMetricSeries label sets (the memory
   * bound; each metric's own budget is checked per label set in `target`), the overflow series.
   */
  private seriesFor(
    provider: string,
    model: string | undefined,
    org: string | undefined,
    feature: string | undefined,
    user: string | undefined,
  ): Series {
    const last = this.lastSeries;
    if (
      last !== undefined &&
      last.provider === provider &&
      last.model === model &&
      last.org === org &&
      last.feature === feature &&
      last.user === user
    )
      return last.series;
    const key = `${provider}\u0000${model ?? ''}\u0000${org ?? ''}\u0000${feature ?? ''}\u0000${user ?? ''}`;
    let s = this.series.get(key);
    if (s === undefined) {
      const overflow = this.overflowSeries(provider, model, org, feature, user);
      if (this.series.size >= this.maxSeries) {
        // Not remembered: each such call counts as refused.
        const b = this.budgets;
        for (const budget of [b.requests, b.tokens, b.cost]) budget.refuse();
        return overflow;
      }
      s = new Series(this.labels(provider, model, org, feature, user), overflow);
      this.series.set(key, s);
    }
    this.lastSeries = { provider, model, org, feature, user, series: s };
    return s;
  }

  /** The overflow series of a provider (per kind of label set: which labels are present). */
  private overflowSeries(
    provider: string,
    model: string | undefined,
    org: string | undefined,
    feature: string | undefined,
    user: string | undefined,
  ): Series {
    const fold = (v: string | undefined) => (v === undefined ? undefined : OTHER);
    const key = `${provider}\u0000${model === undefined ? 0 : 1}${org === undefined ? 0 : 1}${feature === undefined ? 0 : 1}${user === undefined ? 0 : 1}`;
    let s = this.overflows.series.get(key);
    if (s === undefined) {
      const attrs = this.labels(provider, fold(model), fold(org), fold(feature), fold(user));
      attrs[ATTR_OTEL_METRIC_OVERFLOW] = true;
      s = new Series(attrs, undefined);
      this.overflows.series.set(key, s);
    }
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

  /** Where label set `slot` of `s` is counted: `s` if `budget` had room at its first use, else its overflow series. */
  private target(s: Series, slot: number, budget: SeriesBudget): Series {
    let to = s.to[slot];
    if (to === undefined) {
      to = budget.admit() ? s : s.overflow!;
      s.to[slot] = to;
    }
    return to;
  }

  /** A histogram label set's attributes, decided on first use against the metric's budget. */
  private slot(slot: HistogramSlot, budget: SeriesBudget, overflow: () => HistogramSlot): Attributes {
    if (slot.to === undefined) slot.to = budget.admit() ? slot.attrs : overflow().attrs;
    return slot.to;
  }

  private histogramAttrsFor(r: CallRecord): HistogramAttrs {
    const last = this.lastHistogramAttrs;
    if (
      last !== undefined &&
      last.operation === r.operation &&
      last.provider === r.provider &&
      last.requestModel === r.requestModel &&
      last.responseModel === r.responseModel &&
      last.serverAddress === r.serverAddress &&
      last.serverPort === r.serverPort
    )
      return last.attrs;
    const key = `${r.operation}\u0000${r.provider}\u0000${r.requestModel ?? ''}\u0000${r.responseModel ?? ''}\u0000${r.serverAddress ?? ''}\u0000${r.serverPort ?? ''}`;
    let h = this.histogramAttrs.get(key);
    if (h !== undefined) {
      this.rememberHistogramAttrs(r, h);
      return h;
    }
    const overflow = this.overflowHistogramAttrs(r);
    if (this.histogramAttrs.size >= this.maxSeries) {
      this.budgets.tokenUsage.refuse();
      this.budgets.duration.refuse();
      return overflow;
    }
    const base: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: r.operation,
      [ATTR_GEN_AI_PROVIDER_NAME]: r.provider,
    };
    if (r.requestModel !== undefined) base[ATTR_GEN_AI_REQUEST_MODEL] = r.requestModel;
    if (r.responseModel !== undefined) base[ATTR_GEN_AI_RESPONSE_MODEL] = r.responseModel;
    if (r.serverAddress !== undefined) {
      base[ATTR_SERVER_ADDRESS] = r.serverAddress;
      if (r.serverPort !== undefined) base[ATTR_SERVER_PORT] = r.serverPort;
    }
    h = new HistogramAttrs(base, this.shortFor(r.operation, r.provider, r.requestModel, false), overflow);
    this.histogramAttrs.set(key, h);
    this.rememberHistogramAttrs(r, h);
    return h;
  }

  private rememberHistogramAttrs(r: CallRecord, attrs: HistogramAttrs): void {
    this.lastHistogramAttrs = {
      operation: r.operation,
      provider: r.provider,
      requestModel: r.requestModel,
      responseModel: r.responseModel,
      serverAddress: r.serverAddress,
      serverPort: r.serverPort,
      attrs,
    };
  }

  /** The overflow label sets of an (operation, provider): request model `other`, no response model or server. */
  private overflowHistogramAttrs(r: CallRecord): HistogramAttrs {
    const hasModel = r.requestModel !== undefined;
    const key = `${r.operation}\u0000${r.provider}\u0000${hasModel ? 1 : 0}`;
    let h = this.overflows.histogramAttrs.get(key);
    if (h === undefined) {
      const base: Attributes = {
        [ATTR_GEN_AI_OPERATION_NAME]: r.operation,
        [ATTR_GEN_AI_PROVIDER_NAME]: r.provider,
      };
      if (hasModel) base[ATTR_GEN_AI_REQUEST_MODEL] = OTHER;
      base[ATTR_OTEL_METRIC_OVERFLOW] = true;
      h = new HistogramAttrs(
        base,
        this.shortFor(r.operation, r.provider, hasModel ? OTHER : undefined, true),
        undefined,
      );
      this.overflows.histogramAttrs.set(key, h);
    }
    return h;
  }

  /** The shared (operation, provider, request model) label sets; past maxMetricSeries, the overflow ones. */
  private shortFor(
    operation: string,
    provider: string,
    model: string | undefined,
    overflow: boolean,
  ): ShortAttrs {
    const map = overflow ? this.overflows.shortAttrs : this.shortAttrs;
    const key = `${operation}\u0000${provider}\u0000${model ?? ''}`;
    let short = map.get(key);
    if (short !== undefined) return short;
    if (!overflow && this.shortAttrs.size >= this.maxSeries) {
      this.budgets.timeToFirstChunk.refuse();
      this.budgets.operationCost.refuse();
      return this.shortFor(operation, provider, model === undefined ? undefined : OTHER, true);
    }
    const attrs: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: operation,
      [ATTR_GEN_AI_PROVIDER_NAME]: provider,
    };
    if (model !== undefined) attrs[ATTR_GEN_AI_REQUEST_MODEL] = model;
    if (overflow) attrs[ATTR_OTEL_METRIC_OVERFLOW] = true;
    const to = overflow ? attrs : undefined;
    short = { ttfc: { attrs, to }, cost: { attrs, to } };
    map.set(key, short);
    return short;
  }

  /** The duration label set of a call that failed with `errorType` (`other` on an overflow set). */
  private errorSlot(h: HistogramAttrs, errorType: string): HistogramSlot {
    const key = h.overflow === undefined ? OTHER : errorType;
    let slot = h.errors.get(key);
    if (slot === undefined) {
      if (h.overflow !== undefined && h.errors.size >= MAX_ERROR_TYPES)
        return this.errorSlot(h.overflow, OTHER);
      const attrs = { ...h.base, [ATTR_ERROR_TYPE]: key };
      slot = { attrs, to: h.overflow === undefined ? attrs : undefined };
      h.errors.set(key, slot);
    }
    return slot;
  }

  /** Record one finished call. Never throws. */
  record(r: CallRecord): void {
    try {
      const inst = this.ensure();
      const a = r.attribution;
      const model = modelLabel(r.requestModel, r.responseModel);
      const s = this.seriesFor(
        r.provider,
        model,
        a.tenant,
        this.labelFeature ? a.feature : undefined,
        this.labelUser ? a.user : undefined,
      );
      const cost = r.cost;
      const b = this.budgets;
      if (r.budgetOutcome !== undefined) {
        const i = (r.budgetOutcome === 'blocked' ? 0 : 2) + (cost !== null ? 0 : 1);
        this.target(s, SLOT_OUTCOME + i, b.requests).outcomes[i]!++;
      } else if (cost !== null) this.target(s, SLOT_PRICED, b.requests).requestsPriced++;
      else this.target(s, SLOT_UNPRICED, b.requests).requestsUnpriced++;
      if (cost !== null) this.target(s, SLOT_COST, b.cost).costNanos += cost.totalNanos;
      const u = r.usage;
      if (u !== undefined) {
        const cacheRead = u.cacheReadTokens ?? 0;
        const cacheWrite = u.cacheWriteTokens ?? 0;
        this.addTokens(s, 0, Math.max(0, u.inputTokens - cacheRead - cacheWrite));
        this.addTokens(s, 1, cacheRead);
        this.addTokens(s, 2, cacheWrite);
        this.addTokens(s, 3, u.outputTokens);
      }
      if (cost !== null && cost.totalNanos > 0)
        this.rolling.add(this.rollingTenant(a.tenant), cost.totalNanos, r.startTimeMs + r.durationMs);
      if (inst === undefined) return;
      this.queue.push(r);
      if (this.queue.length >= QUEUE_LIMIT) this.flushHistograms();
    } catch (error) {
      this.failed('recording a call failed; it is missing from the metrics', error); // metrics never fail a call
    }
  }

  /** Adds `n` tokens of type `i` (a label set of llm.tokens, counted when first used). */
  private addTokens(s: Series, i: number, n: number): void {
    if (n !== 0) this.target(s, i, this.budgets.tokens).tokens[i]! += n;
  }

  /** Record the queued calls to the histograms (at collection, or when the queue is full). */
  flushHistograms(): void {
    const inst = this.instruments;
    const queue = this.queue;
    if (queue.length === 0) return;
    this.queue = [];
    if (inst === undefined) return;
    const target = inst.histograms;
    const record: (index: number, value: number, attrs: Attributes) => void = Array.isArray(target)
      ? (index, value, attrs) => target[index]!.record(value, attrs)
      : (index, value, attrs) => target.record(index, value, attrs);
    for (let i = 0; i < queue.length; i++) {
      try {
        const r = queue[i]!;
        const h = this.histogramAttrsFor(r);
        // A label set's target is decided once (`to`); deciding it, rarely, is out of line.
        const duration =
          r.errorType === undefined
            ? (h.duration.to ?? this.decide(h, r, DURATION_SLOT))
            : this.errorAttrs(h, r.errorType);
        record(DURATION, r.durationMs / 1000, duration);
        const u = r.usage;
        if (u !== undefined) {
          record(TOKEN_USAGE, u.inputTokens, h.input.to ?? this.decide(h, r, INPUT_SLOT));
          record(TOKEN_USAGE, u.outputTokens, h.output.to ?? this.decide(h, r, OUTPUT_SLOT));
        }
        if (r.timeToFirstChunkMs !== undefined)
          record(
            TIME_TO_FIRST_CHUNK,
            r.timeToFirstChunkMs / 1000,
            h.short.ttfc.to ?? this.decide(h, r, TTFC_SLOT),
          );
        if (r.cost !== null) record(COST, r.cost.totalUsd, h.short.cost.to ?? this.decide(h, r, COST_SLOT));
      } catch (error) {
        this.failed("recording a call's histograms failed; it is missing from them", error); // the others go on
      }
    }
  }

  /** The duration label set of a call that failed with `errorType`, decided on first use. */
  private errorAttrs(h: HistogramAttrs, errorType: string): Attributes {
    const o = h.overflow;
    return this.slot(this.errorSlot(h, errorType), this.budgets.duration, () => this.errorSlot(o!, OTHER));
  }

  /** Where a histogram label set of `h` (by *_SLOT) is recorded: decided at its first use. */
  private decide(h: HistogramAttrs, r: CallRecord, which: number): Attributes {
    const b = this.budgets;
    const o = h.overflow;
    const overflowShort = () =>
      this.shortFor(r.operation, r.provider, r.requestModel === undefined ? undefined : OTHER, true);
    switch (which) {
      case DURATION_SLOT:
        return this.slot(h.duration, b.duration, () => o!.duration);
      case INPUT_SLOT:
        return this.slot(h.input, b.tokenUsage, () => o!.input);
      case OUTPUT_SLOT:
        return this.slot(h.output, b.tokenUsage, () => o!.output);
      case TTFC_SLOT:
        return this.slot(h.short.ttfc, b.timeToFirstChunk, () => overflowShort().ttfc);
      default:
        return this.slot(h.short.cost, b.operationCost, () => overflowShort().cost);
    }
  }

  private rollingTenant(tenant: string | undefined): string {
    const t = tenant ?? '';
    if (this.rolling.has(t) || this.rolling.size < this.maxSeries) return t;
    if (!this.rollingWarned) {
      this.rollingWarned = true;
      diag.warn(
        `tokenmeter: the metric ${METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR.name} reached its cap of ${this.maxSeries} series (maxMetricSeries, TOKENMETER_METRIC_MAX_SERIES); new tenants are recorded in its overflow set (org_id "other", otel.metric.overflow=true)`,
      );
    }
    return OVERFLOW_TENANT;
  }

  /**
   * A failure of the recorder itself: counted (tokenmeter.internal.errors{tokenmeter.component=metrics})
   * and logged through the OTel diag logger, warned once per place and at debug level after.
   */
  private failed(what: string, error: unknown): void {
    this.internalError(METRICS_COMPONENT);
    this.failures.report(what, `tokenmeter metrics: ${what}`, error);
  }

  /** Count one batch job the app created (tokenmeter.batch.creations{provider}): no call, no cost. */
  batchCreated(provider: string): void {
    try {
      this.ensure()?.batchCreations.add(1, { [LABEL_PROVIDER]: provider });
    } catch (error) {
      this.failed('batch creations', error);
    }
  }

  /** Count one failure inside tokenmeter (tokenmeter.internal.errors{tokenmeter.component}). */
  internalError(component: string): void {
    try {
      this.ensure()?.internalErrors.add(1, { [ATTR_TOKENMETER_COMPONENT]: component });
    } catch (error) {
      // the failure counter itself failed: the log is all that is left
      diag.debug(`tokenmeter metrics: counting a failure of ${component} failed`, error);
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
