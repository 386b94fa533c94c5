// The JSON shape of an alert in the log: `tokenmeter alerts log --json` and GET /v1/alerts.
import type { AlertDetail } from '@tokenmeter/alerts';
import { maskUrl } from '@tokenmeter/alerts';
import type { AlertRecord, AlertSink, AlertStore, OutboxMessage } from '@tokenmeter/store';

export interface DeliveryJson {
  id: string;
  sink: string;
  /** "webhook https://hooks.example.com/…" for a sink of the store; the name otherwise. */
  sinkLabel: string;
  notice: OutboxMessage['notice'];
  state: OutboxMessage['state'];
  attempts: number;
  lastError: string | null;
  createdMs: number;
  doneMs: number | null;
  nextAttemptMs: number | null;
}

export interface AlertJson extends Omit<AlertRecord, 'detail'>, Partial<AlertDetail> {
  opened: string;
  resolved: string | null;
  deliveries: DeliveryJson[];
}

/** "webhook https://hooks.example.com/…" for `store:<id>`; the name for other sinks. */
export function sinkLabel(name: string, sinks: readonly AlertSink[]): string {
  const m = /^store:(\d+)$/.exec(name);
  const s = m ? sinks.find((x) => x.id === Number(m[1])) : undefined;
  return s ? `${s.kind} ${maskUrl(s.url)}` : m ? `${name} (removed)` : name;
}

export function alertToJson(a: AlertRecord, alerts: AlertStore, sinks: readonly AlertSink[]): AlertJson {
  const { detail, ...rest } = a;
  const deliveries = alerts
    .messages({ alertId: a.id, limit: 1000 })
    .reverse()
    .map((m) => ({
      id: m.id,
      sink: m.sink,
      sinkLabel: sinkLabel(m.sink, sinks),
      notice: m.notice,
      state: m.state,
      attempts: m.attempts,
      lastError: m.lastError,
      createdMs: m.createdMs,
      doneMs: m.doneMs,
      nextAttemptMs: m.state === 'pending' ? m.nextAttemptMs : null,
    }));
  return {
    ...rest,
    ...((detail ?? {}) as Partial<AlertDetail>),
    opened: new Date(a.openedMs).toISOString(),
    resolved: a.resolvedMs === null ? null : new Date(a.resolvedMs).toISOString(),
    deliveries,
  };
}

/** "2 delivered, 1 pending (retry 15:04: HTTP 503 ...)", for tables. */
export function deliverySummary(d: readonly DeliveryJson[]): string {
  if (d.length === 0) return 'no sink';
  const count = (s: string) => d.filter((x) => x.state === s).length;
  const parts: string[] = [];
  if (count('delivered')) parts.push(`${count('delivered')} delivered`);
  if (count('pending')) parts.push(`${count('pending')} pending`);
  if (count('failed')) {
    const last = d.filter((x) => x.state === 'failed').at(-1);
    parts.push(`${count('failed')} failed${last?.lastError ? ` (${last.lastError})` : ''}`);
  }
  return parts.join(', ');
}
