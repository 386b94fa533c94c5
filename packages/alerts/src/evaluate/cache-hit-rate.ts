// Prompt-cache hit rate (cache-read share of input tokens) of each feature, below 60 % / 40 % where
// the trailing days were at or above that line: a prompt prefix that started to change per call.
import type { Finding } from '../types.js';
import { dashboardPath, type EvalContext, percent, windowText } from './context.js';
import { topContributors } from './contributors.js';
import { trailing } from './trailing.js';

export function evaluateCacheHitRate(ctx: EvalContext): Finding[] {
  const o = ctx.options.cacheHitRate;
  const t = trailing(ctx, o, 'feature');
  const out: Finding[] = [];
  for (const [feature, cur] of t.current.groups) {
    if (feature === null) continue;
    const base = t.baseline.groups.get(feature);
    if (!base || cur.inputTokens < o.minInputTokens || base.inputTokens < o.minBaselineInputTokens) continue;
    const rate = cur.cacheReadTokens / cur.inputTokens;
    const was = base.cacheReadTokens / base.inputTokens;
    const grade =
      rate < o.critical && was >= o.critical
        ? ({ severity: 'critical', level: 2 } as const)
        : rate < o.warning && was >= o.warning
          ? ({ severity: 'warning', level: 1 } as const)
          : undefined;
    if (!grade) continue;
    out.push({
      key: `cache_hit_rate:feature=${feature}`,
      kind: 'cache_hit_rate',
      ...grade,
      title: `Cache hit rate of feature "${feature}" fell to ${percent(rate)} in ${windowText(o.windowMs)} (was ${percent(was)} over the ${Math.round(o.baselineMs / 86_400_000)} days before)`,
      value: rate,
      baseline: was,
      unit: 'ratio',
      sinceMs: t.since,
      ...topContributors(ctx.store, { since: t.since, until: t.until, feature }, 'inputTokens', [
        'model',
        'user',
        'tenant',
      ]),
      runbook: `Something at the start of "${feature}"'s prompt changes per call now (a timestamp, an id, reordered tools): keep the cached prefix byte-identical.`,
      path: dashboardPath({ view: 'breakdown', period: 'today', groupBy: 'model', feature }),
      scope: { feature },
    });
  }
  return out;
}
