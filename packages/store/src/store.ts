// The CostStore: one SQLite connection (driver/) to a store file, with its queries.
import { statSync } from 'node:fs';
import { modelLabel } from '@tokenmeter/semconv';
import { SqliteAlertStore } from './alert-store.js';
import type { AlertStore } from './alert-types.js';
import { SqliteBudgetLedger } from './budget-ledger.js';
import { deleteBudget, selectBudgets, statusOf, upsertBudget } from './budgets.js';
import { StringDict } from './dict.js';
import { type Database, driverDescription } from './driver/index.js';
import { StoreError } from './errors/store-error.js';
import { StoreQueryError } from './errors/store-query-error.js';
import { Guide } from './guide.js';
import { runHourlyCost } from './hourly.js';
import { Ingestor } from './ingest.js';
import { openDatabase } from './open.js';
import { pruneCalls } from './prune.js';
import {
  addRange,
  addRawOnly,
  BATCH_CONDITION,
  type Conditions,
  decodeCursor,
  dimConditions,
  encodeCursor,
  type ResolvedFilter,
  resolveFilter,
  StatementCache,
} from './query.js';
import { type RepriceOptions, type RepriceResult, Repricer } from './reprice.js';
import { readCompactedUntil, SELECT_META } from './rollups.js';
import { type RawCallRow, toCallRow } from './rows.js';
import { SCHEMA_VERSION } from './schema.js';
import { importSpills, pendingSpills, type SpillImport } from './spill.js';
import { toStoreError } from './sqlite-errors.js';
import { runSummary } from './summary.js';
import { checkTimeZone, HOUR_MS, localTimeZone } from './time.js';
import type {
  Budget,
  BudgetInput,
  BudgetLedgerStore,
  BudgetStatus,
  CallFilter,
  CallInput,
  CallRow,
  CallsPage,
  CallsQuery,
  CostStore,
  HealthOptions,
  HourlyCost,
  MetricTotalsRow,
  OpenStoreOptions,
  PruneOptions,
  PruneResult,
  RollingWindowRow,
  SpendScope,
  StoreHealth,
  SummaryQuery,
  SummaryResult,
  UnpricedModel,
} from './types.js';
import { runUsage, type UsageRow } from './usage.js';

const EXPORT_PAGE = 1000;

/** Builds the SELECT of a page of calls: the driving index is chosen from the filters. */
function pageSql(
  f: ResolvedFilter,
  dir: 'DESC' | 'ASC',
  after: { startTime: number; id: number } | null,
  maxId: number | null,
  forceIndex: string | null = null,
): { sql: string; params: unknown[] } {
  const w: Conditions = { sql: [], params: [] };
  for (const { col, id } of f.eq) {
    w.sql.push(`${col} = ?`);
    w.params.push(id);
  }
  addRawOnly(w, f);
  addRange(w, 'start_time', f.since, f.until);
  const { sql: where, params } = w;
  if (after) {
    where.push(`(start_time, id) ${dir === 'DESC' ? '<' : '>'} (?, ?)`);
    params.push(after.startTime, after.id);
  }
  if (maxId !== null) {
    where.push('id <= ?');
    params.push(maxId);
  }
  const order = `ORDER BY start_time ${dir}, id ${dir}`;
  const flag = (sql: string) => f.rawOnly.some((c) => c.sql === sql);
  let index = forceIndex;
  if (index === null) {
    if (flag(BATCH_CONDITION)) index = 'calls_batch';
    else if (flag('error_type IS NOT NULL')) index = 'calls_errors';
    else if (flag('priced = 0')) index = 'calls_unpriced';
    else if (flag('estimated = 1')) index = 'calls_estimated';
    else index = 'calls_time';
  }
  if (f.model !== null) {
    where.push('(request_model = ? OR response_model = ?)');
    params.push(f.model, f.model);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  return { sql: `SELECT * FROM calls INDEXED BY ${index} ${clause} ${order} LIMIT ?`, params };
}

export class SqliteCostStore implements CostStore {
  readonly path: string;
  private readonly db: Database;
  private readonly dict: StringDict;
  private readonly stmts: StatementCache;
  private ingestor: Ingestor | undefined;
  private readonly readonly: boolean;
  /** Alert sinks, the alert log and the delivery outbox (see alert-types.ts). */
  readonly alerts: AlertStore;

  constructor(path: string, opts: OpenStoreOptions = {}) {
    this.path = path;
    this.readonly = opts.readonly === true;
    this.db = openDatabase(path, opts);
    this.dict = new StringDict(this.db);
    this.stmts = new StatementCache(this.db);
    this.alerts = new SqliteAlertStore(this.db, this.stmts, (doing, write, fn) => {
      if (write) this.checkWritable('write alert data');
      try {
        return fn();
      } catch (err) {
        this.fail(err, doing);
      }
    });
  }

  private fail(err: unknown, doing: string): never {
    if (err instanceof StoreQueryError || err instanceof StoreError) throw err;
    throw toStoreError(err, this.path, doing);
  }

  private checkWritable(doing: string): void {
    if (this.readonly) {
      throw new StoreError(
        'readonly',
        this.path,
        `tokenmeter store: ${this.path} is open read-only; cannot ${doing}`,
      );
    }
  }

  insertMany(records: readonly CallInput[], serviceName?: string): number {
    this.checkWritable('insert calls');
    try {
      this.ingestor ??= new Ingestor(this.db, this.dict);
      return this.ingestor.insert(records, serviceName);
    } catch (err) {
      this.fail(err, 'writing calls to');
    }
  }

  /** Imports the spill files waiting next to the store (calls other processes could not write at exit). */
  importSpills(): SpillImport {
    this.checkWritable('import spill files');
    try {
      this.ingestor ??= new Ingestor(this.db, this.dict);
      const ingestor = this.ingestor;
      return importSpills(this.db, this.path, (records, mark) => ingestor.insert(records, undefined, mark));
    } catch (err) {
      this.fail(err, 'importing spill files into');
    }
  }

  private bounds = (): { min: number; max: number } | null => {
    const r = this.stmts
      .get(
        // Two subqueries: min() and max() together in one SELECT would scan the whole index.
        'SELECT (SELECT min(start_time) FROM calls) AS min, (SELECT max(start_time) FROM calls) AS max',
      )
      .get() as {
      min: number | null;
      max: number | null;
    };
    return r.min === null || r.max === null ? null : { min: r.min, max: r.max };
  };

  private get summaryContext() {
    return {
      dict: this.dict,
      stmts: this.stmts,
      guide: (f: ResolvedFilter) => Guide.for(this.stmts, f, this.compactedUntil(), 'ASC'),
    };
  }

  private compactedUntil = (): number => readCompactedUntil(this.stmts.get(SELECT_META));

  summary(q: SummaryQuery = {}): SummaryResult {
    try {
      return this.db.transaction(() =>
        runSummary(this.summaryContext, q, this.bounds, this.compactedUntil),
      )();
    } catch (err) {
      this.fail(err, 'reading');
    }
  }

  /** The same summary computed from raw rows only, ignoring the rollups (slow; for verification). */
  summaryFromRawRows(q: SummaryQuery = {}): SummaryResult {
    try {
      return this.db.transaction(() =>
        runSummary(this.summaryContext, q, this.bounds, this.compactedUntil, { source: 'raw' }),
      )();
    } catch (err) {
      this.fail(err, 'reading');
    }
  }

  usage(q: CallFilter = {}): UsageRow[] {
    try {
      return this.db.transaction(() =>
        runUsage({ dict: this.dict, stmts: this.stmts }, q, this.compactedUntil),
      )();
    } catch (err) {
      this.fail(err, 'reading');
    }
  }

  calls(q: CallsQuery = {}): CallsPage {
    const limit = q.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new StoreQueryError(`limit must be an integer from 1 to 1000, got ${String(q.limit)}`);
    }
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    try {
      const f = resolveFilter(q, this.dict);
      if (!f.possible) return { calls: [], nextCursor: null };
      const rows = this.db.transaction(() => this.fetchPage(f, 'DESC', after, null, limit + 1))();
      const more = rows.length > limit;
      const page = more ? rows.slice(0, limit) : rows;
      const last = page[page.length - 1];
      return {
        calls: page.map((r) => toCallRow(r, this.dict)),
        nextCursor: more && last ? encodeCursor(last.start_time, last.id) : null,
      };
    } catch (err) {
      this.fail(err, 'reading');
    }
  }

  private runPage(
    f: ResolvedFilter,
    dir: 'DESC' | 'ASC',
    after: { startTime: number; id: number } | null,
    maxId: number | null,
    limit: number,
    forceIndex: string | null = null,
  ): RawCallRow[] {
    const { sql, params } = pageSql(f, dir, after, maxId, forceIndex);
    return this.stmts
      .get(sql)
      .all(params.map((p) => (p === '$limit' ? limit : p)).concat(limit)) as RawCallRow[];
  }

  /**
   * Up to `limit` rows after the keyset position `after`, in `dir` order. With dimension filters the
   * rollups guide the scan to the hours holding matching calls (see guide.ts); otherwise a
   * time-ordered index (a partial one for the error/unpriced/estimated flags) is walked.
   */
  private fetchPage(
    f: ResolvedFilter,
    dir: 'DESC' | 'ASC',
    after: { startTime: number; id: number } | null,
    maxId: number | null,
    limit: number,
  ): RawCallRow[] {
    const guide = Guide.for(this.stmts, f, this.compactedUntil(), dir);
    if (!guide) return this.runPage(f, dir, after, maxId, limit);
    const b = this.bounds();
    if (!b) return [];
    const desc = dir === 'DESC';
    let lo = Math.max(f.since ?? b.min, b.min);
    let hi = Math.min(f.until ?? b.max + 1, b.max + 1); // exclusive
    if (after) {
      if (desc) hi = Math.min(hi, after.startTime + 1);
      else lo = Math.max(lo, after.startTime);
    }
    const out: RawCallRow[] = [];
    for (const hour of guide.hours(lo, hi, dir)) {
      const sub: ResolvedFilter = {
        ...f,
        since: Math.max(hour, f.since ?? hour),
        until: Math.min(hour + HOUR_MS, f.until ?? hour + HOUR_MS),
      };
      const last = out[out.length - 1];
      const cursor = last ? { startTime: last.start_time, id: last.id } : after;
      for (const r of this.runPage(sub, dir, cursor, maxId, limit - out.length, 'calls_time')) out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  }

  callsAfterId(afterId: number, limit = 500): CallRow[] {
    if (!Number.isSafeInteger(afterId) || afterId < 0) {
      throw new StoreQueryError(`afterId must be a non-negative integer, got ${String(afterId)}`);
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new StoreQueryError(`limit must be an integer from 1 to 10000, got ${String(limit)}`);
    }
    try {
      const rows = this.stmts
        .get('SELECT * FROM calls WHERE id > ? ORDER BY id LIMIT ?')
        .all(afterId, limit) as RawCallRow[];
      return rows.map((r) => toCallRow(r, this.dict));
    } catch (err) {
      this.fail(err, 'reading');
    }
  }

  lastCallId(): number {
    try {
      return (
        this.stmts
          .get("SELECT ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'calls'), 0) AS id")
          .get() as { id: number }
      ).id;
    } catch (err) {
      this.fail(err, 'reading');
    }
  }

  *exportCalls(q: CallFilter = {}): IterableIterator<CallRow> {
    let f: ResolvedFilter;
    let maxId: number;
    try {
      f = resolveFilter(q, this.dict);
      if (!f.possible) return;
      maxId = (this.stmts.get('SELECT ifnull(max(id), 0) AS m FROM calls').get() as { m: number }).m;
    } catch (err) {
      this.fail(err, 'reading');
    }
    let after: { startTime: number; id: number } | null = null;
    for (;;) {
      let rows: RawCallRow[];
      try {
        rows = this.db.transaction(() => this.fetchPage(f, 'ASC', after, maxId, EXPORT_PAGE))();
      } catch (err) {
        this.fail(err, 'reading');
      }
      for (const r of rows) yield toCallRow(r, this.dict);
      const last = rows[rows.length - 1];
      if (rows.length < EXPORT_PAGE || !last) return;
      after = { startTime: last.start_time, id: last.id };
    }
  }

  unpricedModels(filter: CallFilter = {}): UnpricedModel[] {
    try {
      const f = resolveFilter(filter, this.dict);
      if (!f.possible) return [];
      const dims = dimConditions(f);
      const w: Conditions = {
        sql: ['priced = 0', 'pricing_match <> ?', ...dims.sql],
        params: [this.dict.lookup('no_usage') ?? -1, ...dims.params],
      };
      addRawOnly(w, f);
      addRange(w, 'start_time', f.since, f.until);
      const sql =
        'SELECT provider, coalesce(response_model, request_model) AS model, pricing_match AS reason, ' +
        'count(*) AS calls, min(start_time) AS first, max(start_time) AS last ' +
        `FROM calls INDEXED BY calls_unpriced WHERE ${w.sql.join(' AND ')} GROUP BY 1, 2, 3`;
      const rows = this.stmts.get(sql).all(w.params) as {
        provider: number;
        model: number | null;
        reason: number;
        calls: number;
        first: number;
        last: number;
      }[];
      const byModel = new Map<string, UnpricedModel>();
      for (const r of rows) {
        const provider = this.dict.valueOf(r.provider) ?? '';
        const model = this.dict.valueOf(r.model) ?? '';
        const key = JSON.stringify([provider, model]);
        const reason = this.dict.valueOf(r.reason) ?? '';
        const e = byModel.get(key);
        if (!e) {
          byModel.set(key, {
            provider,
            model,
            calls: r.calls,
            firstSeenMs: r.first,
            lastSeenMs: r.last,
            reason,
          });
          continue;
        }
        e.calls += r.calls;
        e.firstSeenMs = Math.min(e.firstSeenMs, r.first);
        if (r.last > e.lastSeenMs) {
          e.lastSeenMs = r.last;
          e.reason = reason;
        }
      }
      return [...byModel.values()].sort(
        (a, b) => b.calls - a.calls || b.lastSeenMs - a.lastSeenMs || (a.model < b.model ? -1 : 1),
      );
    } catch (err) {
      this.fail(err, 'reading');
    }
  }

  prune(opts: PruneOptions): PruneResult {
    const cutoff = opts?.olderThan;
    if (typeof cutoff !== 'number' || !Number.isFinite(cutoff)) {
      throw new StoreQueryError(`olderThan must be a time in epoch milliseconds, got ${String(cutoff)}`);
    }
    const cutoffMs = Math.floor(cutoff);
    const dryRun = opts.dryRun === true;
    try {
      if (dryRun) {
        const n = this.summary({ until: cutoffMs }).totals.calls;
        return { cutoffMs, deletedCalls: n, dryRun };
      }
      this.checkWritable('prune');
      const deleted = pruneCalls(this.db, cutoffMs);
      return { cutoffMs, deletedCalls: deleted, dryRun };
    } catch (err) {
      this.fail(err, 'pruning');
    }
  }

  /**
   * Applies `options.price` to the stored calls of the selection and rewrites those whose price
   * changed, with the rollups, in transactions of `batchSize` calls (see reprice.ts).
   */
  reprice(options: RepriceOptions): RepriceResult {
    if (options?.dryRun !== true) this.checkWritable('re-price calls');
    try {
      this.repricer ??= new Repricer(this.db, this.dict);
      return this.repricer.run(options);
    } catch (err) {
      this.fail(err, 're-pricing calls in');
    }
  }

  private repricer: Repricer | undefined;

  listBudgets(): Budget[] {
    try {
      return selectBudgets(this.db);
    } catch (err) {
      this.fail(err, 'reading');
    }
  }

  setBudget(input: BudgetInput): Budget {
    this.checkWritable('set a budget');
    try {
      return upsertBudget(this.db, input);
    } catch (err) {
      this.fail(err, 'writing a budget to');
    }
  }

  removeBudget(id: number): boolean {
    this.checkWritable('remove a budget');
    try {
      return deleteBudget(this.db, id);
    } catch (err) {
      this.fail(err, 'writing to');
    }
  }

  budgetStatus(nowMs: number = Date.now(), timeZone: string = localTimeZone()): BudgetStatus[] {
    checkTimeZone(timeZone);
    const ledger = this.budgetLedger();
    const spend = (scope: SpendScope, since: number, until: number) =>
      this.summary({ ...scope, since, until }).totals.costNanos;
    return this.listBudgets().map((b) => statusOf(b, nowMs, timeZone, spend, ledger));
  }

  private ledger: SqliteBudgetLedger | undefined;

  budgetLedger(): BudgetLedgerStore {
    try {
      this.ledger ??= new SqliteBudgetLedger(this.db, this.dict, (err, doing) => this.fail(err, doing));
      return this.ledger;
    } catch (err) {
      this.fail(err, 'reading');
    }
  }

  hourlyCost(q: CallFilter): HourlyCost {
    try {
      return this.db.transaction(() => runHourlyCost({ dict: this.dict, stmts: this.stmts }, q))();
    } catch (err) {
      this.fail(err, 'reading');
    }
  }

  spendSince(sinceMs: number, scope: SpendScope = {}): number {
    return this.summary({ ...scope, since: sinceMs }).totals.costNanos;
  }

  rollingWindow(sinceMs: number): RollingWindowRow[] {
    try {
      // Float sums, as metricTotals reads the all-time cost: a window beyond 2^53 nano-USD (9,007,199
      // USD) becomes a Prometheus sample instead of a refused read that would fail the whole scrape.
      const q: SummaryQuery = { since: sinceMs, groupBy: 'tenant', timeZone: 'UTC' };
      const { groups } = this.db.transaction(() =>
        runSummary(this.summaryContext, q, this.bounds, this.compactedUntil, { sums: 'float' }),
      )();
      return groups.map((g) => ({ tenant: g.key, costNanos: g.costNanos }));
    } catch (err) {
      this.fail(err, 'reading');
    }
  }

  metricTotals(): MetricTotalsRow[] {
    try {
      return this.db.transaction(() => this.readMetricTotals())();
    } catch (err) {
      this.fail(err, 'reading');
    }
  }

  private readMetricTotals(): MetricTotalsRow[] {
    {
      const rows = this.stmts
        .get(
          // Both models: the rows are merged below by the metrics' label (semconv's modelLabel).
          'SELECT provider, request_model AS requestModel, response_model AS responseModel, tenant, ' +
            'sum(calls) AS requests, sum(calls) - sum(unpriced) AS priced, sum(input_tokens) AS inputTokens, ' +
            'sum(output_tokens) AS outputTokens, sum(cache_read_tokens) AS cacheReadTokens, ' +
            // total(): a float, as Prometheus samples are, so an all-time cost beyond 2^53 nano-USD
            // (9,007,199 USD) is read on both drivers (node:sqlite refuses such an integer).
            'sum(cache_write_tokens) AS cacheWriteTokens, total(cost_nanos) AS costNanos ' +
            'FROM (SELECT * FROM rollup_tenant_all UNION ALL SELECT * FROM rollup_tenant_hour WHERE bucket >= ?) ' +
            'GROUP BY 1, 2, 3, 4',
        )
        .all(this.compactedUntil()) as (Omit<MetricTotalsRow, 'provider' | 'model' | 'tenant'> & {
        provider: number;
        requestModel: number;
        responseModel: number;
        tenant: number;
      })[];
      const merged = new Map<string, MetricTotalsRow>();
      for (const { requestModel, responseModel, ...r } of rows) {
        const row: MetricTotalsRow = {
          ...r,
          provider: this.dict.valueOf(r.provider) ?? '',
          model: modelLabel(this.dict.valueOf(requestModel), this.dict.valueOf(responseModel)) ?? null,
          tenant: this.dict.valueOf(r.tenant),
        };
        const key = `${row.provider}\u0000${row.model ?? ''}\u0000${row.tenant ?? ''}`;
        const prev = merged.get(key);
        if (prev === undefined) merged.set(key, row);
        else addMetricTotals(prev, row);
      }
      return [...merged.values()];
    }
  }

  health(opts: HealthOptions = {}): StoreHealth {
    const h: StoreHealth = {
      path: this.path,
      sizeBytes: 0,
      calls: 0,
      schemaVersion: 0,
      journalMode: '',
      sqliteVersion: '',
      binding: driverDescription(),
      oldestMs: null,
      newestMs: null,
      ok: true,
    };
    const problems: string[] = [];
    for (const suffix of ['', '-wal']) {
      try {
        h.sizeBytes += statSync(this.path + suffix).size;
      } catch {
        // no WAL file
      }
    }
    try {
      h.schemaVersion = this.db.pragma('user_version', { simple: true }) as number;
      h.journalMode = String(this.db.pragma('journal_mode', { simple: true }));
      h.sqliteVersion = String(this.db.prepare('SELECT sqlite_version()').pluck().get());
      if (h.schemaVersion !== SCHEMA_VERSION)
        problems.push(`schema version ${h.schemaVersion}, expected ${SCHEMA_VERSION}`);
      h.calls = this.summary({}).totals.calls;
      const b = this.bounds();
      h.oldestMs = b?.min ?? null;
      h.newestMs = b?.max ?? null;
      if (opts.quickCheck !== false) {
        const rows = this.db.pragma('quick_check(20)', { simple: false }) as { quick_check: string }[];
        const msgs = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
        if (msgs.length) problems.push(`quick_check: ${msgs.join('; ')}`);
      }
    } catch (err) {
      problems.push(toStoreError(err, this.path, 'checking').message);
    }
    if (problems.length) {
      h.ok = false;
      h.problem = problems.join('; ');
    }
    return h;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * Imports the spill files waiting next to the store at `path`, if any, through a short read-write
 * connection (for readers that open the store read-only). Throws StoreError.
 */
export function importPendingSpills(path: string): SpillImport {
  if (pendingSpills(path).length === 0) return { files: 0, calls: 0, badLines: 0 };
  const store = new SqliteCostStore(path);
  try {
    return store.importSpills();
  } finally {
    store.close();
  }
}

/** Opens (creating and migrating when needed) the store at `path`. Throws StoreError. */
export function openStore(path: string, opts: OpenStoreOptions = {}): CostStore & SqliteCostStore {
  return new SqliteCostStore(path, opts);
}

/** Adds the totals of `b` to `a` (two stored label sets that give the same metric labels). */
function addMetricTotals(a: MetricTotalsRow, b: MetricTotalsRow): void {
  a.requests += b.requests;
  a.priced += b.priced;
  a.inputTokens += b.inputTokens;
  a.outputTokens += b.outputTokens;
  a.cacheReadTokens += b.cacheReadTokens;
  a.cacheWriteTokens += b.cacheWriteTokens;
  a.costNanos += b.costNanos;
}
