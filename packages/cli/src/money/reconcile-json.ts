// The JSON of a reconcile run: `tokenmeter reconcile --json` and serve's GET /v1/reconcile.
import { nanosToUsd } from '../format/money.js';
import { formatDate } from '../query/time.js';
import { driftExceeds, type ReconcileRow } from './reconcile.js';
import type { ReconcileRun } from './reconcile-period.js';

/** The JSON of a run (`reconcile --json` and serve's GET /v1/reconcile). */
export function reconcileJson(run: ReconcileRun, failAbove: number | null) {
  const usd = (r: ReconcileRow) => ({
    day: r.dayMs === null ? null : formatDate(r.dayMs, 'UTC'),
    ...r,
    provider: { ...r.provider, costUsd: nanosToUsd(r.provider.costNanos) },
    tokenmeter: { ...r.tokenmeter, costUsd: nanosToUsd(r.tokenmeter.costNanos) },
    driftUsd: nanosToUsd(r.driftNanos),
    neverSawUsd: nanosToUsd(r.neverSawNanos),
  });
  return {
    provider: run.provider,
    baseUrl: run.bill.baseUrl,
    endpoints: run.bill.endpoints,
    since: new Date(run.range.since).toISOString(),
    until: new Date(run.range.until).toISOString(),
    sinceMs: run.range.since,
    untilMs: run.range.until,
    timeZone: 'UTC',
    by: run.result.by,
    failAbovePercent: failAbove,
    driftExceeded: failAbove === null ? null : driftExceeds(run.result.totals, failAbove),
    rows: run.result.rows.map(usd),
    totals: usd(run.result.totals),
  };
}
