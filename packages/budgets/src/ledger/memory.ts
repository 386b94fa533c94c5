// The ledger of one process: spend per bucket of each budget (one bucket for a calendar period, 60
// for a rolling window) and the reservations of calls in flight. Only this process's calls count.
import type { BudgetDefinition, Nanos } from '../types.js';
import { WindowCache } from '../windows.js';
import { type BudgetLedger, overLimit, type ReserveRequest, type ReserveResult } from './types.js';

interface Account {
  /** Spend per bucket start. */
  buckets: Map<number, Nanos>;
  reserved: Nanos;
}

export class MemoryLedger implements BudgetLedger {
  readonly kind = 'memory';
  readonly storeRef = false;
  private readonly accounts = new Map<string, Account>();
  private readonly windows = new WindowCache();

  private account(key: string): Account {
    let a = this.accounts.get(key);
    if (a === undefined) {
      a = { buckets: new Map(), reserved: 0 };
      this.accounts.set(key, a);
    }
    return a;
  }

  private spent(b: BudgetDefinition, a: Account, nowMs: number): Nanos {
    const { startMs, endMs } = this.windows.at(b, nowMs);
    let sum = 0;
    for (const [start, nanos] of a.buckets) {
      if (start >= startMs && start < endMs) sum += nanos;
      else if (start < startMs) a.buckets.delete(start); // a bucket out of the window never comes back
    }
    return sum;
  }

  reserve(r: ReserveRequest): ReserveResult {
    const over: ReserveResult['over'] = [];
    let hardOver = false;
    const accounts = r.budgets.map((b) => this.account(b.key));
    r.budgets.forEach((b, i) => {
      const a = accounts[i]!;
      const spent = this.spent(b, a, r.timeMs);
      if (overLimit(b.limitNanos, spent, a.reserved, r.nanos)) {
        over.push({ index: i, spentNanos: spent, reservedNanos: a.reserved });
        if (r.hard[i]) hardOver = true;
      }
    });
    if (hardOver) return { reserved: false, over };
    for (const a of accounts) a.reserved += r.nanos;
    return { reserved: true, over };
  }

  settle(r: ReserveRequest, actualNanos: Nanos): void {
    for (const b of r.budgets) {
      const a = this.account(b.key);
      a.reserved = Math.max(0, a.reserved - r.nanos);
      if (actualNanos > 0) {
        const start = this.windows.bucketStart(b, r.timeMs);
        a.buckets.set(start, (a.buckets.get(start) ?? 0) + actualNanos);
      }
    }
  }

  spend(b: BudgetDefinition, nowMs: number): { spentNanos: Nanos; reservedNanos: Nanos } {
    const a = this.account(b.key);
    return { spentNanos: this.spent(b, a, nowMs), reservedNanos: a.reserved };
  }

  close(): void {
    this.accounts.clear();
  }
}
