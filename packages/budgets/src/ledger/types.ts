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
  close(): void | Promise<void>;
}

/** Whether spent + reserved + nanos goes past the limit (or nothing is left at all). */
export function overLimit(limit: Nanos, spent: Nanos, reserved: Nanos, nanos: Nanos): boolean {
  const current = spent + reserved;
  return current + nanos > limit || current >= limit;
}
