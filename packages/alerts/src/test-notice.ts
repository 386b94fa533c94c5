// `tokenmeter alerts test`: one notice of type alert.test sent straight to a sink (not through the
// outbox: the point is to see the answer now). PagerDuty gets a trigger and then its resolve, so the
// test leaves no incident open.
import { randomUUID } from 'node:crypto';
import { DELIVERY_DEFAULTS } from './defaults.js';
import { type SendOutcome, sendNotice } from './delivery/send.js';
import { makeNotice } from './notice.js';
import { renderFor } from './sinks/index.js';
import type { SinkTarget } from './types.js';

export function testNotice(dashboardUrl: string, nowMs: number, id: string = randomUUID()) {
  return makeNotice(
    'alert.test',
    id,
    { id: 0, key: 'test', kind: 'test', severity: 'warning', openedMs: nowMs },
    {
      title: 'Test from tokenmeter: alerts reach this sink',
      value: 0,
      baseline: null,
      unit: 'requests',
      sinceMs: nowMs,
      contributors: {},
      contributorUnit: 'requests',
      runbook: 'Nothing to do: this is a test (`tokenmeter alerts test`).',
      path: '/?view=alerts',
      scope: {},
    },
    dashboardUrl,
    nowMs,
  );
}

/** Sends a test notice to `sink`; resolves with the outcome (and how long the receiver took). */
export async function sendTestNotice(
  sink: SinkTarget,
  options: { dashboardUrl: string; timeoutMs?: number; now?: number } = { dashboardUrl: '' },
): Promise<SendOutcome & { ms: number }> {
  const now = options.now ?? Date.now();
  const notice = testNotice(options.dashboardUrl, now);
  const timeout = options.timeoutMs ?? DELIVERY_DEFAULTS.timeoutMs;
  const started = performance.now();
  const outcome = await sendNotice(sink, notice.id, renderFor(sink, notice), timeout, now);
  if (outcome.ok && sink.kind === 'pagerduty') {
    const resolve = { ...notice, id: randomUUID(), type: 'alert.resolved' as const };
    const closed = await sendNotice(sink, resolve.id, renderFor(sink, resolve), timeout, now);
    if (!closed.ok) return { ...closed, ms: performance.now() - started };
  }
  return { ...outcome, ms: performance.now() - started };
}
