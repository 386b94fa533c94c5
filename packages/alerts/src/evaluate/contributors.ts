// The top 3 models, features, users and tenants of an alert's window and scope.
import type { CallFilter, CostStore, Totals } from '@tokenmeter/store';
import type { Contributor, ContributorDimension, Finding } from '../types.js';

export type Measure = 'cost' | 'calls' | 'inputTokens';

const VALUE: Record<Measure, (t: Totals) => number> = {
  cost: (t) => t.costNanos,
  calls: (t) => t.calls,
  inputTokens: (t) => t.inputTokens,
};

/** The unit of contributor values for a measure. */
export const MEASURE_UNIT = { cost: 'nanos', calls: 'requests', inputTokens: 'tokens' } as const;

export const ALL_DIMENSIONS: readonly ContributorDimension[] = ['model', 'feature', 'user', 'tenant'];

/**
 * Top 3 of each dimension by `measure` among the calls matching `filter` (dimensions the filter
 * already fixes are left out: a feature's alert does not list that one feature).
 */
export function topContributors(
  store: CostStore,
  filter: CallFilter,
  measure: Measure,
  dimensions: readonly ContributorDimension[] = ALL_DIMENSIONS,
): Pick<Finding, 'contributors' | 'contributorUnit'> {
  const value = VALUE[measure];
  const out: Partial<Record<ContributorDimension, Contributor[]>> = {};
  for (const dim of dimensions) {
    if (filter[dim] !== undefined) continue;
    // summary() keeps the most expensive groups; other measures need every group to rank them.
    const s = store.summary({ ...filter, groupBy: dim, ...(measure === 'cost' ? { limit: 3 } : {}) });
    const total = value(s.totals);
    const top = s.groups
      .map((g) => ({ key: g.key, value: value(g) }))
      .filter((g) => g.value > 0)
      .sort((a, b) => b.value - a.value)
      .slice(0, 3)
      .map((g) => ({ ...g, share: total > 0 ? g.value / total : 0 }));
    if (top.length > 0) out[dim] = top;
  }
  return { contributors: out, contributorUnit: MEASURE_UNIT[measure] };
}
