// Public types of @tokenmeter/store. The node distro writes through BatchWriter; the CLI and
// `tokenmeter serve` read through CostStore. Keep these shapes: both sides are written against them.
import type { AlertStore } from './alert-types.js';
import type { RepriceOptions, RepriceResult } from './reprice.js';
import type { UsageRow } from './usage.js';

/** Integer nano-dollars (1e-9 USD). Exact; convert to USD only for display. */
export type Nanos = number;

/**
 * One priced LLM call to store. Structurally compatible with @tokenmeter/instrumentation's CallRecord
 * (the store does not depend on it), plus the service that made the call. No message content, ever.
 */
export interface CallInput {
  startTimeMs: number;
  durationMs: number;
  timeToFirstChunkMs?: number;
  provider: string;
  operation: string;
  requestModel?: string;
  responseModel?: string;
  responseId?: string;
  finishReasons?: string[];
  stream: boolean;
  serverAddress?: string;
  serviceTier?: string;
  batch?: boolean;
  /** A call read from batch results (`batch` true): the batch it belongs to, when known. */
  batchId?: string;
  /** A call read from batch results (`batch` true): the custom id the application gave the request. */
  batchCustomId?: string;
  usage?: {
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens?: number;
    cacheWriteTokens?: number;
    reasoningTokens?: number;
    /** Of cacheWriteTokens, the writes with a 1-hour TTL (Anthropic). */
    cacheWrite1hTokens?: number;
    /** Of inputTokens, audio tokens. */
    inputAudioTokens?: number;
    /** Of outputTokens, audio tokens. */
    outputAudioTokens?: number;
    /** Of cacheReadTokens, audio tokens. */
    cacheAudioReadTokens?: number;
  };
  usageEstimated: boolean;
  cost: {
    totalNanos: Nanos;
    inputNanos: Nanos;
    outputNanos: Nanos;
    cacheReadNanos: Nanos;
    cacheWriteNanos: Nanos;
    provider: string;
    modelId: string;
    match: string;
    source: string;
    version: string;
    serviceTier: string;
  } | null;
  pricingMatch: string;
  /**
   * tokenmeter's own price of a call whose `cost` the provider or an AI gateway reported
   * (`cost.source` = `provider`); absent when the model has no local price.
   */
  localCost?: { totalNanos: Nanos };
  /** The AI gateway the call went through (tokenmeter.ai_gateway.name), when known. */
  gateway?: string;
  errorType?: string;
  httpStatus?: number;
  attribution: { feature?: string; user?: string; tenant?: string };
  traceId?: string;
  spanId?: string;
  serviceName?: string;
  /**
   * The budget reservation of the call (set by the budget ledger when it settled it): storing the
   * call deletes the reservation in the same transaction, so its cost is counted once, either as
   * reserved or as spent, at every instant. Several refs are separated by spaces; a lease's ref
   * (`LEASE_REF_PREFIX`) is not deleted but reduced by the call's cost (the call ran on the lease).
   */
  budgetRef?: string;
}

/** A stored call as read back. Token and cost fields are always present (0 when none). */
export interface CallRow {
  id: number;
  startTimeMs: number;
  durationMs: number;
  timeToFirstChunkMs: number | null;
  service: string | null;
  provider: string;
  operation: string;
  requestModel: string | null;
  responseModel: string | null;
  responseId: string | null;
  finishReasons: string[];
  stream: boolean;
  serviceTier: string | null;
  batch: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  usageKnown: boolean;
  estimated: boolean;
  priced: boolean;
  costNanos: Nanos;
  inputCostNanos: Nanos;
  outputCostNanos: Nanos;
  cacheReadCostNanos: Nanos;
  cacheWriteCostNanos: Nanos;
  pricingMatch: string;
  pricingProvider: string | null;
  pricingModelId: string | null;
  pricingSource: string | null;
  pricingVersion: string | null;
  /** The tier the price was taken for (`standard`, `batch`, `flex`, `priority`); null when unpriced. */
  pricingTier: string | null;
  /** server.address of the call, when known. */
  serverAddress: string | null;
  errorType: string | null;
  httpStatus: number | null;
  feature: string | null;
  user: string | null;
  tenant: string | null;
  traceId: string | null;
  spanId: string | null;
  /** `costNanos` is what the provider or an AI gateway reported (pricing source `provider`). */
  costReported: boolean;
  /** tokenmeter's own price of a call whose cost was reported; null otherwise or when it has none. */
  localCostNanos: Nanos | null;
  /** The AI gateway the call went through, when known. */
  gateway: string | null;
  /** The batch a call read from batch results belongs to, when known (tokenmeter.batch.id). */
  batchId: string | null;
  /** The custom id the application gave the request in its batch (tokenmeter.batch.custom_id). */
  batchCustomId: string | null;
}

export type GroupBy = 'model' | 'provider' | 'feature' | 'user' | 'tenant' | 'day' | 'operation' | 'service';

/** Filters shared by summaries, call listings and exports. Times are epoch ms; `until` is exclusive. */
export interface CallFilter {
  since?: number;
  until?: number;
  provider?: string;
  /** Matches the request model or the response model. */
  model?: string;
  feature?: string;
  user?: string;
  tenant?: string;
  service?: string;
  /** Only calls whose cost is at least this many nano-dollars. */
  minCostNanos?: Nanos;
  /** Only calls that ended in an error. */
  errors?: boolean;
  /** Only calls whose tokens were estimated locally. */
  estimated?: boolean;
  /** Only calls that could not be priced. */
  unpriced?: boolean;
  /** Only calls read from the results of this batch (its id: `batch_...`, `msgbatch_...`). */
  batch?: string;
}

export interface Totals {
  calls: number;
  errors: number;
  unpricedCalls: number;
  estimatedCalls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costNanos: Nanos;
  inputCostNanos: Nanos;
  outputCostNanos: Nanos;
  cacheReadCostNanos: Nanos;
  cacheWriteCostNanos: Nanos;
}

export interface SummaryQuery extends CallFilter {
  groupBy?: GroupBy;
  /** IANA time zone for `groupBy: 'day'` and day boundaries; default the machine's. */
  timeZone?: string;
  /** Keep the most expensive N groups (default all). */
  limit?: number;
  /**
   * Which cost of a call whose cost the provider or an AI gateway reported (OpenRouter, LiteLLM)
   * the totals hold: `provider` (default) the reported cost, `local` tokenmeter's own price (such a
   * call without a local price then counts as unpriced). Every other call has only its local price.
   */
  costSource?: CostSource;
}

export type CostSource = 'provider' | 'local';

export interface SummaryResult {
  since: number | null;
  until: number | null;
  /** The cost the totals hold for calls whose cost was reported (SummaryQuery.costSource). */
  costSource: CostSource;
  /** Calls in the totals whose cost the provider or an AI gateway reported. */
  reportedCalls: number;
  totals: Totals;
  /** Sorted by cost, most expensive first (by day ascending for groupBy 'day'). Key null = not set. */
  groups: (Totals & { key: string | null })[];
}

export interface CallsQuery extends CallFilter {
  /** Page size, 1..1000 (default 50). */
  limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface CallsPage {
  calls: CallRow[];
  /** Pass back to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** Cost per UTC hour: `costNanos[i]` is the hour starting at `startMs + i` hours. */
export interface HourlyCost {
  startMs: number;
  costNanos: Nanos[];
}

export interface UnpricedModel {
  provider: string;
  model: string;
  calls: number;
  firstSeenMs: number;
  lastSeenMs: number;
  reason: string;
}

/** A calendar period in a time zone, or a rolling window of N hours (`rolling:24h`). */
export type BudgetPeriod = 'day' | 'week' | 'month' | `rolling:${number}h`;

/** What happens to a call that would take a budget past its limit. */
export type BudgetAction = 'warn' | 'block' | 'route-cheap';

/** The calls a budget counts; every field null = all calls. Several fields: calls matching all of them. */
export interface BudgetScope {
  /** gen_ai.provider.name (openai, anthropic, gcp.gemini, aws.bedrock, ...). */
  provider: string | null;
  /** The model: a call counts when its request or response model is this one. */
  model: string | null;
  feature: string | null;
  user: string | null;
  tenant: string | null;
  /** The service name of the process that made the call (OTEL_SERVICE_NAME). */
  service: string | null;
}

export interface Budget extends BudgetScope {
  id: number;
  /** A name to show in messages and alerts; null = described by its scope and period. */
  name: string | null;
  period: BudgetPeriod;
  limitNanos: Nanos;
  /**
   * IANA time zone of a day / week / month period; null = the zone of the machine reading it
   * (budgets made before zones were stored). Unused by rolling periods.
   */
  timeZone: string | null;
  /** Default `warn`. */
  action: BudgetAction;
  /** `route-cheap`: model asked for → model sent instead, e.g. `{ 'gpt-4o': 'gpt-4o-mini' }`. */
  route: Record<string, string>;
  /** Alert thresholds in percent of the limit, ascending (default `[warnAt × 100, 100]`). */
  alertAt: number[];
  /** Fraction of the limit (0..1) at which the budget counts as warning (default 0.8). */
  warnAt: number;
}

export interface BudgetStatus extends Budget {
  periodStartMs: number;
  /** End of the calendar period; for a rolling window, the end of its current bucket. */
  periodEndMs: number;
  spentNanos: Nanos;
  /** Cost reserved by calls in flight on this host (the store ledger), not yet spent. */
  reservedNanos: Nanos;
  /**
   * Linear projection of spend to the end of the period (for a rolling window: the spend of the
   * window, which has no end).
   */
  projectedNanos: Nanos;
  state: 'ok' | 'warning' | 'exceeded';
}

export interface PruneResult {
  cutoffMs: number;
  deletedCalls: number;
  dryRun: boolean;
}

export interface StoreHealth {
  path: string;
  sizeBytes: number;
  calls: number;
  schemaVersion: number;
  journalMode: string;
  /** The SQLite library version, e.g. `3.50.4`. */
  sqliteVersion: string;
  /** The SQLite driver in use: `node:sqlite (Node 24.x)` (Node 22.13+) or `better-sqlite3 12.x` (Node 20). */
  binding: string;
  oldestMs: number | null;
  newestMs: number | null;
  ok: boolean;
  problem?: string;
}

export interface BatchWriterOptions {
  path: string;
  /** Records held in memory at most; past it, writes are dropped and counted. Default 10000. */
  maxQueue?: number;
  /** Records per transaction. Default 1000. */
  batchSize?: number;
  /** How often queued records are written. Default 250 ms. */
  flushIntervalMs?: number;
  serviceName?: string;
  /** Called once per distinct failure (read-only disk, full disk, corrupt file); never throws. */
  onError?: (error: Error) => void;
  /**
   * How long flush() and close() (the writes at exit) wait for another connection's write lock.
   * What close() still cannot write goes to a spill file next to the store. Default 5000 ms.
   */
  exitBusyTimeoutMs?: number;
  /**
   * One-line notices that are not failures of the store: calls saved to a spill file (or lost),
   * spill files imported. Default: through onError.
   */
  onNotice?: (line: string) => void;
}

export interface BatchWriterStats {
  written: number;
  dropped: number;
  /** Saved to a spill file at close (imported on the store's next open). */
  spilled: number;
  queued: number;
  failed: boolean;
  /** Transactions written so far. */
  batches: number;
  /** Longest time one batch held the event loop (open, insert and commit), ms. */
  longestFlushMs: number;
}

/** Queues records in memory and writes them in batches; never blocks or throws into the caller. */
export interface BatchWriter {
  /** Queue one record. Returns false when it was dropped (queue full or store unusable). */
  write(record: CallInput): boolean;
  /** Write everything queued now, synchronously (safe in a process 'exit' handler). */
  flush(): void;
  /** Flush and close the database. Further writes are dropped. */
  close(): void;
  stats(): BatchWriterStats;
}

export interface OpenStoreOptions {
  /** Open without writing: no migration, no WAL switch; write methods throw StoreError. */
  readonly?: boolean;
  /** How long a statement waits for another process's write lock, ms. Default 5000. */
  busyTimeoutMs?: number;
}

/** The scope a spend or a budget applies to; every field unset = all calls. */
export type SpendScope = Pick<CallFilter, 'provider' | 'model' | 'feature' | 'user' | 'tenant' | 'service'>;

export interface BudgetInput {
  period: BudgetPeriod;
  /** Limit in nano-dollars (a positive integer). */
  limitNanos: Nanos;
  provider?: string | null;
  model?: string | null;
  feature?: string | null;
  user?: string | null;
  tenant?: string | null;
  service?: string | null;
  name?: string | null;
  /** IANA zone of a calendar period; default: kept when updating, else null (the reader's zone). */
  timeZone?: string | null;
  /** Default `warn` for a new budget, unchanged when updating one. */
  action?: BudgetAction;
  /** Default `{}` for a new budget, unchanged when updating one. */
  route?: Record<string, string>;
  /** Percent thresholds; default derived from warnAt for a new budget, unchanged when updating one. */
  alertAt?: number[];
  /** 0..1; default 0.8 for a new budget, unchanged when updating one. */
  warnAt?: number;
}

export interface PruneOptions {
  /** Delete calls that started before this time (epoch ms). */
  olderThan: number;
  /** Only count what would be deleted. */
  dryRun?: boolean;
}

export interface HealthOptions {
  /** Run PRAGMA quick_check (reads the whole file: seconds on a multi-GB store). Default true. */
  quickCheck?: boolean;
}

export interface RollingWindowRow {
  tenant: string | null;
  /** A float, like the Prometheus gauge made of it: beyond 2^53 (9,007,199 USD) not exact to the nano-USD. */
  costNanos: Nanos;
}

/** All-time totals per (provider, model, tenant), the source of the Prometheus counters. */
export interface MetricTotalsRow {
  provider: string;
  /** The llm_* `model` label (semconv's modelLabel: request model, else response model, lower-cased); null when neither is known. */
  model: string | null;
  tenant: string | null;
  requests: number;
  /** Requests that had a price. */
  priced: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** A float, like the Prometheus sample made of it: beyond 2^53 (9,007,199 USD) not exact to the nano-USD. */
  costNanos: Nanos;
}

/** A local store of priced calls. Synchronous (node:sqlite or better-sqlite3); one instance per connection. */
export interface CostStore {
  /** The file this store reads and writes. */
  readonly path: string;
  /** Alert sinks, the alert log and the delivery outbox (written by @tokenmeter/alerts). */
  readonly alerts: AlertStore;
  /** Inserts records in one transaction; `serviceName` applies to records without one. Returns the count. */
  insertMany(records: readonly CallInput[], serviceName?: string): number;
  summary(q?: SummaryQuery): SummaryResult;
  /**
   * Token usage and cost per UTC day, feature, provider, request and response model and priced tier
   * (exact for any range: the usage rollup for whole days, raw rows for the rest). Filters on other
   * dimensions and the flags read raw rows.
   */
  usage(q?: CallFilter): UsageRow[];
  /** Calls newest first, `limit` per page, with an opaque cursor to the next (older) page. */
  calls(q?: CallsQuery): CallsPage;
  /**
   * Every call matching the filter, oldest first, read in pages of 1000 (constant memory; the
   * connection stays usable between pages). Calls stored after the export started are left out.
   */
  exportCalls(q?: CallFilter): IterableIterator<CallRow>;
  /**
   * Calls stored after the call with id `afterId`, in the order they were stored (ids only grow,
   * across processes), at most `limit` (default 500, max 10000). For live views: remember the last
   * id and poll. Start from `lastCallId()` to see only new calls.
   */
  callsAfterId(afterId: number, limit?: number): CallRow[];
  /** The highest id ever given to a call (0 for an empty store); pruned ids are never reused. */
  lastCallId(): number;
  /** Models seen without a price (calls with no usage at all are left out), most calls first. */
  unpricedModels(filter?: CallFilter): UnpricedModel[];
  prune(opts: PruneOptions): PruneResult;
  /**
   * Prices the selected stored calls again with `options.price` and rewrites those whose price
   * changed, rollups included, batch by batch (safe while other processes write). `dryRun` only
   * reports. A priced call that cannot be priced now keeps its price.
   */
  reprice(options: RepriceOptions): RepriceResult;
  listBudgets(): Budget[];
  /** Creates the budget, or updates the one with the same period and scope. */
  setBudget(input: BudgetInput): Budget;
  /** Returns false when no budget had this id. */
  removeBudget(id: number): boolean;
  budgetStatus(nowMs?: number, timeZone?: string): BudgetStatus[];
  /**
   * Cost per whole UTC hour from the hour holding `since` to the one holding `until - 1` (both
   * required; at most 400 days), from the hourly rollups where the filter allows: what the spend
   * forecast reads.
   */
  hourlyCost(q: CallFilter): HourlyCost;
  /** Cost of the calls since `sinceMs` (inclusive) in the scope. */
  spendSince(sinceMs: number, scope?: SpendScope): Nanos;
  /**
   * The budget ledger's tables on this connection: reservations of calls in flight and the calls
   * stored since a given id (see BudgetLedgerStore). For @tokenmeter/budgets.
   */
  budgetLedger(): BudgetLedgerStore;
  /** Cost per tenant since `sinceMs` (for llm_cost_usd_rolling_24h), most expensive first. */
  rollingWindow(sinceMs: number): RollingWindowRow[];
  metricTotals(): MetricTotalsRow[];
  health(opts?: HealthOptions): StoreHealth;
  close(): void;
}

/** A stored call as the budget ledger reads it (text values decoded). */
export interface LedgerCall {
  id: number;
  startTimeMs: number;
  costNanos: Nanos;
  provider: string;
  requestModel: string | null;
  responseModel: string | null;
  feature: string | null;
  user: string | null;
  tenant: string | null;
  service: string | null;
}

/** One reservation to write: a call's worst-case cost held against one budget. */
export interface ReservationInput {
  /** The call's reference (the same for each budget the call is held against). */
  ref: string;
  /** The budget's ledger key (scope and period; see @tokenmeter/budgets budgetKey). */
  budgetKey: string;
  /** When the call started (epoch ms): the period or window it counts in. */
  timeMs: number;
  nanos: Nanos;
  /** When the reservation lapses if the call never settles (a crashed process). */
  expiresMs: number;
}

/**
 * The SQL side of the budget ledger shared by the processes of one host. The logic (which budgets
 * apply, limits, windows) is @tokenmeter/budgets'; here are only its atomic steps. Every method
 * throws StoreError on a database failure.
 */
export interface BudgetLedgerStore {
  /** Runs `fn` in one IMMEDIATE transaction (holding the write lock: a check-and-reserve is atomic). */
  atomically<T>(fn: () => T): T;
  /** Up to `limit` calls stored after id `afterId`, in id order, and the highest id returned. */
  callsAfter(afterId: number, limit?: number): LedgerCall[];
  /** The highest call id so far (0 when none). */
  lastCallId(): number;
  /** Sum of the unexpired reservations of `budgetKey` whose time is in [sinceMs, untilMs). */
  reserved(budgetKey: string, sinceMs: number, untilMs: number, nowMs: number): Nanos;
  /**
   * The same reservations in two parts: calls in flight (their worst case), and calls that ended
   * but are not stored yet (their real cost: already spent).
   */
  reservations(
    budgetKey: string,
    sinceMs: number,
    untilMs: number,
    nowMs: number,
  ): { inFlightNanos: Nanos; settledNanos: Nanos };
  insert(reservations: readonly ReservationInput[]): void;
  /**
   * The call ended: its reservations now hold its real cost until the call is stored (which deletes
   * them), or until `expiresMs`.
   */
  settle(ref: string, nanos: Nanos, expiresMs: number): void;
  /** Drop a call's reservations (a call that never left). */
  release(ref: string): void;
  /** Delete lapsed reservations; returns how many. */
  deleteExpired(nowMs: number): number;
  /**
   * Adds `deltaNanos` (negative: gives back) to the lease `ref` of `budgetKey` and moves its expiry
   * to `expiresMs`; creates it when missing (and `deltaNanos` > 0).
   */
  adjustLease(ref: string, budgetKey: string, timeMs: number, deltaNanos: Nanos, expiresMs: number): void;
}
