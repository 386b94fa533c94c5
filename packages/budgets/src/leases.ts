// The leases of one process: per budget, headroom taken from the shared ledger (the store or Redis)
// in one step, against which calls are checked and reserved in memory, with no I/O per call.
// - A call fits when every lease of its budgets has its worst case available: taken locally.
// - Otherwise one ledger step claims what the leases hold, asks for the rest, and grants the call's
//   need or a share of the budget's free headroom when that is more (LEASE_SHARE): leases shrink as
//   the limit nears, down to the exact worst case of one call at the edge.
// - A held lease counts as reserved for every other process, so the budgets' promise holds by
//   construction: what a process spends on its lease was taken from the shared headroom first.
// - An ended call gives back what its worst case held above its cost. Its cost leaves the lease
//   for the spend as the store writer stores it (store), or at the next step (Redis).
// - A lease belongs to one bucket of its budget's window (the period, or a rolling window's bucket):
//   a call in another bucket retires it, and what it holds is given back.
// - Idle leases are given back after LEASE_IDLE_MS, all of them at close; leases lapse
//   LEASE_TTL_MS after their process last refreshed them (a process that died).
import { randomBytes } from 'node:crypto';
import { LEASE_REF_PREFIX } from '@tokenmeter/store';
import { LEASE_TTL_MS, type LeaseChange, type LeaseRequest } from './ledger/types.js';
import type { BudgetDefinition, Nanos } from './types.js';
import { WindowCache } from './windows.js';

/** The share of a budget's free headroom one lease step takes (at least the call's need). */
export const LEASE_SHARE = 1 / 16;
/** A lease not used for this long gives its headroom back. */
export const LEASE_IDLE_MS = 5000;
/** How often idle leases are given back and the spend of ended calls sent (Redis). */
export const LEASE_TICK_MS = 1000;

export interface Lease {
  readonly ref: string;
  budget: BudgetDefinition;
  /** An instant in its bucket, and the bucket. */
  readonly timeMs: number;
  readonly bucketStartMs: number;
  readonly bucketEndMs: number;
  /** Headroom held and not reserved by a call of this process. */
  available: Nanos;
  /** Calls in flight on it. */
  inFlight: number;
  /** To give back at the next step (headroom of a retired or idle lease). */
  release: Nanos;
  /** Cost of ended calls to move to the spend at the next step (ledgers without a store writer). */
  spent: Nanos;
  /** Whether it is its budget's lease for new calls (false: retired, kept until its calls end). */
  current: boolean;
  /** Last use (the clock of the book). */
  usedAt: number;
  /** Last ledger step that touched it. */
  sentAt: number;
  /** Ledger steps on it not answered yet (it is kept until they are). */
  steps: number;
}

export class LeaseBook {
  private readonly leases = new Map<string, Lease>();
  private readonly retired = new Set<Lease>();
  private readonly windows = new WindowCache();
  private readonly prefix =
    `${LEASE_REF_PREFIX}${process.pid.toString(36)}-${randomBytes(4).toString('hex')}-`;
  private count = 0;

  constructor(private readonly now: () => number) {}

  /** The current lease of `budget` for a call at `timeMs` (a fresh, empty one when its bucket moved). */
  leaseFor(budget: BudgetDefinition, timeMs: number): Lease {
    const l = this.leases.get(budget.key);
    const now = this.now();
    if (l !== undefined && timeMs >= l.bucketStartMs && timeMs < l.bucketEndMs) {
      // Not refreshed for half its life (an event loop stalled, a machine asleep): it may have lapsed.
      if (now - l.sentAt < LEASE_TTL_MS / 2) {
        l.budget = budget; // the latest definition (its limit may have changed)
        return l;
      }
    }
    if (l !== undefined) this.retire(l);
    const w = this.windows.at(budget, timeMs);
    const fresh: Lease = {
      ref: this.prefix + (this.count++).toString(36),
      budget,
      timeMs,
      bucketStartMs: w.bucketStartMs,
      bucketEndMs: w.bucketEndMs,
      available: 0,
      inFlight: 0,
      release: 0,
      spent: 0,
      current: true,
      usedAt: now,
      sentAt: now,
      steps: 0,
    };
    this.leases.set(budget.key, fresh);
    return fresh;
  }

  /** Takes `nanos` on each lease when all have it; false (nothing taken) when one has not. */
  take(leases: readonly Lease[], nanos: Nanos): boolean {
    // An empty lease asks the ledger even for a call whose worst case is 0: none goes past a spent budget.
    for (const l of leases) if (l.available < nanos || l.available <= 0) return false;
    const now = this.now();
    for (const l of leases) {
      l.available -= nanos;
      l.inFlight++;
      l.usedAt = now;
    }
    return true;
  }

  /**
   * The ledger step for a call that did not fit: per lease, what it gives back and moves, and the
   * call's need beyond what the lease holds (claimed now: `undo` puts everything back when the step
   * fails). Pending steps of other leases (retired, idle) ride along.
   */
  stepFor(
    leases: readonly Lease[],
    nanos: Nanos,
    hard: readonly boolean[],
  ): { request: LeaseRequest; claims: Nanos[]; undo: () => void; done: () => void } {
    const claims = leases.map((l) => Math.min(Math.max(l.available, 0), nanos));
    const changes = leases.map((l, i) =>
      this.change(l, Math.max(nanos - claims[i]!, l.available > 0 ? 0 : 1), hard[i]!),
    );
    leases.forEach((l, i) => {
      l.available -= claims[i]!;
    });
    const mine = new Set(leases);
    const extra = this.pending().filter((l) => !mine.has(l));
    changes.push(...extra.map((l) => this.change(l, 0, false)));
    const undo = () => {
      leases.forEach((l, i) => {
        l.available += claims[i]!;
      });
      this.restore(changes);
    };
    return { request: { changes, share: LEASE_SHARE }, claims, undo, done: () => this.done(changes) };
  }

  /** After a granted step: the call holds `nanos` on each lease; what was granted above it stays. */
  granted(leases: readonly Lease[], nanos: Nanos, claims: readonly Nanos[], grants: readonly Nanos[]): void {
    const now = this.now();
    leases.forEach((l, i) => {
      l.available += claims[i]! + grants[i]! - nanos;
      l.inFlight++;
      l.usedAt = now;
    });
  }

  /** After a refused step: the claims go back to their leases. */
  refused(leases: readonly Lease[], claims: readonly Nanos[]): void {
    leases.forEach((l, i) => {
      l.available += claims[i]!;
    });
  }

  /** A call that ran on `leases` ended having cost `actual` (its worst case was `nanos`). */
  ended(leases: readonly Lease[], nanos: Nanos, actual: Nanos, moveSpend: boolean): void {
    for (const l of leases) {
      l.inFlight--;
      if (l.current) l.available += nanos - actual;
      else l.release += nanos - actual;
      if (moveSpend) l.spent += actual;
    }
  }

  /**
   * The maintenance step (the tick, and close with `all`): idle leases (all of them with `all`) give
   * their headroom back; what is pending is sent, and leases holding something are refreshed before
   * they lapse. Undefined: nothing to send.
   */
  maintenance(all: boolean): { request: LeaseRequest; undo: () => void; done: () => void } | undefined {
    const now = this.now();
    for (const l of this.leases.values()) {
      if (l.available > 0 && (all || now - l.usedAt >= LEASE_IDLE_MS)) {
        l.release += l.available;
        l.available = 0;
      }
    }
    const due = [...this.leases.values(), ...this.retired].filter(
      (l) =>
        l.release !== 0 ||
        l.spent !== 0 ||
        ((l.inFlight > 0 || l.available > 0) && now - l.sentAt >= LEASE_TTL_MS / 4),
    );
    this.forget();
    if (due.length === 0) return undefined;
    const changes = due.map((l) => this.change(l, 0, false));
    return {
      request: { changes, share: LEASE_SHARE },
      undo: () => this.restore(changes),
      done: () => this.done(changes),
    };
  }

  /** Whether any lease holds or owes something (the tick keeps running). */
  get busy(): boolean {
    return this.leases.size > 0 || this.retired.size > 0;
  }

  private change(l: Lease, need: Nanos, hard: boolean): LeaseChange & { lease: Lease } {
    const c = {
      lease: l,
      budget: l.budget,
      ref: l.ref,
      timeMs: l.timeMs,
      releaseNanos: l.release,
      spentNanos: l.spent,
      needNanos: need,
      hard,
    };
    l.release = 0;
    l.spent = 0;
    l.sentAt = this.now();
    l.steps++;
    return c;
  }

  /** A step was answered (or failed): its leases may be dropped again once they hold nothing. */
  private done(changes: readonly LeaseChange[]): void {
    for (const c of changes as readonly (LeaseChange & { lease: Lease })[]) c.lease.steps--;
  }

  private restore(changes: readonly LeaseChange[]): void {
    for (const c of changes as readonly (LeaseChange & { lease: Lease })[]) {
      c.lease.release += c.releaseNanos;
      c.lease.spent += c.spentNanos;
    }
  }

  private pending(): Lease[] {
    const out: Lease[] = [];
    for (const l of this.retired) if (l.release !== 0 || l.spent !== 0) out.push(l);
    return out;
  }

  private retire(l: Lease): void {
    l.current = false;
    l.release += l.available;
    l.available = 0;
    this.retired.add(l);
  }

  /** Drops the leases that hold and owe nothing. */
  private forget(): void {
    const idle = (l: Lease) => l.inFlight === 0 && l.steps === 0 && l.release === 0 && l.spent === 0;
    for (const l of this.retired) if (idle(l)) this.retired.delete(l);
    for (const [key, l] of this.leases) if (idle(l) && l.available <= 0) this.leases.delete(key);
  }
}
