// The SQLite connection the store is written against: the part of better-sqlite3's API it uses.
// better-sqlite3's own objects are this; node:sqlite gets a thin adapter (node-sqlite.ts).

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/**
 * A prepared statement. Parameters are positional; an array argument binds its items (as
 * better-sqlite3 does). `raw()` returns rows as arrays, `pluck()` the first column only.
 */
export interface Statement<Params extends unknown[] = unknown[], Row = unknown> {
  run(...params: Params): RunResult;
  get(...params: Params): Row | undefined;
  all(...params: Params): Row[];
  iterate(...params: Params): IterableIterator<Row>;
  raw(toggle?: boolean): Statement<Params, unknown[]>;
  pluck(toggle?: boolean): Statement<Params, unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: a transaction wraps any function, as better-sqlite3's does
export type TransactionFn = (...args: any[]) => any;

/**
 * A function run in a transaction: BEGIN (DEFERRED, or IMMEDIATE / EXCLUSIVE through the variants),
 * COMMIT, ROLLBACK on a throw; inside another transaction, a savepoint.
 */
export interface Transaction<F extends TransactionFn> {
  (...args: Parameters<F>): ReturnType<F>;
  deferred(...args: Parameters<F>): ReturnType<F>;
  immediate(...args: Parameters<F>): ReturnType<F>;
  exclusive(...args: Parameters<F>): ReturnType<F>;
}

export interface Database {
  prepare<Params extends unknown[] = unknown[], Row = unknown>(sql: string): Statement<Params, Row>;
  exec(sql: string): this;
  /** `PRAGMA <source>`: every row, or with `simple` the first column of the first row. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<F extends TransactionFn>(fn: F): Transaction<F>;
  close(): void;
  readonly open: boolean;
  readonly inTransaction: boolean;
}

export interface OpenConnectionOptions {
  readonly?: boolean;
}
