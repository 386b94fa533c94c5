// The alert tables of a store: sinks, the alert log and the delivery outbox (types in
// alert-types.ts). Every value is a bound parameter; each write is one IMMEDIATE transaction, so
// an alert change and the notices it queues are recorded together or not at all.

import type {
  AlertChange,
  AlertLogQuery,
  AlertRecord,
  AlertSeverity,
  AlertSink,
  AlertSinkInput,
  AlertSinkKind,
  AlertStore,
  NewOutboxMessage,
  OutboxMessage,
} from './alert-types.js';
import type { Database } from './driver/index.js';
import { StoreQueryError } from './errors/store-query-error.js';
import type { StatementCache } from './query.js';

const SINK_KINDS: readonly AlertSinkKind[] = ['webhook', 'slack', 'pagerduty'];
const SEVERITIES: readonly AlertSeverity[] = ['warning', 'critical'];

/** One condition of a WHERE clause (one `?`) and its value. */
type Filter = [condition: string, value: unknown];

interface SinkRow {
  id: number;
  kind: AlertSinkKind;
  url: string;
  secret: string | null;
  min_severity: AlertSeverity;
  created_ms: number;
}

interface AlertRow {
  id: number;
  key: string;
  kind: string;
  severity: AlertSeverity;
  level: number;
  state: 'firing' | 'resolved';
  opened_ms: number;
  updated_ms: number;
  resolved_ms: number | null;
  notified_ms: number | null;
  notified_level: number | null;
  detail: string;
}

interface OutboxRow {
  id: string;
  alert_id: number;
  sink: string;
  notice: OutboxMessage['notice'];
  body: string;
  created_ms: number;
  next_attempt_ms: number;
  attempts: number;
  state: OutboxMessage['state'];
  last_error: string | null;
  done_ms: number | null;
}

function toSink(r: SinkRow): AlertSink {
  return {
    id: r.id,
    kind: r.kind,
    url: r.url,
    secret: r.secret,
    minSeverity: r.min_severity,
    createdMs: r.created_ms,
  };
}

function parseDetail(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function toAlert(r: AlertRow): AlertRecord {
  return {
    id: r.id,
    key: r.key,
    kind: r.kind,
    severity: r.severity,
    level: r.level,
    state: r.state,
    openedMs: r.opened_ms,
    updatedMs: r.updated_ms,
    resolvedMs: r.resolved_ms,
    notifiedMs: r.notified_ms,
    notifiedLevel: r.notified_level,
    detail: parseDetail(r.detail),
  };
}

function toMessage(r: OutboxRow): OutboxMessage {
  return {
    id: r.id,
    alertId: r.alert_id,
    sink: r.sink,
    notice: r.notice,
    body: r.body,
    createdMs: r.created_ms,
    nextAttemptMs: r.next_attempt_ms,
    attempts: r.attempts,
    state: r.state,
    lastError: r.last_error,
    doneMs: r.done_ms,
  };
}

function checkSeverity(name: string, v: unknown): AlertSeverity {
  if (!SEVERITIES.includes(v as AlertSeverity))
    throw new StoreQueryError(`${name} must be one of ${SEVERITIES.join(', ')}; got "${String(v)}"`);
  return v as AlertSeverity;
}

function checkLimit(v: number | undefined, fallback: number, max: number): number {
  const limit = v ?? fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max)
    throw new StoreQueryError(`limit must be an integer from 1 to ${max}, got ${String(v)}`);
  return limit;
}

/** Errors of SQLite and of arguments pass through `fail`, which turns them into store errors. */
export class SqliteAlertStore implements AlertStore {
  constructor(
    private readonly db: Database,
    private readonly stmts: StatementCache,
    private readonly guard: <T>(doing: string, write: boolean, fn: () => T) => T,
  ) {}

  listSinks(): AlertSink[] {
    return this.guard('reading', false, () =>
      (this.stmts.get('SELECT * FROM alert_sinks ORDER BY id').all() as SinkRow[]).map(toSink),
    );
  }

  addSink(input: AlertSinkInput): AlertSink {
    if (!input || !SINK_KINDS.includes(input.kind))
      throw new StoreQueryError(`kind must be one of ${SINK_KINDS.join(', ')}; got "${String(input?.kind)}"`);
    if (typeof input.url !== 'string' || input.url.trim() === '')
      throw new StoreQueryError('url must be a non-empty string');
    if (input.secret !== undefined && input.secret !== null && typeof input.secret !== 'string')
      throw new StoreQueryError('secret must be a string');
    const minSeverity = checkSeverity('minSeverity', input.minSeverity ?? 'warning');
    return this.guard('writing an alert sink to', true, () =>
      toSink(
        this.stmts
          .get(
            'INSERT INTO alert_sinks (kind, url, secret, min_severity, created_ms) VALUES (?, ?, ?, ?, ?) ' +
              'ON CONFLICT (kind, url) DO UPDATE SET secret = excluded.secret, min_severity = excluded.min_severity ' +
              'RETURNING *',
          )
          .get(input.kind, input.url, input.secret || null, minSeverity, Date.now()) as SinkRow,
      ),
    );
  }

  removeSink(id: number): boolean {
    return this.guard(
      'writing to',
      true,
      () => this.stmts.get('DELETE FROM alert_sinks WHERE id = ?').run(id).changes > 0,
    );
  }

  firing(): AlertRecord[] {
    return this.guard('reading', false, () =>
      (
        this.stmts
          .get("SELECT * FROM alerts WHERE state = 'firing' ORDER BY opened_ms, id")
          .all() as AlertRow[]
      ).map(toAlert),
    );
  }

  log(q: AlertLogQuery = {}): AlertRecord[] {
    const limit = checkLimit(q.limit, 100, 1000);
    if (q.state !== undefined && q.state !== 'firing' && q.state !== 'resolved')
      throw new StoreQueryError(`state must be firing or resolved, got "${String(q.state)}"`);
    const filters: Filter[] = [];
    if (q.since !== undefined) {
      if (!Number.isFinite(q.since)) throw new StoreQueryError('since must be a time in epoch milliseconds');
      filters.push(["(opened_ms >= ? OR state = 'firing')", q.since]);
    }
    if (q.state !== undefined) filters.push(['state = ?', q.state]);
    return this.newest<AlertRow, AlertRecord>('alerts', filters, 'opened_ms DESC, id DESC', limit, toAlert);
  }

  getAlert(id: number): AlertRecord | undefined {
    return this.guard('reading', false, () => {
      const r = this.stmts.get('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
      return r ? toAlert(r) : undefined;
    });
  }

  apply(changes: readonly AlertChange[], nowMs: number): number[] {
    return this.guard('writing alerts to', true, () => {
      const opened: number[] = [];
      const queue = (alertId: number, messages: readonly NewOutboxMessage[]) => {
        const insert = this.stmts.get(
          'INSERT INTO alert_outbox (id, alert_id, sink, notice, body, created_ms, next_attempt_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
        );
        for (const m of messages) insert.run(m.id, alertId, m.sink, m.notice, m.body, nowMs, nowMs);
      };
      this.db
        .transaction(() => {
          for (const c of changes) {
            if (c.op === 'open') {
              const a = c.alert;
              const row = this.stmts
                .get(
                  'INSERT INTO alerts (key, kind, severity, level, state, opened_ms, updated_ms, notified_ms, notified_level, detail) ' +
                    "VALUES (?, ?, ?, ?, 'firing', ?, ?, ?, ?, ?) RETURNING id",
                )
                .get(
                  a.key,
                  a.kind,
                  checkSeverity('severity', a.severity),
                  a.level,
                  a.openedMs,
                  nowMs,
                  a.notifiedMs,
                  a.notifiedLevel,
                  JSON.stringify(a.detail ?? null),
                ) as { id: number };
              opened.push(row.id);
              queue(row.id, c.messages);
            } else if (c.op === 'update') {
              this.stmts
                .get(
                  'UPDATE alerts SET severity = ?, level = ?, updated_ms = ?, detail = ?, ' +
                    'notified_ms = coalesce(?, notified_ms), notified_level = coalesce(?, notified_level) ' +
                    "WHERE id = ? AND state = 'firing'",
                )
                .run(
                  checkSeverity('severity', c.severity),
                  c.level,
                  c.updatedMs,
                  JSON.stringify(c.detail ?? null),
                  c.notified?.ms ?? null,
                  c.notified?.level ?? null,
                  c.id,
                );
              queue(c.id, c.messages);
            } else {
              this.stmts
                .get(
                  "UPDATE alerts SET state = 'resolved', resolved_ms = ?, updated_ms = ?, detail = coalesce(?, detail) " +
                    "WHERE id = ? AND state = 'firing'",
                )
                .run(
                  c.resolvedMs,
                  c.resolvedMs,
                  c.detail === undefined ? null : JSON.stringify(c.detail),
                  c.id,
                );
              queue(c.id, c.messages);
            }
          }
        })
        .immediate();
      return opened;
    });
  }

  dueMessages(nowMs: number, limit: number): OutboxMessage[] {
    return this.guard('reading', false, () =>
      (
        this.stmts
          .get(
            "SELECT * FROM alert_outbox INDEXED BY alert_outbox_due WHERE state = 'pending' AND next_attempt_ms <= ? " +
              'ORDER BY next_attempt_ms, created_ms LIMIT ?',
          )
          .all(nowMs, checkLimit(limit, limit, 10_000)) as OutboxRow[]
      ).map(toMessage),
    );
  }

  nextDueMs(): number | null {
    return this.guard(
      'reading',
      false,
      () =>
        (
          this.stmts
            .get("SELECT min(next_attempt_ms) AS t FROM alert_outbox WHERE state = 'pending'")
            .get() as { t: number | null }
        ).t,
    );
  }

  messages(q: { alertId?: number; state?: OutboxMessage['state']; limit?: number } = {}): OutboxMessage[] {
    const limit = checkLimit(q.limit, 100, 10_000);
    const filters: Filter[] = [];
    if (q.alertId !== undefined) filters.push(['alert_id = ?', q.alertId]);
    if (q.state !== undefined) filters.push(['state = ?', q.state]);
    return this.newest<OutboxRow, OutboxMessage>(
      'alert_outbox',
      filters,
      'created_ms DESC, rowid DESC',
      limit,
      toMessage,
    );
  }

  /** The rows of `table` that pass every filter, in `order` (newest first), at most `limit`. */
  private newest<R, T>(
    table: 'alerts' | 'alert_outbox',
    filters: readonly Filter[],
    order: string,
    limit: number,
    toRecord: (row: R) => T,
  ): T[] {
    const where = filters.length ? `WHERE ${filters.map(([condition]) => condition).join(' AND ')}` : '';
    const sql = `SELECT * FROM ${table} ${where} ORDER BY ${order} LIMIT ?`;
    const params = filters.map(([, value]) => value);
    return this.guard('reading', false, () =>
      (this.stmts.get(sql).all(...params, limit) as R[]).map(toRecord),
    );
  }

  markDelivered(id: string, nowMs: number): void {
    this.attempted(id, "state = 'delivered', done_ms = ?, last_error = NULL", nowMs);
  }

  retryLater(id: string, nextAttemptMs: number, error: string): void {
    this.attempted(id, 'next_attempt_ms = ?, last_error = ?', nextAttemptMs, error);
  }

  markFailed(id: string, nowMs: number, error: string): void {
    this.attempted(id, "state = 'failed', done_ms = ?, last_error = ?", nowMs, error);
  }

  /** One delivery attempt of a pending message: counted, with what it changed (`set` and its values). */
  private attempted(id: string, set: string, ...values: unknown[]): void {
    this.guard('writing to', true, () =>
      this.stmts
        .get(`UPDATE alert_outbox SET attempts = attempts + 1, ${set} WHERE id = ? AND state = 'pending'`)
        .run(...values, id),
    );
  }

  acquireLease(name: string, owner: string, nowMs: number, ttlMs: number): boolean {
    return this.guard('writing to', true, () =>
      this.db
        .transaction(
          () =>
            this.stmts
              .get(
                'INSERT INTO leases (name, owner, until_ms) VALUES (?, ?, ?) ' +
                  'ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms ' +
                  'WHERE leases.owner = excluded.owner OR leases.until_ms <= ?',
              )
              .run(name, owner, nowMs + ttlMs, nowMs).changes > 0,
        )
        .immediate(),
    );
  }

  replaceLease(name: string, owner: string, previous: string, nowMs: number, ttlMs: number): boolean {
    return this.guard(
      'writing to',
      true,
      () =>
        this.stmts
          .get('UPDATE leases SET owner = ?, until_ms = ? WHERE name = ? AND owner = ?')
          .run(owner, nowMs + ttlMs, name, previous).changes > 0,
    );
  }

  leaseHolder(name: string): { owner: string; untilMs: number } | null {
    return this.guard('reading', false, () => {
      const r = this.stmts.get('SELECT owner, until_ms FROM leases WHERE name = ?').get(name) as
        | { owner: string; until_ms: number }
        | undefined;
      return r ? { owner: r.owner, untilMs: r.until_ms } : null;
    });
  }

  releaseLease(name: string, owner: string): void {
    this.guard('writing to', true, () =>
      this.stmts.get('DELETE FROM leases WHERE name = ? AND owner = ?').run(name, owner),
    );
  }
}
