// Spend and request-volume spikes: the last hour against the same hour of the week in the weeks
// before (the median of up to 4). A week counts only when the store has calls within 12 hours of
// that hour (the app was running then); with fewer than 2 such weeks there is no baseline, and no
// alert (cold start). Amounts below a floor never alert, and a smaller baseline counts as the floor,
// so a quiet hour going from 1 to 3 calls is not a "200 % spike".
import { formatUsd } from '@tokenmeter/store';
import { HOUR_MS, WEEK_MS } from '../defaults.js';
import type { Finding } from '../types.js';
import { dashboardPath, type EvalContext, gradeHigh, median, times, windowText } from './context.js';
import { topContributors } from './contributors.js';

export function evaluateSpikes(ctx: EvalContext): Finding[] {
  const o = ctx.options.spike;
  const until = ctx.now;
  const since = until - o.windowMs;
  const weeks: { cost: number; calls: number }[] = [];
  for (let k = 1; k <= o.maxBaselineWeeks; k++) {
    const s = since - k * WEEK_MS;
    const u = until - k * WEEK_MS;
    const around = ctx.store.summary({ since: s - 12 * HOUR_MS, until: u + 12 * HOUR_MS }).totals.calls;
    if (around === 0) continue;
    const t = ctx.store.summary({ since: s, until: u }).totals;
    weeks.push({ cost: t.costNanos, calls: t.calls });
  }
  if (weeks.length < o.minBaselineWeeks) return [];
  const now = ctx.store.summary({ since, until }).totals;
  const out: Finding[] = [];
  const span = windowText(o.windowMs);
  const basis = `the median of the same hour in ${weeks.length} earlier weeks`;

  const spendBase = median(weeks.map((w) => w.cost));
  if (now.costNanos >= o.minSpendNanos) {
    const ratio = now.costNanos / Math.max(spendBase, o.minSpendNanos);
    const grade = gradeHigh(ratio, o);
    if (grade)
      out.push({
        key: 'spend_spike',
        kind: 'spend_spike',
        ...grade,
        title: `Spend spike: ${formatUsd(now.costNanos)} in ${span}, ${times(ratio)} the usual ${formatUsd(Math.round(spendBase))} (${basis})`,
        value: now.costNanos,
        baseline: Math.round(spendBase),
        unit: 'nanos',
        sinceMs: since,
        ...topContributors(ctx.store, { since, until }, 'cost'),
        runbook:
          'Look at the top feature and user: a loop, a retry storm or a new traffic source; set a block budget if it must stop.',
        path: dashboardPath({ view: 'breakdown', period: 'today', groupBy: 'feature' }),
        scope: {},
      });
  }

  const callsBase = median(weeks.map((w) => w.calls));
  if (now.calls >= o.minRequests) {
    const ratio = now.calls / Math.max(callsBase, o.minRequests);
    const grade = gradeHigh(ratio, o);
    if (grade)
      out.push({
        key: 'volume_spike',
        kind: 'volume_spike',
        ...grade,
        title: `Request spike: ${now.calls.toLocaleString('en-US')} calls in ${span}, ${times(ratio)} the usual ${Math.round(callsBase).toLocaleString('en-US')} (${basis})`,
        value: now.calls,
        baseline: Math.round(callsBase),
        unit: 'requests',
        sinceMs: since,
        ...topContributors(ctx.store, { since, until }, 'calls'),
        runbook:
          'Check the top feature and user for a loop or retries (errors in the calls view); expect spend to follow.',
        path: dashboardPath({ view: 'calls', period: 'today' }),
        scope: {},
      });
  }
  return out;
}
