// The ledger of the processes of one host, in the SQLite store they all write. Spend comes from the
// store: a budget's window is summed from the rollups once (per period, or per bucket of a rolling
// window), then kept current by reading the calls stored since (by id, so each is read once).
// Reservations are rows of `budget_reservations`. A check-and-reserve is one IMMEDIATE transaction
// (catch up on new calls, sum the reservations, insert ours), so processes take turns and never
// both spend the same headroom. A settled reservation holds the real cost until the transaction
// that stores the call deletes it: each call counts once, as reserved or as spent, at every instant.
import type { BudgetLedgerStore, CostStore, LedgerCall } from '@tokenmeter/store';
import { spendScope } from '@tokenmeter/store';
import { callInScope } from '../scope.js';
import type { BudgetDefinition, Nanos } from '../types.js';
import { type CachedWindow, WindowCache } from '../windows.js';
import {
  type BudgetLedger,
  IN_FLIGHT_TTL_MS,
  LEASE_TTL_MS,
  type LeaseRequest,
  type LeaseResult,
  leaseGrant,
  overLimit,
  type ReserveRequest,
  type ReserveResult,
} from './types.js';

/** How long a settled reservation waits for its call to be stored (the store writer flushes every 250 ms). */
export const SETTLED_TTL_MS = 2 * 60_000;
/** Lapsed reservations are deleted at most this often. */
const EXPIRE_EVERY_MS = 1000;

interface Account {
  budget: BudgetDefinition;
  window: CachedWindow;
  /** Spend in the window, as of the last call read (`StoreLedger.lastId`). */
  spent: Nanos;
}

export interface StoreLedgerOptions {
  now?: () => number;
}

export class StoreLedger implements BudgetLedger {
  readonly kind = 'store';
  readonly storeRef = true;
  private readonly ledger: BudgetLedgerStore;
  private readonly accounts = new Map<string, Account>();
  private readonly windows = new WindowCache();
  /** The last call id read into the accounts; -1 before the first check. */
  private lastId = -1;
  private lastExpire = 0;
  /** Settlements that failed (the store was locked): retried before the next check. */
  private unsettled: { ref: string; nanos: Nanos }[] = [];
  private readonly now: () => number;

  /** @param store a connection of its own (opened read-write), closed by `close()`. */
  constructor(
    private readonly store: CostStore,
    options: StoreLedgerOptions = {},
  ) {
    this.ledger = store.budgetLedger();
    this.now = options.now ?? Date.now;
  }

  /** Brings the accounts up to date inside a transaction: settlements, new calls, lapsed rows. */
  private begin(now: number): void {
    this.retrySettlements(now);
    this.catchUp();
    if (now - this.lastExpire >= EXPIRE_EVERY_MS) {
      this.lastExpire = now;
      this.ledger.deleteExpired(now);
    }
  }

  reserve(r: ReserveRequest): ReserveResult {
    const now = this.now();
    return this.ledger.atomically(() => {
      this.begin(now);
      const over: ReserveResult['over'] = [];
      let hardOver = false;
      r.budgets.forEach((b, i) => {
        const a = this.account(b, r.timeMs);
        const { spentNanos, reservedNanos } = this.current(a, now);
        if (overLimit(b.limitNanos, spentNanos, reservedNanos, r.nanos)) {
          over.push({ index: i, spentNanos, reservedNanos });
          if (r.hard[i]) hardOver = true;
        }
      });
      if (hardOver) return { reserved: false, over };
      const expiresMs = now + IN_FLIGHT_TTL_MS;
      this.ledger.insert(
        r.budgets.map((b) => ({ ref: r.ref, budgetKey: b.key, timeMs: r.timeMs, nanos: r.nanos, expiresMs })),
      );
      return { reserved: true, over };
    });
  }

  /**
   * Gives back, then takes headroom on this process's leases (rows of `budget_reservations` grown and
   * shrunk in place), in one IMMEDIATE transaction. The calls that ran on a lease leave it as the
   * store writer stores them (their record carries the lease's ref), so `spentNanos` is not used.
   */
  lease(r: LeaseRequest): LeaseResult {
    const now = this.now();
    return this.ledger.atomically(() => {
      this.begin(now);
      const expiresMs = now + LEASE_TTL_MS;
      for (const c of r.changes) {
        if (c.releaseNanos !== 0 || c.needNanos === 0) {
          this.ledger.adjustLease(c.ref, c.budget.key, c.timeMs, -c.releaseNanos, expiresMs);
        }
      }
      const over: LeaseResult['over'] = [];
      const grantedNanos = r.changes.map(() => 0);
      let hardOver = false;
      r.changes.forEach((c, i) => {
        if (c.needNanos <= 0) return;
        const b = c.budget;
        const { spentNanos, reservedNanos } = this.current(this.account(b, c.timeMs), now);
        if (overLimit(b.limitNanos, spentNanos, reservedNanos, c.needNanos)) {
          over.push({ index: i, spentNanos, reservedNanos });
          if (c.hard) hardOver = true;
          grantedNanos[i] = c.needNanos;
        } else {
          grantedNanos[i] = leaseGrant(c.needNanos, b.limitNanos - spentNanos - reservedNanos, r.share);
        }
      });
      if (hardOver) return { granted: false, grantedNanos: grantedNanos.map(() => 0), over };
      r.changes.forEach((c, i) => {
        const g = grantedNanos[i]!;
        if (g > 0) this.ledger.adjustLease(c.ref, c.budget.key, c.timeMs, g, expiresMs);
      });
      return { granted: true, grantedNanos, over };
    });
  }

  settle(r: ReserveRequest, actualNanos: Nanos): void {
    try {
      this.ledger.settle(r.ref, actualNanos, this.now() + SETTLED_TTL_MS);
    } catch (e) {
      if (this.unsettled.length < 10_000) this.unsettled.push({ ref: r.ref, nanos: actualNanos });
      throw e;
    }
  }

  spend(b: BudgetDefinition, nowMs: number): { spentNanos: Nanos; reservedNanos: Nanos } {
    return this.ledger.atomically(() => {
      this.catchUp();
      return this.current(this.account(b, nowMs), nowMs);
    });
  }

  /** Spent (stored, and ended but not stored yet) and reserved by calls in flight. */
  private current(a: Account, now: number): { spentNanos: Nanos; reservedNanos: Nanos } {
    const r = this.ledger.reservations(a.budget.key, a.window.startMs, Number.MAX_SAFE_INTEGER, now);
    return { spentNanos: a.spent + r.settledNanos, reservedNanos: r.inFlightNanos };
  }

  close(): void {
    this.accounts.clear();
    this.store.close();
  }

  private retrySettlements(now: number): void {
    if (this.unsettled.length === 0) return;
    const pending = this.unsettled;
    this.unsettled = [];
    for (const s of pending) this.ledger.settle(s.ref, s.nanos, now + SETTLED_TTL_MS);
  }

  /** Adds the calls stored since the last check to the accounts they count for. */
  private catchUp(): void {
    if (this.lastId < 0) {
      this.lastId = this.ledger.lastCallId();
      return;
    }
    for (;;) {
      const calls = this.ledger.callsAfter(this.lastId);
      if (calls.length === 0) return;
      for (const c of calls) this.count(c);
      this.lastId = calls[calls.length - 1]!.id;
    }
  }

  private count(c: LedgerCall): void {
    if (c.costNanos === 0) return;
    for (const a of this.accounts.values()) {
      const w = a.window;
      // A rolling window takes calls of later buckets too (they are in it until it moves on).
      const inWindow =
        c.startTimeMs >= w.startMs && (c.startTimeMs < w.endMs || a.budget.period.startsWith('rolling:'));
      if (inWindow && callInScope(a.budget, c)) a.spent += c.costNanos;
    }
  }

  /** The budget's account for the window holding `timeMs`, summed from the store when new. */
  private account(b: BudgetDefinition, timeMs: number): Account {
    const window = this.windows.at(b, timeMs);
    let a = this.accounts.get(b.key);
    if (a !== undefined && a.window === window) {
      a.budget = b;
      return a;
    }
    // A new budget or window: sum it from the store (the calls up to lastId: we are caught up).
    const rolling = b.period.startsWith('rolling:');
    const until = rolling ? {} : { until: window.endMs };
    const spent = this.store.summary({ ...spendScope(b), since: window.startMs, ...until }).totals.costNanos;
    a = { budget: b, window, spent };
    this.accounts.set(b.key, a);
    return a;
  }
}
