// What `tokenmeter reconcile` and serve's reconciliation endpoint share: the period as whole UTC
// days (the providers' buckets), and one run: the provider's bill read, the store's usage read, both
// compared.
import type { CostStore } from '@tokenmeter/store';
import { ParamError } from '../errors/param-error.js';
import { type ParamSource, parseTimeRange, type TimeRange } from '../query/params.js';
import type { AdminApi } from './admin-http.js';
import { type ProviderBill, type ReconcileProvider, readProviderBill } from './provider-bill.js';
import { type ReconcileBy, type ReconcileResult, reconcile } from './reconcile.js';

const DAY_MS = 86_400_000;
/** The longest period one run reads (the admin APIs keep about this much and page slowly beyond). */
export const MAX_RECONCILE_DAYS = 190;

export interface ReconcileRange extends TimeRange {
  since: number;
  until: number;
}

/**
 * The period of the flags or parameters (this month by default) widened to whole UTC days: the
 * providers bucket by UTC day, so the store is read over the same days. A time zone other than UTC
 * is refused (the days would not line up).
 */
export function reconcileRange(get: ParamSource, now: number): ReconcileRange {
  const tz = get('tz');
  if (tz !== undefined && !/^(utc|etc\/utc|z|gmt)$/i.test(tz.trim()))
    throw new ParamError(
      'tz',
      `"${tz}": provider reports are in UTC days, so reconcile compares UTC days; leave it out or use UTC`,
    );
  const r = parseTimeRange((name) => (name === 'tz' ? 'UTC' : get(name)), now, 'month');
  if (r.since === undefined)
    throw new ParamError(
      'since',
      'reconcile needs a start: give --since (e.g. 2026-11-01 or 30d) or a period (--month)',
    );
  const since = Math.floor(r.since / DAY_MS) * DAY_MS;
  const until = Math.ceil((r.until ?? now) / DAY_MS) * DAY_MS;
  if ((until - since) / DAY_MS > MAX_RECONCILE_DAYS)
    throw new ParamError(
      'since',
      `the period is ${(until - since) / DAY_MS} days; reconcile reads at most ${MAX_RECONCILE_DAYS} at once`,
    );
  return { ...r, since, until, timeZone: 'UTC' };
}

export interface ReconcileRun {
  provider: ReconcileProvider;
  range: ReconcileRange;
  bill: ProviderBill;
  result: ReconcileResult;
}

/** Reads the provider's bill, then the store's usage for the same days, and compares them. */
export async function runReconcile(
  api: AdminApi,
  provider: ReconcileProvider,
  range: ReconcileRange,
  by: ReconcileBy,
  store: Pick<CostStore, 'usage'>,
): Promise<ReconcileRun> {
  const bill = await readProviderBill(api, provider, range.since, range.until);
  const usage = store.usage({ provider, since: range.since, until: range.until });
  return { provider, range, bill, result: reconcile(bill.rows, usage, by) };
}
