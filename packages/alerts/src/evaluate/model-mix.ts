// Model mix drift toward expensive models, per feature: the recent window's calls priced at each
// model's cost per call in the trailing 7 days, against the trailing cost per call. Per-model prices
// are held fixed, so this moves only when a feature's calls shift between models (its traffic going
// from a cheaper model to a dearer one), not when prompts grow. The 20 features that spent most in
// the window are checked; calls without a feature are not (there is no scope to name).
import { formatUsd, type Totals } from '@tokenmeter/store';
import type { Finding } from '../types.js';
import { dashboardPath, type EvalContext, gradeHigh, percent, times, windowText } from './context.js';
import { topContributors } from './contributors.js';
import { pricedCalls } from './trailing.js';

const MAX_FEATURES = 20;

function byModel(ctx: EvalContext, feature: string, since: number, until: number) {
  const r = ctx.store.summary({ feature, since, until, groupBy: 'model' });
  return { totals: r.totals, groups: new Map<string | null, Totals>(r.groups.map((g) => [g.key, g])) };
}

export function evaluateModelMix(ctx: EvalContext): Finding[] {
  const o = ctx.options.modelMix;
  const until = ctx.now;
  const since = until - o.windowMs;
  const features = ctx.store
    .summary({ since, until, groupBy: 'feature', limit: MAX_FEATURES })
    .groups.filter((g) => g.key !== null && pricedCalls(g) >= o.minCalls)
    .map((g) => g.key as string);
  const out: Finding[] = [];
  for (const feature of features) {
    const cur = byModel(ctx, feature, since, until);
    const base = byModel(ctx, feature, since - o.baselineMs, since);
    const n = pricedCalls(cur.totals);
    const bn = pricedCalls(base.totals);
    if (bn < o.minBaselineCalls || base.totals.costNanos <= 0) continue;
    const baseCpc = base.totals.costNanos / bn;
    let expected = 0;
    let mover: { model: string | null; from: number; to: number; weight: number } | undefined;
    for (const [model, c] of cur.groups) {
      const calls = pricedCalls(c);
      if (calls <= 0) continue;
      const b = base.groups.get(model);
      const bcalls = b ? pricedCalls(b) : 0;
      // A model new in the window is priced at its own current cost per call.
      const cpc = b && bcalls > 0 ? b.costNanos / bcalls : c.costNanos / calls;
      expected += calls * cpc;
      const from = bcalls / bn;
      const to = calls / n;
      const weight = (to - from) * cpc;
      if (!mover || weight > mover.weight) mover = { model, from, to, weight };
    }
    const index = expected / n / baseCpc;
    const grade = gradeHigh(index, o);
    if (!grade) continue;
    const moved =
      mover && mover.to > mover.from
        ? `: ${mover.model ?? '(no model)'} went from ${percent(mover.from)} to ${percent(mover.to)} of its calls`
        : '';
    out.push({
      key: `model_mix:feature=${feature}`,
      kind: 'model_mix',
      ...grade,
      title: `Model mix of feature "${feature}" drifted toward expensive models${moved}; at last week's prices a call costs ${times(index)} (${formatUsd(Math.round(expected / n))} vs ${formatUsd(Math.round(baseCpc))}) over ${windowText(o.windowMs)}`,
      value: Math.round(expected / n),
      baseline: Math.round(baseCpc),
      unit: 'nanos_per_request',
      sinceMs: since,
      ...topContributors(ctx.store, { since, until, feature }, 'cost'),
      runbook: `Check why "${feature}" moved to the expensive model (a config change, a fallback, a route-cheap budget removed) and whether it was meant.`,
      path: dashboardPath({ view: 'breakdown', period: 'today', groupBy: 'model', feature }),
      scope: { feature, ...(mover?.model ? { model: mover.model } : {}) },
    });
  }
  return out;
}
