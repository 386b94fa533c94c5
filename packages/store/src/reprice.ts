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
import { RollupWriter } from './rollups.js';
import type { Fact } from './rows.js';
import type { Nanos } from './types.js';

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

/** A price as the store keeps it (the shape of CallInput.cost). */
export interface RepriceCost {
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
}

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

/** A selected row (raw array, COLUMNS order: arrays are much cheaper to read than objects). */
type Row = (number | null)[];

const COLUMN_LIST = [
  'id',
  'start_time',
  'provider',
  'operation',
  'request_model',
  'response_model',
  'service',
  'feature',
  'tenant',
  'user',
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
  'cost_nanos',
  'input_cost_nanos',
  'output_cost_nanos',
  'cache_read_cost_nanos',
  'cache_write_cost_nanos',
  'pricing_match',
  'pricing_provider',
  'pricing_model',
  'pricing_source',
  'pricing_version',
  'pricing_tier',
  'failed',
  'estimated',
] as const;
type Column = (typeof COLUMN_LIST)[number];
/** Column → its index in a Row. */
const C = Object.fromEntries(COLUMN_LIST.map((c, i) => [c, i])) as Record<Column, number>;
/** A column of a row; null (a dictionary id not set) reads 0, which the dictionary decodes as null. */
function v(r: Row, c: Column): number {
  return r[C[c]] ?? 0;
}
const COLUMNS = COLUMN_LIST.map((c) => (c === 'failed' ? 'error_type IS NOT NULL AS failed' : c)).join(', ');

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

/** What a row's price columns say, decoded (for comparing with a new price). */
interface Price {
  priced: boolean;
  nanos: [number, number, number, number, number];
  match: string;
  provider: string | null;
  modelId: string | null;
  source: string | null;
  version: string | null;
  tier: string | null;
}

function samePrice(a: Price, b: Price): boolean {
  return (
    a.priced === b.priced &&
    a.nanos.every((v, i) => v === b.nanos[i]) &&
    a.match === b.match &&
    a.provider === b.provider &&
    a.modelId === b.modelId &&
    a.source === b.source &&
    a.version === b.version &&
    a.tier === b.tier
  );
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

export class Repricer {
  private readonly rollups: RollupWriter;
  private readonly update: Statement;
  private readonly lastId: Statement;
  private readonly excluded: number[];
  /** A call of the current batch moved to another tier: rollup keys may be left with no call. */
  private tierMoved = false;

  constructor(
    private readonly db: Database,
    private readonly dict: StringDict,
  ) {
    this.rollups = new RollupWriter(db);
    this.update = db.prepare(
      'UPDATE calls SET priced = 1, cost_nanos = ?, input_cost_nanos = ?, output_cost_nanos = ?, ' +
        'cache_read_cost_nanos = ?, cache_write_cost_nanos = ?, pricing_match = ?, pricing_provider = ?, ' +
        'pricing_model = ?, pricing_source = ?, pricing_version = ?, pricing_tier = ? WHERE id = ?',
    );
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
    const select = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM calls INDEXED BY ${sel.index} WHERE ${where.join(' AND ')} ORDER BY start_time, id LIMIT ?`,
      )
      .raw(true);
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
    // Keyset position: the first row is the first one after (since, -1).
    let cursor = {
      startTime: options.since === undefined ? Number.MIN_SAFE_INTEGER : Math.floor(options.since),
      id: -1,
    };
    const step = (): number => {
      const params: unknown[] = [maxId, cursor.startTime, cursor.id, ...this.excluded];
      if (options.until !== undefined) params.push(Math.floor(options.until));
      params.push(batch);
      const rows = select.all(params) as Row[];
      if (!dryRun) this.rollups.begin();
      for (const r of rows) this.visit(r, options.price, dryRun, result, models, pricedBy);
      if (!dryRun) this.rollups.apply(this.tierMoved);
      this.tierMoved = false;
      const last = rows[rows.length - 1];
      if (last) cursor = { startTime: v(last, 'start_time'), id: v(last, 'id') };
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
        this.rollups.discard();
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
    result.pricedBy = [...pricedBy.values()].sort((a, b) => b.calls - a.calls);
    return result;
  }

  private visit(
    r: Row,
    price: RepriceFunction,
    dryRun: boolean,
    result: RepriceResult,
    models: Map<number, RepriceModelTotals>,
    pricedBy: Map<string, { source: string; version: string; calls: number }>,
  ): void {
    const s = (id: number | null) => this.dict.valueOf(id);
    const modelId = v(r, 'response_model') || v(r, 'request_model');
    const call: RepriceCall = {
      id: v(r, 'id'),
      startTimeMs: v(r, 'start_time'),
      provider: s(v(r, 'provider')) ?? '',
      model: s(modelId),
      serviceTier: s(v(r, 'service_tier')),
      batch: v(r, 'batch') === 1,
      serverAddress: s(v(r, 'server_address')),
      usage: {
        inputTokens: v(r, 'input_tokens'),
        outputTokens: v(r, 'output_tokens'),
        cacheReadTokens: v(r, 'cache_read_tokens'),
        cacheWriteTokens: v(r, 'cache_write_tokens'),
        reasoningTokens: v(r, 'reasoning_tokens'),
        cacheWrite1hTokens: v(r, 'cache_write_1h_tokens'),
        inputAudioTokens: v(r, 'input_audio_tokens'),
        outputAudioTokens: v(r, 'output_audio_tokens'),
        cacheAudioReadTokens: v(r, 'cache_audio_read_tokens'),
      },
    };
    const before: Price = {
      priced: v(r, 'priced') === 1,
      nanos: [
        v(r, 'cost_nanos'),
        v(r, 'input_cost_nanos'),
        v(r, 'output_cost_nanos'),
        v(r, 'cache_read_cost_nanos'),
        v(r, 'cache_write_cost_nanos'),
      ],
      match: s(v(r, 'pricing_match')) ?? '',
      provider: s(v(r, 'pricing_provider')),
      modelId: s(v(r, 'pricing_model')),
      source: s(v(r, 'pricing_source')),
      version: s(v(r, 'pricing_version')),
      tier: s(v(r, 'pricing_tier')),
    };
    let outcome: ReturnType<RepriceFunction>;
    try {
      outcome = price(call);
    } catch {
      outcome = { cost: null, match: 'unknown_model' };
    }
    const cost = outcome.cost && validCost(outcome.cost) ? outcome.cost : null;
    let after: Price = before;
    if (cost) {
      after = {
        priced: true,
        nanos: [
          cost.totalNanos,
          cost.inputNanos,
          cost.outputNanos,
          cost.cacheReadNanos,
          cost.cacheWriteNanos,
        ],
        match: cost.match,
        provider: cost.provider || null,
        modelId: cost.modelId || null,
        source: cost.source || null,
        version: cost.version || null,
        tier: cost.serviceTier || null,
      };
    } else if (before.priced) result.keptPrice++;
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
    m.calls++;
    m.beforeNanos += before.nanos[0];
    m.afterNanos += after.nanos[0];
    if (!before.priced) m.unpricedBefore++;
    if (!after.priced) m.unpricedAfter++;
    result.calls++;
    result.beforeNanos += before.nanos[0];
    result.afterNanos += after.nanos[0];
    if (!after.priced) result.stillUnpriced++;
    if (samePrice(before, after)) return;
    m.changed++;
    result.changed++;
    if (!before.priced) result.newlyPriced++;
    const key = `${after.source}\u0000${after.version}`;
    const by = pricedBy.get(key);
    if (by) by.calls++;
    else pricedBy.set(key, { source: after.source ?? '', version: after.version ?? '', calls: 1 });
    if (dryRun) return;
    const intern = (v: string | null) => (v === null ? null : this.dict.intern(v));
    this.update.run(
      after.nanos[0],
      after.nanos[1],
      after.nanos[2],
      after.nanos[3],
      after.nanos[4],
      this.dict.intern(after.match),
      intern(after.provider),
      intern(after.modelId),
      intern(after.source),
      intern(after.version),
      intern(after.tier),
      v(r, 'id'),
    );
    const tier = v(r, 'pricing_tier');
    if (after.tier === before.tier) {
      // Same rollup keys: they move by the difference of the price (calls and tokens unchanged).
      this.rollups.add(this.fact(r, after, tier, before), 1);
    } else {
      // Another tier is another key of the usage rollup: the call leaves its old one.
      this.rollups.add(this.fact(r, before, tier), -1);
      this.rollups.add(this.fact(r, after, intern(after.tier) ?? 0), 1);
      this.tierMoved = true;
    }
  }

  /** The call's rollup fact at price `p`; with `minus`, only the difference from that price. */
  private fact(r: Row, p: Price, tier: number, minus?: Price): Fact {
    const m = minus === undefined ? 1 : 0;
    return {
      startTime: v(r, 'start_time'),
      dims: [
        v(r, 'provider'),
        v(r, 'request_model'),
        v(r, 'response_model'),
        v(r, 'operation'),
        v(r, 'service'),
        v(r, 'feature'),
        v(r, 'tenant'),
        v(r, 'user'),
        tier,
      ],
      measures: [
        m,
        m * v(r, 'failed'),
        (p.priced ? 0 : 1) - (minus === undefined ? 0 : minus.priced ? 0 : 1),
        m * v(r, 'estimated'),
        m * v(r, 'input_tokens'),
        m * v(r, 'output_tokens'),
        m * v(r, 'cache_read_tokens'),
        m * v(r, 'cache_write_tokens'),
        m * v(r, 'reasoning_tokens'),
        ...p.nanos.map((n, i) => n - (minus?.nanos[i] ?? 0)),
      ],
    };
  }
}
