// What the demo adds around its live workload: the history before it, a budget or two after it,
// and one evaluation of the alerts delivered to the demo's local webhook.
import { AlertRunner, type RunnerEvent, type SinkTarget } from '@tokenmeter/alerts';
import { type CostStore, periodBounds } from '@tokenmeter/store';

/** Budgets that show the three states of the budgets view: one near its limit, one past it. */
export function setDemoBudgets(store: CostStore, now: number, timeZone: string): void {
  const cents = (nanos: number) => Math.max(10_000_000, Math.ceil(nanos / 10_000_000) * 10_000_000);
  const month = periodBounds('month', now, timeZone);
  const monthSpent = store.summary({ since: month.startMs, until: now }).totals.costNanos;
  store.setBudget({
    name: 'demo-monthly',
    period: 'month',
    timeZone,
    limitNanos: cents(monthSpent / 0.86),
    alertAt: [50, 80, 100],
  });
  const day = periodBounds('day', now, timeZone);
  const globex = store.summary({ since: day.startMs, until: now, tenant: 'globex' }).totals.costNanos;
  store.setBudget({
    name: 'globex-daily',
    period: 'day',
    timeZone,
    tenant: 'globex',
    limitNanos: cents(globex * 0.9),
    alertAt: [80, 100],
  });
}

/** One evaluation of the alerts over the demo store, delivered to `sink`; what happened. */
export async function runDemoAlerts(
  file: string,
  sink: SinkTarget,
  dashboardUrl: string,
  timeZone: string,
): Promise<RunnerEvent[]> {
  const events: RunnerEvent[] = [];
  const runner = new AlertRunner({
    storePath: file,
    sinks: [sink],
    dashboardUrl,
    timeZone,
    onEvent: (e) => events.push(e),
    log: () => {},
  });
  try {
    await runner.evaluateOnce();
  } finally {
    await runner.stop();
  }
  return events;
}
