// A recent window against the trailing days before it, grouped by one dimension: the shape shared by
// the cost-per-request, model-mix and cache-hit-rate evaluators.
import type { GroupBy, Totals } from '@tokenmeter/store';
import type { EvalContext } from './context.js';

export interface Trailing {
  since: number;
  until: number;
  current: { totals: Totals; groups: Map<string | null, Totals> };
  baseline: { totals: Totals; groups: Map<string | null, Totals> };
}

export function trailing(
  ctx: EvalContext,
  window: { windowMs: number; baselineMs: number },
  groupBy: GroupBy,
): Trailing {
  const until = ctx.now;
  const since = until - window.windowMs;
  const read = (s: number, u: number) => {
    const r = ctx.store.summary({ since: s, until: u, groupBy });
    return { totals: r.totals, groups: new Map(r.groups.map((g) => [g.key, g] as const)) };
  };
  return {
    since,
    until,
    current: read(since, until),
    baseline: read(since - window.baselineMs, since),
  };
}

/** Calls that have a price (unpriced calls add no cost and would dilute a cost per call). */
export function pricedCalls(t: Totals): number {
  return t.calls - t.unpricedCalls;
}
