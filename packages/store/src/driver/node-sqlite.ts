// The store's connection (driver/types.ts) on Node's built-in node:sqlite: no native build to
// install. What it adds to DatabaseSync: better-sqlite3's array binding, raw/pluck rows, pragma()
// and transaction functions (BEGIN / COMMIT / ROLLBACK, savepoints when nested).
import type { Database, RunResult, Statement, Transaction, TransactionFn } from './types.js';

/** The parts of node:sqlite used here (Node 20's @types/node has none). */
export interface NativeStatement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** Node 24 (and some 22 releases); without it raw rows are read off the row objects. */
  setReturnArrays?(enabled: boolean): void;
}

export interface NativeDatabase {
  prepare(sql: string): NativeStatement;
  exec(sql: string): void;
  close(): void;
}

export interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean }) => NativeDatabase;
}

/** better-sqlite3 binds the items of an array argument as positional parameters. */
function positional(params: unknown[]): unknown[] {
  if (params.length === 1 && Array.isArray(params[0])) return params[0];
  return params.some(Array.isArray) ? params.flat() : params;
}

type Shape = 'object' | 'raw' | 'pluck';

class NodeSqliteStatement implements Statement {
  private shape: Shape = 'object';
  /** Whether node:sqlite itself returns arrays (setReturnArrays), else rows are converted here. */
  private arrays = false;

  constructor(private readonly native: NativeStatement) {}

  private setShape(shape: Shape): this {
    this.shape = shape;
    const arrays = shape !== 'object' && typeof this.native.setReturnArrays === 'function';
    if (arrays !== this.arrays) {
      this.native.setReturnArrays?.(arrays);
      this.arrays = arrays;
    }
    return this;
  }

  raw(toggle = true): Statement<unknown[], unknown[]> {
    return this.setShape(toggle ? 'raw' : 'object') as Statement<unknown[], unknown[]>;
  }

  pluck(toggle = true): Statement<unknown[], unknown> {
    return this.setShape(toggle ? 'pluck' : 'object');
  }

  private row(r: unknown): unknown {
    if (r === undefined || this.nativeShape) return r;
    const values = this.arrays ? (r as unknown[]) : Object.values(r as object);
    return this.shape === 'pluck' ? values[0] : values;
  }

  run(...params: unknown[]): RunResult {
    return this.native.run(...positional(params));
  }

  get(...params: unknown[]): unknown {
    return this.row(this.native.get(...positional(params)));
  }

  /** Whether node:sqlite's rows are already in the shape asked for (no per-row conversion). */
  private get nativeShape(): boolean {
    return this.shape === 'object' || (this.shape === 'raw' && this.arrays);
  }

  all(...params: unknown[]): unknown[] {
    const rows = this.native.all(...positional(params));
    return this.nativeShape ? rows : rows.map((r) => this.row(r));
  }

  iterate(...params: unknown[]): IterableIterator<unknown> {
    const rows = this.native.iterate(...positional(params));
    return this.nativeShape ? rows : this.converted(rows);
  }

  private *converted(rows: IterableIterator<unknown>): IterableIterator<unknown> {
    for (const r of rows) yield this.row(r);
  }
}

class NodeSqliteDatabase implements Database {
  private isOpen = true;
  /** Transactions and savepoints open through transaction(). */
  private depth = 0;
  private readonly control = new Map<string, NativeStatement>();

  constructor(private readonly native: NativeDatabase) {}

  get open(): boolean {
    return this.isOpen;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare<Params extends unknown[] = unknown[], Row = unknown>(sql: string): Statement<Params, Row> {
    return new NodeSqliteStatement(this.native.prepare(sql)) as unknown as Statement<Params, Row>;
  }

  exec(sql: string): this {
    this.native.exec(sql);
    return this;
  }

  pragma(source: string, options?: { simple?: boolean }): unknown {
    const statement = this.native.prepare(`PRAGMA ${source}`);
    if (!options?.simple) return statement.all();
    const row = statement.get();
    return row === undefined ? undefined : Object.values(row as object)[0];
  }

  /** BEGIN, COMMIT, ROLLBACK and savepoints, prepared once. */
  private run(sql: string): void {
    let statement = this.control.get(sql);
    if (!statement) {
      statement = this.native.prepare(sql);
      this.control.set(sql, statement);
    }
    statement.run();
  }

  transaction<F extends TransactionFn>(fn: F): Transaction<F> {
    const variant =
      (begin: string) =>
      (...args: Parameters<F>): ReturnType<F> => {
        const nested = this.depth > 0;
        const savepoint = `tm_savepoint_${this.depth}`;
        this.run(nested ? `SAVEPOINT ${savepoint}` : begin);
        this.depth++;
        let done = false;
        try {
          const result = fn(...args);
          if (result && typeof (result as { then?: unknown }).then === 'function') {
            throw new TypeError('Transaction function cannot return a promise');
          }
          this.run(nested ? `RELEASE ${savepoint}` : 'COMMIT');
          done = true;
          return result;
        } finally {
          this.depth--;
          if (!done) this.rollback(nested ? savepoint : undefined);
        }
      };
    const tx = variant('BEGIN') as Transaction<F>;
    tx.deferred = variant('BEGIN DEFERRED');
    tx.immediate = variant('BEGIN IMMEDIATE');
    tx.exclusive = variant('BEGIN EXCLUSIVE');
    return tx;
  }

  private rollback(savepoint: string | undefined): void {
    try {
      if (savepoint) {
        this.run(`ROLLBACK TO ${savepoint}`);
        this.run(`RELEASE ${savepoint}`);
      } else this.run('ROLLBACK');
    } catch {
      // SQLite already rolled the transaction back itself (SQLITE_FULL, SQLITE_IOERR, ...): the
      // error that got us here is the one the caller sees.
    }
  }

  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.native.close();
  }
}

export function openNodeSqlite(
  sqlite: NodeSqliteModule,
  path: string,
  options: { readonly?: boolean } = {},
): Database {
  return new NodeSqliteDatabase(new sqlite.DatabaseSync(path, { readOnly: options.readonly === true }));
}
