// Model mix drift toward expensive models: the recent window's calls priced at each model's cost per
// call in the trailing 7 days, against the trailing cost per call. Per-model prices are held fixed,
// so this moves only when calls shift between models (a cheaper model's traffic going to a dearer one).
import { formatUsd } from '@tokenmeter/store';
import type { Finding } from '../types.js';
import { dashboardPath, type EvalContext, gradeHigh, percent, times, windowText } from './context.js';
import { topContributors } from './contributors.js';
import { pricedCalls, trailing } from './trailing.js';

export function evaluateModelMix(ctx: EvalContext): Finding[] {
  const o = ctx.options.modelMix;
  const t = trailing(ctx, o, 'model');
  const n = pricedCalls(t.current.totals);
  const bn = pricedCalls(t.baseline.totals);
  if (n < o.minCalls || bn < o.minBaselineCalls || t.baseline.totals.costNanos <= 0) return [];
  const baseCpc = t.baseline.totals.costNanos / bn;
  let expected = 0;
  let mover: { model: string | null; from: number; to: number; weight: number } | undefined;
  for (const [model, cur] of t.current.groups) {
    const calls = pricedCalls(cur);
    if (calls <= 0) continue;
    const base = t.baseline.groups.get(model);
    const bcalls = base ? pricedCalls(base) : 0;
    // A model new in the window is priced at its own current cost per call.
    const cpc = base && bcalls > 0 ? base.costNanos / bcalls : cur.costNanos / calls;
    expected += calls * cpc;
    const from = bcalls / bn;
    const to = calls / n;
    const weight = (to - from) * cpc;
    if (!mover || weight > mover.weight) mover = { model, from, to, weight };
  }
  const index = expected / n / baseCpc;
  const grade = gradeHigh(index, o);
  if (!grade) return [];
  const moved =
    mover && mover.to > mover.from
      ? `; ${mover.model ?? '(no model)'} went from ${percent(mover.from)} to ${percent(mover.to)} of calls`
      : '';
  return [
    {
      key: 'model_mix',
      kind: 'model_mix',
      ...grade,
      title: `Model mix drifted toward expensive models: at last week's prices the calls of ${windowText(o.windowMs)} cost ${times(index)} per call (${formatUsd(Math.round(expected / n))} vs ${formatUsd(Math.round(baseCpc))})${moved}`,
      value: Math.round((expected / n) * 1000) / 1000,
      baseline: Math.round(baseCpc * 1000) / 1000,
      unit: 'nanos_per_request',
      sinceMs: t.since,
      ...topContributors(ctx.store, { since: t.since, until: t.until }, 'cost'),
      runbook:
        'Find the feature that moved to the expensive model (a config change, a fallback, a route-cheap budget removed) and whether it was meant.',
      path: dashboardPath({ view: 'breakdown', period: 'today', groupBy: 'model' }),
      scope: mover?.model ? { model: mover.model } : {},
    },
  ];
}
