// The SQL steps of the budget ledger shared by the processes of one host (see BudgetLedgerStore):
// reservations of calls in flight in `budget_reservations` (a small table: calls in flight, and calls
// ended but not yet stored), and the calls stored since a given id, decoded. A call's reservation is
// deleted by the transaction that stores the call (ingest.ts), so its cost is counted exactly once.
// A process's lease of headroom is one row per budget too (ref prefixed LEASE_REF_PREFIX): it grows
// and shrinks in place, and storing a call that ran on it takes the call's cost off it.
import type { StringDict } from './dict.js';
import type { Database, Statement } from './driver/index.js';
import type { BudgetLedgerStore, LedgerCall, Nanos, ReservationInput } from './types.js';

/** The refs of lease rows begin with this (storing a call that ran on one reduces it, not deletes it). */
export const LEASE_REF_PREFIX = 'lease:';

interface RawLedgerCall {
  id: number;
  start_time: number;
  cost_nanos: number;
  provider: number;
  request_model: number | null;
  response_model: number | null;
  feature: number | null;
  user: number | null;
  tenant: number | null;
  service: number | null;
}

export class SqliteBudgetLedger implements BudgetLedgerStore {
  private readonly after: Statement<[number, number], RawLedgerCall>;
  private readonly lastId: Statement<[], { id: number }>;
  private readonly sum: Statement<[string, number, number, number], { n: number | null }>;
  private readonly split: Statement<
    [string, number, number, number],
    { held: number | null; settled: number | null }
  >;
  private readonly add: Statement<[string, string, number, number, number]>;
  private readonly settleStmt: Statement<[number, number, string]>;
  private readonly releaseStmt: Statement<[string]>;
  private readonly expire: Statement<[number]>;
  private readonly adjust: Statement<[number, number, string, string]>;

  constructor(
    private readonly db: Database,
    private readonly dict: StringDict,
    private readonly onError: (err: unknown, doing: string) => never,
  ) {
    this.after = db.prepare(
      'SELECT id, start_time, cost_nanos, provider, request_model, response_model, feature, user, tenant, service ' +
        'FROM calls WHERE id > ? ORDER BY id LIMIT ?',
    );
    this.lastId = db.prepare(
      "SELECT ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'calls'), 0) AS id",
    );
    this.sum = db.prepare(
      'SELECT sum(nanos) AS n FROM budget_reservations WHERE budget_key = ? AND time_ms >= ? AND time_ms < ? AND expires_ms > ?',
    );
    this.split = db.prepare(
      'SELECT sum(CASE WHEN settled = 0 THEN nanos END) AS held, sum(CASE WHEN settled = 1 THEN nanos END) AS settled ' +
        'FROM budget_reservations WHERE budget_key = ? AND time_ms >= ? AND time_ms < ? AND expires_ms > ?',
    );
    this.add = db.prepare(
      'INSERT INTO budget_reservations (ref, budget_key, time_ms, nanos, expires_ms) VALUES (?, ?, ?, ?, ?)',
    );
    this.settleStmt = db.prepare(
      'UPDATE budget_reservations SET nanos = ?, settled = 1, expires_ms = ? WHERE ref = ?',
    );
    this.releaseStmt = db.prepare('DELETE FROM budget_reservations WHERE ref = ?');
    this.expire = db.prepare('DELETE FROM budget_reservations WHERE expires_ms <= ?');
    this.adjust = db.prepare(
      'UPDATE budget_reservations SET nanos = nanos + ?, expires_ms = ? WHERE ref = ? AND budget_key = ?',
    );
  }

  atomically<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (err) {
      this.onError(err, 'updating the budget ledger in');
    }
  }

  callsAfter(afterId: number, limit = 10_000): LedgerCall[] {
    try {
      const d = this.dict;
      return this.after.all(afterId, limit).map((r) => ({
        id: r.id,
        startTimeMs: r.start_time,
        costNanos: r.cost_nanos,
        provider: d.valueOf(r.provider) ?? '',
        requestModel: d.valueOf(r.request_model),
        responseModel: d.valueOf(r.response_model),
        feature: d.valueOf(r.feature),
        user: d.valueOf(r.user),
        tenant: d.valueOf(r.tenant),
        service: d.valueOf(r.service),
      }));
    } catch (err) {
      this.onError(err, 'reading');
    }
  }

  lastCallId(): number {
    try {
      return this.lastId.get()!.id;
    } catch (err) {
      this.onError(err, 'reading');
    }
  }

  reserved(budgetKey: string, sinceMs: number, untilMs: number, nowMs: number): Nanos {
    try {
      return this.sum.get(budgetKey, sinceMs, untilMs, nowMs)?.n ?? 0;
    } catch (err) {
      this.onError(err, 'reading');
    }
  }

  reservations(
    budgetKey: string,
    sinceMs: number,
    untilMs: number,
    nowMs: number,
  ): { inFlightNanos: Nanos; settledNanos: Nanos } {
    try {
      const r = this.split.get(budgetKey, sinceMs, untilMs, nowMs);
      return { inFlightNanos: r?.held ?? 0, settledNanos: r?.settled ?? 0 };
    } catch (err) {
      this.onError(err, 'reading');
    }
  }

  insert(reservations: readonly ReservationInput[]): void {
    try {
      for (const r of reservations) this.add.run(r.ref, r.budgetKey, r.timeMs, r.nanos, r.expiresMs);
    } catch (err) {
      this.onError(err, 'writing a budget reservation to');
    }
  }

  settle(ref: string, nanos: Nanos, expiresMs: number): void {
    try {
      this.settleStmt.run(nanos, expiresMs, ref);
    } catch (err) {
      this.onError(err, 'settling a budget reservation in');
    }
  }

  release(ref: string): void {
    try {
      this.releaseStmt.run(ref);
    } catch (err) {
      this.onError(err, 'releasing a budget reservation in');
    }
  }

  adjustLease(ref: string, budgetKey: string, timeMs: number, deltaNanos: Nanos, expiresMs: number): void {
    try {
      if (this.adjust.run(deltaNanos, expiresMs, ref, budgetKey).changes === 0 && deltaNanos > 0) {
        this.add.run(ref, budgetKey, timeMs, deltaNanos, expiresMs);
      }
    } catch (err) {
      this.onError(err, 'writing a budget lease to');
    }
  }

  deleteExpired(nowMs: number): number {
    try {
      return this.expire.run(nowMs).changes;
    } catch (err) {
      this.onError(err, 'pruning budget reservations in');
    }
  }
}
