// The row walk whatif and savings share: each priced usage row added to its group (its feature, or
// its model) and to the totals. The reports add their own figures to the two sums it returns.
import type { UsageRow } from '@tokenmeter/store';
import { addNanos } from './nanos.js';

/** What every money report sums per group: the rows' calls, tokens and recorded cost. */
export interface RowSums {
  calls: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** What these calls cost. */
  actualNanos: number;
}

/** The model a row is priced and grouped as: the one that answered, else the one asked for. */
export function rowModel(r: UsageRow): string | null {
  return r.responseModel ?? r.requestModel;
}

/** A row with tokens and no tier: calls that had no price, in neither column of a report. */
export function unpricedCallsIn(r: UsageRow): number {
  return r.inputTokens + r.outputTokens > 0 ? r.calls : 0;
}

/** Groups of a report, keyed by feature or model, and the totals of every row added. */
export class RowGroups<G extends RowSums> {
  private readonly groups = new Map<string | null, G>();
  readonly totals: G;

  constructor(
    private readonly groupBy: 'feature' | 'model',
    private readonly empty: (key: string | null) => G,
  ) {
    this.totals = empty(null);
  }

  /** Adds `r` to the group of its feature (or `model`) and to the totals; returns both. */
  add(r: UsageRow, model: string | null): [G, G] {
    const key = this.groupBy === 'feature' ? r.feature : model;
    let g = this.groups.get(key);
    if (!g) {
      g = this.empty(key);
      this.groups.set(key, g);
    }
    for (const t of [g, this.totals]) {
      t.calls += r.calls;
      t.inputTokens += r.inputTokens;
      t.cacheReadTokens += r.cacheReadTokens;
      t.cacheWriteTokens += r.cacheWriteTokens;
      t.actualNanos = addNanos(t.actualNanos, r.costNanos, 'the actual cost');
    }
    return [g, this.totals];
  }

  list(): G[] {
    return [...this.groups.values()];
  }
}
