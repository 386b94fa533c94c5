// Deduplication, cooldown, escalation and resolution: what to change in the alert log, and which
// notices to queue, given the alerts firing and what the evaluators found now. Pure (no I/O).
//
// - A finding with no firing alert of its key opens one (since = the finding's window start).
// - An open alert is notified once; again only when it escalates (a higher level: warning to
//   critical, or a budget's 80 % to 100 %), which is sent at once.
// - Cooldown: a key notified less than `cooldownMs` ago (by this alert or one that resolved since)
//   is not notified again at the same or a lower level; once the cooldown is over, an alert still
//   firing and not yet notified is.
// - An alert whose condition has been absent for `resolveAfterMs` resolves, and the sinks that got
//   its trigger get a resolved notice.
import type { AlertChange, AlertRecord, NewOutboxMessage } from '@tokenmeter/store';
import type { AlertDetail } from './notice.js';
import { makeNotice } from './notice.js';
import { renderFor } from './sinks/index.js';
import type { Finding, NotifyOptions, SinkTarget } from './types.js';

const RANK = { warning: 1, critical: 2 } as const;

export function detailOf(f: Finding): AlertDetail {
  const { key: _k, kind: _t, severity: _s, level: _l, ...detail } = f;
  return detail;
}

/** Alerts to open: findings whose key has no firing alert. Opened without notices (see notify). */
export function planOpens(firing: readonly AlertRecord[], findings: readonly Finding[]): AlertChange[] {
  const open = new Set(firing.map((a) => a.key));
  return findings
    .filter((f) => !open.has(f.key))
    .map((f) => ({
      op: 'open' as const,
      alert: {
        key: f.key,
        kind: f.kind,
        severity: f.severity,
        level: f.level,
        openedMs: f.sinceMs,
        detail: detailOf(f),
        notifiedMs: null,
        notifiedLevel: null,
      },
      messages: [],
    }));
}

export interface NotifyInput {
  /** Every firing alert, including those just opened. */
  firing: readonly AlertRecord[];
  findings: readonly Finding[];
  /** The last trigger notice of each key within the cooldown (from alerts resolved since, too). */
  lastNotified: ReadonlyMap<string, { ms: number; level: number }>;
  /** Sinks that were sent a trigger of an alert (for its resolved notice). */
  triggeredSinks: (alertId: number) => readonly string[];
  sinks: readonly SinkTarget[];
  now: number;
  options: NotifyOptions;
  dashboardUrl: string;
  newId: () => string;
}

export function planNotices(input: NotifyInput): AlertChange[] {
  const byKey = new Map(input.findings.map((f) => [f.key, f] as const));
  const changes: AlertChange[] = [];
  for (const a of input.firing) {
    const f = byKey.get(a.key);
    if (!f) {
      if (input.now - a.updatedMs < input.options.resolveAfterMs) continue;
      const names = new Set(input.triggeredSinks(a.id));
      const messages = input.sinks
        .filter((s) => names.has(s.name))
        .map((s) =>
          message(input, s, 'alert.resolved', { ...a, resolvedMs: input.now }, a.detail as AlertDetail),
        );
      changes.push({ op: 'resolve', id: a.id, resolvedMs: input.now, messages });
      continue;
    }
    const detail = detailOf(f);
    const last =
      a.notifiedLevel !== null
        ? { ms: a.notifiedMs ?? 0, level: a.notifiedLevel }
        : input.lastNotified.get(a.key);
    const notify =
      last === undefined ||
      f.level > last.level ||
      (a.notifiedLevel === null && input.now - last.ms >= input.options.cooldownMs);
    const messages = notify
      ? input.sinks
          .filter((s) => RANK[f.severity] >= RANK[s.minSeverity])
          .map((s) => message(input, s, 'alert.triggered', { ...a, severity: f.severity }, detail))
      : [];
    changes.push({
      op: 'update',
      id: a.id,
      severity: f.severity,
      level: f.level,
      updatedMs: input.now,
      detail,
      ...(notify ? { notified: { ms: input.now, level: f.level } } : {}),
      messages,
    });
  }
  return changes;
}

function message(
  input: NotifyInput,
  sink: SinkTarget,
  type: 'alert.triggered' | 'alert.resolved',
  alert: Parameters<typeof makeNotice>[2],
  detail: AlertDetail,
): NewOutboxMessage {
  const id = input.newId();
  const notice = makeNotice(type, id, alert, detail, input.dashboardUrl, input.now);
  return {
    id,
    sink: sink.name,
    notice: type === 'alert.resolved' ? 'resolve' : 'trigger',
    body: renderFor(sink, notice),
  };
}
