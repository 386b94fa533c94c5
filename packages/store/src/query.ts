// Filters → SQL. Column names and sort orders come only from the fixed maps here; every value from
// the caller is a bound parameter.

import type { StringDict } from './dict.js';
import type { Database, Statement } from './driver/index.js';
import { StoreQueryError } from './errors/store-query-error.js';
import type { Dim } from './rows.js';
import type { CallFilter } from './types.js';

/** Attribution filters and the column each one compares. */
export const EQ_FILTERS = [
  ['provider', 'provider'],
  ['feature', 'feature'],
  ['user', 'user'],
  ['tenant', 'tenant'],
  ['service', 'service'],
] as const satisfies readonly (readonly [keyof CallFilter, Dim])[];

export interface ResolvedFilter {
  /** False when a filter names a value the store has never seen: nothing can match. */
  possible: boolean;
  since: number | null;
  until: number | null;
  /** Dimension equalities (column, dictionary id). */
  eq: { col: Dim; id: number }[];
  /** Dictionary id of the model filter (matches request or response model). */
  model: number | null;
  /** Conditions only the raw table can answer (cost threshold, error/estimated/unpriced flags). */
  rawOnly: { sql: string; params: unknown[] }[];
}

function checkTime(name: string, v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new StoreQueryError(`${name} must be a time in epoch milliseconds, got ${String(v)}`);
  }
  return Math.floor(v);
}

function checkString(name: string, v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new StoreQueryError(`${name} must be a string, got ${typeof v}`);
  return v.length > 0 ? v : null;
}

/** The raw-only condition of a batch filter (pages of calls drive it through the calls_batch index). */
export const BATCH_CONDITION = 'batch_id = ?';

/** Validates a filter and looks its strings up in the dictionary (never writes). */
export function resolveFilter(f: CallFilter, dict: StringDict): ResolvedFilter {
  const since = checkTime('since', f.since);
  const until = checkTime('until', f.until);
  if (since !== null && until !== null && since > until) {
    throw new StoreQueryError(`since (${since}) is after until (${until})`);
  }
  const out: ResolvedFilter = { possible: true, since, until, eq: [], model: null, rawOnly: [] };
  for (const [key, col] of EQ_FILTERS) {
    const v = checkString(key, f[key]);
    if (v === null) continue;
    const id = dict.lookup(v);
    if (id === undefined) out.possible = false;
    else out.eq.push({ col, id });
  }
  const model = checkString('model', f.model);
  if (model !== null) {
    const id = dict.lookup(model);
    if (id === undefined) out.possible = false;
    else out.model = id;
  }
  if (f.minCostNanos !== undefined && f.minCostNanos !== null) {
    if (typeof f.minCostNanos !== 'number' || !Number.isFinite(f.minCostNanos)) {
      throw new StoreQueryError(
        `minCostNanos must be a number of nano-dollars, got ${String(f.minCostNanos)}`,
      );
    }
    out.rawOnly.push({ sql: 'cost_nanos >= ?', params: [Math.ceil(f.minCostNanos)] });
  }
  if (f.errors === true) out.rawOnly.push({ sql: 'error_type IS NOT NULL', params: [] });
  if (f.estimated === true) out.rawOnly.push({ sql: 'estimated = 1', params: [] });
  if (f.unpriced === true) out.rawOnly.push({ sql: 'priced = 0', params: [] });
  const batch = checkString('batch', f.batch);
  if (batch !== null) {
    const id = dict.lookup(batch);
    if (id === undefined) out.possible = false;
    else out.rawOnly.push({ sql: BATCH_CONDITION, params: [id] });
  }
  return out;
}

/** A WHERE clause being built: its conditions (joined by AND) and their parameters, in order. */
export interface Conditions {
  sql: string[];
  params: unknown[];
}

/** Adds the conditions only raw rows can answer (cost threshold, error/estimated/unpriced flags, batch). */
export function addRawOnly(w: Conditions, f: ResolvedFilter): void {
  for (const c of f.rawOnly) {
    w.sql.push(c.sql);
    w.params.push(...c.params);
  }
}

/** Adds `col >= from` and `col < to` (`to` exclusive), each only when given. */
export function addRange(w: Conditions, col: string, from: number | null, to: number | null): void {
  if (from !== null) {
    w.sql.push(`${col} >= ?`);
    w.params.push(from);
  }
  if (to !== null) {
    w.sql.push(`${col} < ?`);
    w.params.push(to);
  }
}

/** WHERE conditions on the dimensions (same column names in `calls` and in the rollups). */
export function dimConditions(f: ResolvedFilter): Conditions {
  const sql: string[] = [];
  const params: unknown[] = [];
  for (const { col, id } of f.eq) {
    sql.push(`${col} = ?`);
    params.push(id);
  }
  if (f.model !== null) {
    sql.push('(request_model = ? OR response_model = ?)');
    params.push(f.model, f.model);
  }
  return { sql, params };
}

/** Prepared statements by SQL text (the texts come from a bounded set of shapes). */
export class StatementCache {
  private readonly map = new Map<string, Statement>();
  constructor(private readonly db: Database) {}
  get(sql: string): Statement {
    let s = this.map.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.map.size > 500) this.map.clear();
      this.map.set(sql, s);
    }
    return s;
  }
}

/** Opaque page cursor: the (start_time, id) of the last row shown. */
export function encodeCursor(startTime: number, id: number): string {
  return `${startTime.toString(36)}.${id.toString(36)}`;
}

export function decodeCursor(cursor: string): { startTime: number; id: number } {
  const m = /^(-?[0-9a-z]{1,14})\.([0-9a-z]{1,14})$/.exec(cursor);
  const startTime = m ? Number.parseInt(m[1]!, 36) : Number.NaN;
  const id = m ? Number.parseInt(m[2]!, 36) : Number.NaN;
  if (!Number.isSafeInteger(startTime) || !Number.isSafeInteger(id)) {
    throw new StoreQueryError('invalid cursor: pass back the nextCursor of a previous page unchanged');
  }
  return { startTime, id };
}
