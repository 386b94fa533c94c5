// Re-pricing stored calls: a caller-supplied price function (the store does not depend on the
// pricing engine) is applied to the stored token counts of the chosen calls, and every call whose
// price changes is rewritten together with the rollups, in the same IMMEDIATE transaction, batch by
// batch. Other processes keep writing between batches (each batch holds the write lock for a few
// milliseconds), and a batch re-reads its rows inside its transaction, so a call is never counted
// twice or lost whatever runs at the same time (a writer, a prune, another reprice).
//
// Rules:
// - Calls without usage (failed calls) and calls whose usage was invalid are never priced.
// - A price is never taken away: a priced call the price function cannot price now keeps its
//   stored price (counted in `keptPrice`).
// - A re-priced call keeps the provenance of the price it now has (match, catalog entry, source,
//   version and tier), like a call priced by the preload.
// - Only calls stored before the reprice began are visited (an id bound), in (start_time, id) order.
import type { StringDict } from './dict.js';
import type { Database, Statement } from './driver/index.js';
import { StoreQueryError } from './errors/store-query-error.js';
import { PRICE_COLUMNS, RepriceWriter } from './reprice-writer.js';
import type { CallInput, Nanos } from './types.js';

export const REPRICE_SELECTIONS = ['unpriced', 'estimated', 'all'] as const;
export type RepriceSelection = (typeof REPRICE_SELECTIONS)[number];

/** A stored call as the price function sees it (the inputs of a price, decoded). */
export interface RepriceCall {
  id: number;
  startTimeMs: number;
  provider: string;
  /** The model to price: the response model when known, else the request model. */
  model: string | null;
  serviceTier: string | null;
  batch: boolean;
  /** server.address of the call (for providers priced by their base URL). */
  serverAddress: string | null;
  usage: {
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens: number;
    cacheWriteTokens: number;
    reasoningTokens: number;
    cacheWrite1hTokens: number;
    inputAudioTokens: number;
    outputAudioTokens: number;
    cacheAudioReadTokens: number;
  };
}

/** A price as the store keeps it: CallInput.cost. */
export type RepriceCost = NonNullable<CallInput['cost']>;

/** The price of a call now: a cost, or null with the reason (`unknown_model`, ...). Must not throw. */
export type RepriceFunction = (call: RepriceCall) => { cost: RepriceCost | null; match: string };

export interface RepriceOptions {
  since?: number;
  until?: number;
  /** Which calls: `unpriced` (default), `estimated` (tokens counted locally) or `all`. */
  only?: RepriceSelection;
  /** Compute and report, write nothing. */
  dryRun?: boolean;
  price: RepriceFunction;
  /** Calls per transaction (default 5,000). */
  batchSize?: number;
  /** Called after each batch with the calls visited so far. */
  onProgress?: (visited: number) => void;
}

/** Before/after of the calls of one model (response model, else request model). */
export interface RepriceModelTotals {
  model: string | null;
  /** Calls of this model that were looked at. */
  calls: number;
  /** Of them, calls whose price changed (or would, with dryRun). */
  changed: number;
  /** Cost of the looked-at calls before and after. */
  beforeNanos: Nanos;
  afterNanos: Nanos;
  /** Looked-at calls without a price before and after. */
  unpricedBefore: number;
  unpricedAfter: number;
}

export interface RepriceResult {
  only: RepriceSelection;
  dryRun: boolean;
  since: number | null;
  until: number | null;
  /** Calls looked at (the selection, with usage). */
  calls: number;
  /** Calls whose price changed (written, or that would be with dryRun). */
  changed: number;
  /** Calls that had no price and have one now. */
  newlyPriced: number;
  /** Calls still without a price. */
  stillUnpriced: number;
  /** Priced calls the price function cannot price now: their stored price is kept. */
  keptPrice: number;
  beforeNanos: Nanos;
  afterNanos: Nanos;
  /** Most expensive (after) first. */
  models: RepriceModelTotals[];
  /** The prices the changed calls have now, by source and version. */
  pricedBy: { source: string; version: string; calls: number }[];
}

/**
 * The columns a call is priced and compared from, in the order of a row of a batch. A batch is read
 * as one JSON array of arrays (json_group_array in SQLite, JSON.parse here): about half the CPU of
 * reading the same values one by one through the driver. The rollup dimensions are not read here:
 * most calls of a run keep their price, and the writer reads them for the changed calls only.
 */
const COLUMN_LIST = [
  'id',
  'start_time',
  'provider',
  'request_model',
  'response_model',
  'service_tier',
  'batch',
  'server_address',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cache_write_1h_tokens',
  'input_audio_tokens',
  'output_audio_tokens',
  'cache_audio_read_tokens',
  'priced',
  ...PRICE_COLUMNS,
] as const;
/** Column → its index in a row. */
const C = Object.fromEntries(COLUMN_LIST.map((c, i) => [c, i])) as Record<
  (typeof COLUMN_LIST)[number],
  number
>;
/** A row of a batch (COLUMN_LIST order; null where a dictionary id is not set). */
type Row = (number | null)[];
/** The provenance columns (match, provider, model, source, version, tier) start here. */
const PROVENANCE = C.pricing_match;
const INDEX: Record<RepriceSelection, { index: string; where: string }> = {
  unpriced: { index: 'calls_unpriced', where: 'priced = 0' },
  estimated: { index: 'calls_estimated', where: 'estimated = 1' },
  all: { index: 'calls_time', where: '1' },
};

function checkOptions(o: RepriceOptions): { only: RepriceSelection; batch: number } {
  const only = o.only ?? 'unpriced';
  if (!(REPRICE_SELECTIONS as readonly string[]).includes(only))
    throw new StoreQueryError(`only must be one of ${REPRICE_SELECTIONS.join(', ')}; got "${String(only)}"`);
  if (typeof o.price !== 'function') throw new StoreQueryError('price must be a function');
  for (const k of ['since', 'until'] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
      throw new StoreQueryError(`${k} must be a time in epoch milliseconds, got ${String(v)}`);
  }
  if (o.since !== undefined && o.until !== undefined && o.since > o.until)
    throw new StoreQueryError(`since (${o.since}) is after until (${o.until})`);
  const batch = o.batchSize ?? 5000;
  if (!Number.isInteger(batch) || batch < 1 || batch > 100_000)
    throw new StoreQueryError(`batchSize must be an integer from 1 to 100000, got ${String(o.batchSize)}`);
  return { only, batch };
}

/** Whether `n` is an amount the store can keep exactly (the same rule as for written calls). */
function validNanos(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function validCost(c: RepriceCost): boolean {
  return (
    validNanos(c.totalNanos) &&
    validNanos(c.inputNanos) &&
    validNanos(c.outputNanos) &&
    validNanos(c.cacheReadNanos) &&
    validNanos(c.cacheWriteNanos)
  );
}

/** A new price's provenance as dictionary ids (match, provider, model, source, version, tier). */
interface Provenance {
  ids: [number, number, number, number, number, number];
  /** The `pricedBy` entry the calls priced with it count in. */
  by: { source: string; version: string; calls: number };
}

export class Repricer {
  private writer: RepriceWriter | undefined;
  private readonly lastId: Statement;
  private readonly excluded: number[];

  constructor(
    private readonly db: Database,
    private readonly dict: StringDict,
  ) {
    this.lastId = db.prepare('SELECT ifnull(max(id), 0) AS m FROM calls');
    // Matches that mean "no usable usage": a price cannot be computed from nothing.
    this.excluded = ['no_usage', 'invalid_usage']
      .map((v) => dict.lookup(v))
      .filter((id): id is number => id !== undefined);
  }

  run(options: RepriceOptions): RepriceResult {
    const { only, batch } = checkOptions(options);
    const dryRun = options.dryRun === true;
    const sel = INDEX[only];
    // A cost the provider reported is what was charged: the catalog does not re-price it.
    const where = [sel.where, 'usage_known = 1', 'cost_reported = 0', 'id <= ?', '(start_time, id) > (?, ?)'];
    if (this.excluded.length) where.push(`pricing_match NOT IN (${this.excluded.map(() => '?').join(', ')})`);
    if (options.until !== undefined) where.push('start_time < ?');
    const columns = COLUMN_LIST.join(', ');
    const select = this.db
      .prepare(
        `SELECT json_group_array(json_array(${columns})) FROM (SELECT ${columns} FROM calls ` +
          `INDEXED BY ${sel.index} WHERE ${where.join(' AND ')} ORDER BY start_time, id LIMIT ?)`,
      )
      .pluck(true);
    if (!dryRun) this.writer ??= new RepriceWriter(this.db);
    const writer = dryRun ? undefined : this.writer;
    const maxId = (this.lastId.get() as { m: number }).m;
    const result: RepriceResult = {
      only,
      dryRun,
      since: options.since ?? null,
      until: options.until ?? null,
      calls: 0,
      changed: 0,
      newlyPriced: 0,
      stillUnpriced: 0,
      keptPrice: 0,
      beforeNanos: 0,
      afterNanos: 0,
      models: [],
      pricedBy: [],
    };
    const models = new Map<number, RepriceModelTotals>();
    const pricedBy = new Map<string, { source: string; version: string; calls: number }>();
    const provenances = new Map<string, Provenance>();
    const provenanceOf = (cost: RepriceCost): Provenance => {
      const key = `${cost.match}\u0000${cost.provider}\u0000${cost.modelId}\u0000${cost.source}\u0000${cost.version}\u0000${cost.serviceTier}`;
      let p = provenances.get(key);
      if (p === undefined) {
        // A dry run never writes: a text the store has never seen has no id, and differs from any.
        const id = (v: string): number => (dryRun ? (this.dict.lookup(v) ?? -1) : this.dict.intern(v));
        const opt = (v: string) => (v ? id(v) : 0);
        const source = cost.source || null;
        const version = cost.version || null;
        const byKey = `${source}\u0000${version}`;
        let by = pricedBy.get(byKey);
        if (!by) {
          by = { source: source ?? '', version: version ?? '', calls: 0 };
          pricedBy.set(byKey, by);
        }
        p = {
          ids: [
            id(cost.match),
            opt(cost.provider),
            opt(cost.modelId),
            opt(cost.source),
            opt(cost.version),
            opt(cost.serviceTier),
          ],
          by,
        };
        provenances.set(key, p);
      }
      return p;
    };
    const s = (id: number | null | undefined) => this.dict.valueOf(id);
    const price = options.price;
    // Keyset position: the first row is the first one after (since, -1).
    let cursorTime = options.since === undefined ? Number.MIN_SAFE_INTEGER : Math.floor(options.since);
    let cursorId = -1;
    const step = (): number => {
      const params: unknown[] = [maxId, cursorTime, cursorId, ...this.excluded];
      if (options.until !== undefined) params.push(Math.floor(options.until));
      params.push(batch);
      const rows = JSON.parse(select.get(params) as string) as Row[];
      writer?.begin();
      for (const r of rows) {
        const id = r[C.id] as number;
        const startTime = r[C.start_time] as number;
        // json_group_array need not keep the subquery's order: the cursor is the batch's last key.
        if (startTime > cursorTime || (startTime === cursorTime && id > cursorId)) {
          cursorTime = startTime;
          cursorId = id;
        }
        const modelId = r[C.response_model] || r[C.request_model] || 0;
        const call: RepriceCall = {
          id,
          startTimeMs: startTime,
          provider: s(r[C.provider]) ?? '',
          model: s(modelId),
          serviceTier: s(r[C.service_tier]),
          batch: r[C.batch] === 1,
          serverAddress: s(r[C.server_address]),
          usage: {
            inputTokens: r[C.input_tokens] ?? 0,
            outputTokens: r[C.output_tokens] ?? 0,
            cacheReadTokens: r[C.cache_read_tokens] ?? 0,
            cacheWriteTokens: r[C.cache_write_tokens] ?? 0,
            reasoningTokens: r[C.reasoning_tokens] ?? 0,
            cacheWrite1hTokens: r[C.cache_write_1h_tokens] ?? 0,
            inputAudioTokens: r[C.input_audio_tokens] ?? 0,
            outputAudioTokens: r[C.output_audio_tokens] ?? 0,
            cacheAudioReadTokens: r[C.cache_audio_read_tokens] ?? 0,
          },
        };
        const priced = r[C.priced] === 1;
        const beforeNanos = r[C.cost_nanos] ?? 0;
        let outcome: ReturnType<RepriceFunction>;
        try {
          outcome = price(call);
        } catch {
          outcome = { cost: null, match: 'unknown_model' };
        }
        const cost = outcome.cost && validCost(outcome.cost) ? outcome.cost : null;
        let m = models.get(modelId);
        if (!m) {
          m = {
            model: call.model,
            calls: 0,
            changed: 0,
            beforeNanos: 0,
            afterNanos: 0,
            unpricedBefore: 0,
            unpricedAfter: 0,
          };
          models.set(modelId, m);
        }
        const afterNanos = cost ? cost.totalNanos : beforeNanos;
        m.calls++;
        m.beforeNanos += beforeNanos;
        m.afterNanos += afterNanos;
        if (!priced) m.unpricedBefore++;
        result.calls++;
        result.beforeNanos += beforeNanos;
        result.afterNanos += afterNanos;
        if (!cost) {
          // A price is never taken away: the call keeps what it has.
          if (priced) result.keptPrice++;
          else {
            m.unpricedAfter++;
            result.stillUnpriced++;
          }
          continue;
        }
        const p = provenanceOf(cost);
        const ids = p.ids;
        if (
          priced &&
          cost.totalNanos === beforeNanos &&
          cost.inputNanos === (r[C.input_cost_nanos] ?? 0) &&
          cost.outputNanos === (r[C.output_cost_nanos] ?? 0) &&
          cost.cacheReadNanos === (r[C.cache_read_cost_nanos] ?? 0) &&
          cost.cacheWriteNanos === (r[C.cache_write_cost_nanos] ?? 0) &&
          ids[0] === (r[PROVENANCE] ?? 0) &&
          ids[1] === (r[PROVENANCE + 1] ?? 0) &&
          ids[2] === (r[PROVENANCE + 2] ?? 0) &&
          ids[3] === (r[PROVENANCE + 3] ?? 0) &&
          ids[4] === (r[PROVENANCE + 4] ?? 0) &&
          ids[5] === (r[PROVENANCE + 5] ?? 0)
        )
          continue;
        m.changed++;
        result.changed++;
        if (!priced) result.newlyPriced++;
        p.by.calls++;
        if (!writer) continue;
        const nul = (v: number) => (v === 0 ? null : v);
        writer.add([
          id,
          cost.totalNanos,
          cost.inputNanos,
          cost.outputNanos,
          cost.cacheReadNanos,
          cost.cacheWriteNanos,
          ids[0],
          nul(ids[1]),
          nul(ids[2]),
          nul(ids[3]),
          nul(ids[4]),
          nul(ids[5]),
        ]);
      }
      writer?.apply();
      return rows.length;
    };
    const tx = this.db.transaction(step);
    let visited = 0;
    for (;;) {
      let n: number;
      try {
        n = dryRun ? tx.deferred() : tx.immediate();
        this.dict.commit();
      } catch (err) {
        this.dict.rollback();
        writer?.discard();
        throw err;
      }
      visited += n;
      options.onProgress?.(visited);
      if (n < batch) break;
    }
    result.models = [...models.values()].sort(
      (a, b) =>
        b.afterNanos - a.afterNanos ||
        b.calls - a.calls ||
        (a.model === null ? 1 : b.model === null ? -1 : a.model < b.model ? -1 : 1),
    );
    result.pricedBy = [...pricedBy.values()].filter((b) => b.calls > 0).sort((a, b) => b.calls - a.calls);
    return result;
  }
}
