// Delivers the outbox's due notices: each is posted to its sink; on success it is marked delivered,
// on a retryable failure it is tried again later (backoff, Retry-After), and once the give-up time
// since it was queued has passed, or on a failure that retrying cannot fix, it is marked failed and
// the log says so. A notice is only ever marked once, so it is delivered at most once per attempt
// that succeeds; receivers dedupe the rare resend after a crash mid-request on its `id`.
import type { AlertStore, OutboxMessage } from '@tokenmeter/store';
import type { DeliveryOptions, SinkTarget } from '../types.js';
import { backoffDelay } from './backoff.js';
import { type SendOutcome, sendNotice } from './send.js';

export interface DeliveryEvent {
  type: 'delivered' | 'retry' | 'failed';
  message: OutboxMessage;
  sink: SinkTarget | undefined;
  error?: string;
  nextAttemptMs?: number;
}

export interface DeliveryContext {
  alerts: AlertStore;
  sinks: ReadonlyMap<string, SinkTarget>;
  options: DeliveryOptions;
  now: () => number;
  random?: () => number;
  onEvent?: (e: DeliveryEvent) => void;
  /** Ids being sent by this process (a slow receiver is not sent the same notice twice at once). */
  inFlight: Set<string>;
}

function duration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

async function deliverOne(ctx: DeliveryContext, m: OutboxMessage): Promise<void> {
  const sink = ctx.sinks.get(m.sink);
  if (!sink) {
    const error = `the sink ${m.sink} is no longer configured`;
    ctx.alerts.markFailed(m.id, ctx.now(), error);
    ctx.onEvent?.({ type: 'failed', message: m, sink, error });
    return;
  }
  const outcome: SendOutcome = await sendNotice(sink, m.id, m.body, ctx.options.timeoutMs, ctx.now());
  const now = ctx.now();
  if (outcome.ok) {
    ctx.alerts.markDelivered(m.id, now);
    ctx.onEvent?.({ type: 'delivered', message: m, sink });
    return;
  }
  const attempts = m.attempts + 1;
  const giveUpAt = m.createdMs + ctx.options.giveUpAfterMs;
  if (outcome.retry) {
    const delay = Math.max(
      backoffDelay(attempts, ctx.options.baseDelayMs, ctx.options.maxDelayMs, ctx.random),
      outcome.retryAfterMs ?? 0,
    );
    const next = now + delay;
    if (next <= giveUpAt) {
      ctx.alerts.retryLater(m.id, next, outcome.error);
      ctx.onEvent?.({ type: 'retry', message: m, sink, error: outcome.error, nextAttemptMs: next });
      return;
    }
  }
  const error = outcome.retry
    ? `gave up after ${attempts} attempt${attempts > 1 ? 's' : ''} over ${duration(now - m.createdMs)}: ${outcome.error}`
    : outcome.error;
  ctx.alerts.markFailed(m.id, now, error);
  ctx.onEvent?.({ type: 'failed', message: m, sink, error });
}

/**
 * Sends the due notices (at most `limit`, in parallel); resolves when all are settled, with how many
 * were tried. Rejects with the first store error, once every send has settled.
 */
export async function deliverDue(ctx: DeliveryContext, limit = 20): Promise<number> {
  const due = ctx.alerts
    .dueMessages(ctx.now(), limit + ctx.inFlight.size)
    .filter((m) => !ctx.inFlight.has(m.id));
  const batch = due.slice(0, limit);
  for (const m of batch) ctx.inFlight.add(m.id);
  const settled = await Promise.allSettled(
    batch.map((m) =>
      deliverOne(ctx, m).finally(() => {
        ctx.inFlight.delete(m.id);
      }),
    ),
  );
  // A store failure while recording an outcome: the notice stays pending and is sent again later.
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return batch.length;
}
