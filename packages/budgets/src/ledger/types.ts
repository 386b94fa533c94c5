// The contract of a budget ledger: an atomic check-and-reserve across every budget a call counts
// for, and the settlement of the reservation when the call ends. Three implementations: memory (one
// process), the SQLite store (the processes of one host), Redis (a fleet).
import type { BudgetDefinition, Nanos } from '../types.js';

/**
 * How long a reservation of a call in flight holds when its process never settles it (a crash): long
 * enough for a long streamed answer, short enough not to hold a budget for the rest of the day.
 */
export const IN_FLIGHT_TTL_MS = 30 * 60_000;

export interface ReserveRequest {
  /** The call's reference: the same for each of its reservations. */
  ref: string;
  /** When the call starts (epoch ms): the period or window it counts in. */
  timeMs: number;
  /** The call's worst-case cost, held against every budget in `budgets`. */
  nanos: Nanos;
  budgets: readonly BudgetDefinition[];
  /**
   * Per budget (same order): whether going past it stops the call (block, or route-cheap with a
   * route for the model). When one of those would be exceeded, nothing is reserved.
   */
  hard: readonly boolean[];
}

/** A budget the call would take past its limit. */
export interface Overrun {
  /** Index in `ReserveRequest.budgets`. */
  index: number;
  spentNanos: Nanos;
  reservedNanos: Nanos;
}

export interface ReserveResult {
  /** Whether the reservation was written (false when a hard budget would be exceeded). */
  reserved: boolean;
  /** The budgets the call would take past their limit (spent + reserved + this call > limit). */
  over: Overrun[];
}

/**
 * How long a lease lapses after its process last touched it (a process that died): the live
 * process refreshes it every LEASE_TTL_MS / 4 while the lease holds anything.
 */
export const LEASE_TTL_MS = 60_000;

/** One budget in a lease step: what a process gives back and asks for on its lease of that budget. */
export interface LeaseChange {
  budget: BudgetDefinition;
  /** The lease: one per process, budget and bucket of the budget's window. */
  ref: string;
  /** An instant in the lease's bucket (its row's time). */
  timeMs: number;
  /** Headroom given back (its unused part, and what ended calls did not use of their worst case). */
  releaseNanos: Nanos;
  /**
   * The cost of ended calls that ran on the lease, moved from the lease to the spend (Redis; the
   * store's writer does it as it stores each call with the lease's ref, so the store ignores it).
   */
  spentNanos: Nanos;
  /** Headroom the call needs beyond what the lease holds; 0: nothing asked (a flush or a refresh). */
  needNanos: Nanos;
  /** Whether going past this budget stops the call (see ReserveRequest.hard). */
  hard: boolean;
}

export interface LeaseRequest {
  changes: readonly LeaseChange[];
  /**
   * What a grant takes: `needNanos`, or this share of the budget's free headroom when that is more,
   * so leases shrink as the limit nears, down to the exact need of one call at the edge.
   */
  share: number;
}

export interface LeaseResult {
  /** False when a hard budget has not `needNanos` free: nothing granted (releases still applied). */
  granted: boolean;
  /** Per change: the headroom added to its lease (≥ needNanos when granted, else 0). */
  grantedNanos: Nanos[];
  /** The changes whose need would take their budget past its limit (index into `changes`). */
  over: Overrun[];
}

export interface BudgetLedger {
  /** Which ledger this is: `memory`, `store` or `redis`. */
  readonly kind: 'memory' | 'store' | 'redis';
  /** Whether a settled reservation ends only when the call is stored with its ref (the store ledger). */
  readonly storeRef: boolean;
  /** Atomic check-and-reserve. Throws (or rejects) when the ledger cannot be reached. */
  reserve(request: ReserveRequest): ReserveResult | Promise<ReserveResult>;
  /**
   * The call ended: drop its reservation and count `actualNanos` as spent (for the store ledger, the
   * reservation holds the real cost until the call is stored). Throws when the ledger cannot be reached.
   */
  settle(request: ReserveRequest, actualNanos: Nanos): void | Promise<void>;
  /** Spent and reserved of a budget now (for status). */
  spend(
    budget: BudgetDefinition,
    nowMs: number,
  ): { spentNanos: Nanos; reservedNanos: Nanos } | Promise<{ spentNanos: Nanos; reservedNanos: Nanos }>;
  /**
   * Leases (ledgers shared between processes): in one atomic step, gives back and takes headroom
   * on this process's leases. A lease counts as reserved for every other process. Absent: the
   * checker reserves per call (the memory ledger, which is in-process anyway).
   */
  lease?(request: LeaseRequest): LeaseResult | Promise<LeaseResult>;
  close(): void | Promise<void>;
}

/** The headroom a lease step grants on a budget with `free` nanos left: see LeaseRequest.share. */
export function leaseGrant(need: Nanos, free: Nanos, share: number): Nanos {
  return Math.max(need, Math.floor(free * share));
}

/** Whether spent + reserved + nanos goes past the limit (or nothing is left at all). */
export function overLimit(limit: Nanos, spent: Nanos, reserved: Nanos, nanos: Nanos): boolean {
  const current = spent + reserved;
  return current + nanos > limit || current >= limit;
}
