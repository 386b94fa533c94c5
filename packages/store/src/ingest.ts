// Writes batches of calls: raw rows and rollups in one IMMEDIATE transaction.
import { LEASE_REF_PREFIX } from './budget-ledger.js';
import type { StringDict } from './dict.js';
import type { Database, Statement, Transaction } from './driver/index.js';
import { RollupWriter } from './rollups.js';
import { appendRow, INSERT_COLUMNS, newFact } from './rows.js';
import { HOUR_MS } from './time.js';
import type { CallInput } from './types.js';

/**
 * Rows per INSERT statement, largest first: a batch goes in statements of 32 rows, its remainder
 * in at most one statement of each smaller width (a batch of 250: 7 × 32 + 16 + 8 + 2, not
 * 7 × 32 + 26 statements of one row each).
 */
const STATEMENT_ROWS = [32, 16, 8, 4, 2, 1] as const;
const ROWS_PER_STATEMENT = STATEMENT_ROWS[0];

export class Ingestor {
  /** The INSERT of `STATEMENT_ROWS[i]` rows. */
  private readonly inserts: Statement[];
  private readonly rollups: RollupWriter;
  private readonly dropReservation: Statement<[string]>;
  private readonly spendLease: Statement<[number, string]>;
  private readonly tx: Transaction<
    (records: readonly CallInput[], service: string | undefined, also?: () => void) => number
  >;

  constructor(
    db: Database,
    private readonly dict: StringDict,
    /** Clock deciding which hours are finished (compacted); injectable for tests and benches. */
    private readonly now: () => number = Date.now,
  ) {
    const row = `(${INSERT_COLUMNS.map(() => '?').join(', ')})`;
    const head = `INSERT INTO calls (${INSERT_COLUMNS.join(', ')}) VALUES `;
    this.inserts = STATEMENT_ROWS.map((rows) =>
      db.prepare(head + Array.from({ length: rows }, () => row).join(', ')),
    );
    this.rollups = new RollupWriter(db);
    // A stored call's cost is now spent: its budget reservation goes in the same transaction.
    this.dropReservation = db.prepare('DELETE FROM budget_reservations WHERE ref = ?');
    // A call that ran on a process's lease: its cost moves from the lease to the calls.
    this.spendLease = db.prepare('UPDATE budget_reservations SET nanos = nanos - ? WHERE ref = ?');
    this.tx = db.transaction(
      (records: readonly CallInput[], service: string | undefined, also?: () => void) => {
        this.rollups.begin();
        const buf: unknown[] = [];
        const fact = newFact();
        let n = 0;
        for (const r of records) {
          appendRow(r, this.dict, service, buf, fact);
          this.rollups.add(fact, 1);
          if (r.budgetRef !== undefined) this.endReservations(r.budgetRef, r.cost?.totalNanos ?? 0);
          n++;
          if (n % ROWS_PER_STATEMENT === 0) {
            this.inserts[0]!.run(buf);
            buf.length = 0;
          }
        }
        const width = INSERT_COLUMNS.length;
        let at = 0;
        for (let i = 1; i < STATEMENT_ROWS.length; i++) {
          const size = STATEMENT_ROWS[i]! * width;
          if (buf.length - at < size) continue;
          this.inserts[i]!.run(at === 0 && size === buf.length ? buf : buf.slice(at, at + size));
          at += size;
        }
        this.rollups.apply();
        // Hours that ended more than an hour ago move into the day/all rollups.
        this.rollups.compact(this.now() - HOUR_MS);
        also?.();
        return n;
      },
    );
  }

  /**
   * Inserts `records` in one transaction (waits for the write lock up to the busy timeout); `also`
   * runs inside the same transaction (to record what was imported with the rows themselves).
   */
  /** The call is stored: its reservations end (a lease's shrinks by the call's cost). */
  private endReservations(budgetRef: string, costNanos: number): void {
    for (const ref of budgetRef.split(' ')) {
      if (ref === '') continue;
      if (ref.startsWith(LEASE_REF_PREFIX)) this.spendLease.run(costNanos, ref);
      else this.dropReservation.run(ref);
    }
  }

  insert(records: readonly CallInput[], service?: string, also?: () => void): number {
    if (records.length === 0 && !also) return 0;
    try {
      const n = this.tx.immediate(records, service, also);
      this.dict.commit();
      return n;
    } catch (err) {
      this.dict.rollback();
      this.rollups.discard();
      throw err;
    }
  }
}
