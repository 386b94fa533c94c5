// Public types of the store's alert tables: the sinks alerts are sent to, the alert log (one row per
// alert from when it fires until it resolves) and the delivery outbox. @tokenmeter/alerts decides
// what to write; the store only keeps it, each change in one transaction.

export type AlertSeverity = 'warning' | 'critical';
export type AlertSinkKind = 'webhook' | 'slack' | 'pagerduty';

/** A place alerts are delivered to, as added by `tokenmeter alerts add`. */
export interface AlertSink {
  id: number;
  kind: AlertSinkKind;
  url: string;
  /** HMAC key of a webhook; the routing (integration) key of PagerDuty; null for Slack. */
  secret: string | null;
  /** Alerts below this severity are not sent to the sink. */
  minSeverity: AlertSeverity;
  createdMs: number;
}

export interface AlertSinkInput {
  kind: AlertSinkKind;
  url: string;
  secret?: string | null;
  /** Default 'warning' (everything). */
  minSeverity?: AlertSeverity;
}

/** An alert in the log: open while its condition holds (`firing`), then `resolved`. */
export interface AlertRecord {
  id: number;
  /** Stable identity of the condition (e.g. `spend_spike`, `budget_threshold:3`): at most one firing per key. */
  key: string;
  /** What kind of condition (`spend_spike`, `budget_threshold`, ...). */
  kind: string;
  severity: AlertSeverity;
  /** Escalation order within the key: a higher level than the last notified one notifies again. */
  level: number;
  state: 'firing' | 'resolved';
  /** When the condition was first seen ("since when"). */
  openedMs: number;
  /** Last evaluation that saw it (or resolved it). */
  updatedMs: number;
  resolvedMs: number | null;
  /** Last time a trigger notice was queued for it, and at which level. */
  notifiedMs: number | null;
  notifiedLevel: number | null;
  /** The evaluator's latest description (JSON: title, value, baseline, contributors, runbook, link). */
  detail: unknown;
}

export interface NewAlert {
  key: string;
  kind: string;
  severity: AlertSeverity;
  level: number;
  openedMs: number;
  detail: unknown;
  notifiedMs: number | null;
  notifiedLevel: number | null;
}

/** A notice waiting in (or done with) the outbox, for one sink. */
export interface OutboxMessage {
  /** Sent to the receiver (the `id` field, or PagerDuty's dedup key): receivers dedupe on it. */
  id: string;
  alertId: number;
  /** Which sink: `store:<id>` for a sink of the store, or the name the caller gave (budgets file, demo). */
  sink: string;
  notice: 'trigger' | 'resolve' | 'test';
  /** The request body, exactly as it is sent (the signature is computed over these bytes). */
  body: string;
  createdMs: number;
  nextAttemptMs: number;
  attempts: number;
  state: 'pending' | 'delivered' | 'failed';
  lastError: string | null;
  /** When it was delivered, or given up. */
  doneMs: number | null;
}

export interface NewOutboxMessage {
  id: string;
  sink: string;
  notice: OutboxMessage['notice'];
  body: string;
}

/**
 * One change to the alert log with the notices it queues, written together: a notice is queued
 * exactly when its alert change is recorded.
 */
export type AlertChange =
  | { op: 'open'; alert: NewAlert; messages: NewOutboxMessage[] }
  | {
      op: 'update';
      id: number;
      severity: AlertSeverity;
      level: number;
      updatedMs: number;
      detail: unknown;
      /** Set when a trigger notice is queued by this change. */
      notified?: { ms: number; level: number };
      messages: NewOutboxMessage[];
    }
  | { op: 'resolve'; id: number; resolvedMs: number; detail?: unknown; messages: NewOutboxMessage[] };

export interface AlertLogQuery {
  /** Alerts opened at or after, or still firing (epoch ms). */
  since?: number;
  /** Default 100, at most 1000. */
  limit?: number;
  state?: 'firing' | 'resolved';
}

/** The store's alert tables. Every write is one transaction. */
export interface AlertStore {
  listSinks(): AlertSink[];
  /** Adds a sink, or updates the secret and minimum severity of the one with the same kind and URL. */
  addSink(input: AlertSinkInput): AlertSink;
  removeSink(id: number): boolean;
  /** Alerts firing now, oldest first. */
  firing(): AlertRecord[];
  /** The alert log, newest first. */
  log(q?: AlertLogQuery): AlertRecord[];
  getAlert(id: number): AlertRecord | undefined;
  /** Applies the changes and queues their messages in one transaction; returns the ids of opened alerts. */
  apply(changes: readonly AlertChange[], nowMs: number): number[];
  /** Pending messages due at `nowMs` (oldest first), at most `limit`. */
  dueMessages(nowMs: number, limit: number): OutboxMessage[];
  /** The earliest next attempt of a pending message, or null when none is pending. */
  nextDueMs(): number | null;
  messages(q?: { alertId?: number; state?: OutboxMessage['state']; limit?: number }): OutboxMessage[];
  markDelivered(id: string, nowMs: number): void;
  /** Records a failed attempt and when to try again. */
  retryLater(id: string, nextAttemptMs: number, error: string): void;
  /** Records the last failed attempt: the message will not be tried again. */
  markFailed(id: string, nowMs: number, error: string): void;
  /**
   * Takes or renews the named lease for `owner` until `nowMs + ttlMs`. False when another owner
   * holds an unexpired one (so one process at a time evaluates and delivers).
   */
  acquireLease(name: string, owner: string, nowMs: number, ttlMs: number): boolean;
  /** Takes the lease from `previous` (a holder known to be gone), whatever its expiry. */
  replaceLease(name: string, owner: string, previous: string, nowMs: number, ttlMs: number): boolean;
  /** Who holds the named lease, until when; null when nobody has ever taken it. */
  leaseHolder(name: string): { owner: string; untilMs: number } | null;
  releaseLease(name: string, owner: string): void;
}
