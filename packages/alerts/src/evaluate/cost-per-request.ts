// Cost per request of each feature, the recent window against the trailing 7 days: a prompt that
// grew, a larger model, longer outputs. Calls without a feature are not evaluated (no scope to name).
import { formatUsd } from '@tokenmeter/store';
import type { Finding } from '../types.js';
import { dashboardPath, type EvalContext, gradeHigh, times, windowText } from './context.js';
import { topContributors } from './contributors.js';
import { pricedCalls, trailing } from './trailing.js';

export function evaluateCostPerRequest(ctx: EvalContext): Finding[] {
  const o = ctx.options.costPerRequest;
  const t = trailing(ctx, o, 'feature');
  const out: Finding[] = [];
  for (const [feature, cur] of t.current.groups) {
    if (feature === null) continue;
    const base = t.baseline.groups.get(feature);
    const n = pricedCalls(cur);
    const bn = base ? pricedCalls(base) : 0;
    if (!base || n < o.minCalls || bn < o.minBaselineCalls || base.costNanos <= 0) continue;
    const cpr = cur.costNanos / n;
    const bcpr = base.costNanos / bn;
    const ratio = cpr / bcpr;
    const grade = gradeHigh(ratio, o);
    if (!grade) continue;
    out.push({
      key: `cost_per_request:feature=${feature}`,
      kind: 'cost_per_request',
      ...grade,
      title: `Cost per request of feature "${feature}": ${formatUsd(Math.round(cpr))} in ${windowText(o.windowMs)}, ${times(ratio)} the ${formatUsd(Math.round(bcpr))} of the ${Math.round(o.baselineMs / 86_400_000)} days before`,
      value: Math.round(cpr),
      baseline: Math.round(bcpr),
      unit: 'nanos_per_request',
      sinceMs: t.since,
      ...topContributors(ctx.store, { since: t.since, until: t.until, feature }, 'cost'),
      runbook: `Compare a recent call of "${feature}" with an older one: more input tokens (a grown prompt or context), a pricier model, or longer outputs.`,
      path: dashboardPath({ view: 'calls', period: 'today', feature }),
      scope: { feature },
    });
  }
  return out;
}
