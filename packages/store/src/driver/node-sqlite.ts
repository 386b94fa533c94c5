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
  /** Node 22.16+ and 24+; without them rows are node:sqlite's own objects. */
  setReturnArrays?(enabled: boolean): void;
  columns?(): { name: string }[];
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

type RowMaker = (values: unknown[]) => object;

/**
 * A function turning a row's values into an object literal of the statement's columns. node:sqlite's
 * own row objects have a null prototype and are built in V8's dictionary mode: every property read
 * on them is a hash lookup (measured: reading 1,000-row pages of calls took 2.6 times as long as on
 * better-sqlite3). Objects made by one literal share a hidden class, so reads are fast again.
 */
function rowMaker(names: string[]): RowMaker {
  if (names.includes('__proto__')) {
    return (values) => Object.fromEntries(names.map((n, i) => [n, values[i]]));
  }
  const props = names.map((n, i) => `${JSON.stringify(n)}: v[${i}]`).join(', ');
  return new Function('v', `return { ${props} };`) as RowMaker;
}

type Shape = 'object' | 'raw' | 'pluck';

class NodeSqliteStatement implements Statement {
  private shape: Shape = 'object';
  /** node:sqlite returns arrays (setReturnArrays): objects are made here, by `make`. */
  private readonly arrays: boolean;
  private make: RowMaker | undefined;

  constructor(private readonly native: NativeStatement) {
    this.arrays = typeof native.setReturnArrays === 'function' && typeof native.columns === 'function';
    if (this.arrays) native.setReturnArrays?.(true);
  }

  raw(toggle = true): Statement<unknown[], unknown[]> {
    this.shape = toggle ? 'raw' : 'object';
    return this as Statement<unknown[], unknown[]>;
  }

  pluck(toggle = true): Statement<unknown[], unknown> {
    this.shape = toggle ? 'pluck' : 'object';
    return this;
  }

  /** Whether node:sqlite's rows are already in the shape asked for (no per-row conversion). */
  private get nativeShape(): boolean {
    return this.arrays ? this.shape === 'raw' : this.shape === 'object';
  }

  private row(r: unknown): unknown {
    if (r === undefined || this.nativeShape) return r;
    if (this.arrays) {
      if (this.shape === 'pluck') return (r as unknown[])[0];
      this.make ??= rowMaker(this.native.columns?.().map((c) => c.name) ?? []);
      return this.make(r as unknown[]);
    }
    const values = Object.values(r as object);
    return this.shape === 'pluck' ? values[0] : values;
  }

  run(...params: unknown[]): RunResult {
    return this.native.run(...positional(params));
  }

  get(...params: unknown[]): unknown {
    return this.row(this.native.get(...positional(params)));
  }

  all(...params: unknown[]): unknown[] {
    const rows = this.native.all(...positional(params));
    if (this.nativeShape) return rows;
    for (let i = 0; i < rows.length; i++) rows[i] = this.row(rows[i]);
    return rows;
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
