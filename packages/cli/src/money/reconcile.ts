// The provider's bill beside the store, per UTC day × model: both costs, the drift, tokens on both
// sides, and the spend tokenmeter never saw. Pure: the bill and the store's usage rows come in.
import type { UsageRow } from '@tokenmeter/store';
import type { BillRow } from './provider-bill.js';

export type ReconcileBy = 'day-model' | 'day' | 'model';

export interface SideTotals {
  costNanos: number;
  /** Input tokens, cache reads and writes included (the GenAI meaning). */
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
}

export interface ReconcileRow {
  /** Start of the UTC day; null in a by-model breakdown and the totals. */
  dayMs: number | null;
  /** The model without its date stamp; null in a by-day breakdown, the totals, or spend not tied to a model. */
  model: string | null;
  provider: SideTotals & { requests: number | null };
  tokenmeter: SideTotals & { calls: number; unpricedCalls: number };
  /** tokenmeter − provider. */
  driftNanos: number;
  /** driftNanos / provider cost × 100; null when the provider reports no cost. */
  driftPercent: number | null;
  /**
   * Provider spend on tokens tokenmeter has no record of (processes without the preload, other keys,
   * the console): the provider's cost × the share of its tokens beyond tokenmeter's; all of it where
   * tokenmeter saw nothing. An estimate from token counts.
   */
  neverSawNanos: number;
}

export interface ReconcileResult {
  by: ReconcileBy;
  rows: ReconcileRow[];
  totals: ReconcileRow;
}

const DATE_STAMP = /-(?:20\d{2}-\d{2}-\d{2}|20\d{6})$/;

/** The name both sides are matched on: lower case, without a trailing date stamp (`gpt-4o-2024-08-06` → `gpt-4o`). */
export function modelKey(name: string): string {
  return name.trim().toLowerCase().replace(DATE_STAMP, '');
}

function emptyRow(dayMs: number | null, model: string | null): ReconcileRow {
  const side = { costNanos: 0, inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0 };
  return {
    dayMs,
    model,
    provider: { ...side, requests: null },
    tokenmeter: { ...side, calls: 0, unpricedCalls: 0 },
    driftNanos: 0,
    driftPercent: null,
    neverSawNanos: 0,
  };
}

function addSide(to: SideTotals, from: SideTotals): void {
  to.costNanos += from.costNanos;
  to.inputTokens += from.inputTokens;
  to.cacheReadTokens += from.cacheReadTokens;
  to.cacheWriteTokens += from.cacheWriteTokens;
  to.outputTokens += from.outputTokens;
}

function neverSaw(r: ReconcileRow): number {
  const p = r.provider.inputTokens + r.provider.outputTokens;
  const t = r.tokenmeter.inputTokens + r.tokenmeter.outputTokens;
  if (r.provider.costNanos <= 0) return 0;
  if (r.tokenmeter.calls === 0) return r.provider.costNanos;
  if (p <= t || p === 0) return 0;
  return Math.round((r.provider.costNanos * (p - t)) / p);
}

function finish(r: ReconcileRow): ReconcileRow {
  r.driftNanos = r.tokenmeter.costNanos - r.provider.costNanos;
  r.driftPercent = r.provider.costNanos > 0 ? (r.driftNanos / r.provider.costNanos) * 100 : null;
  return r;
}

function merge(into: ReconcileRow, r: ReconcileRow): void {
  addSide(into.provider, r.provider);
  if (r.provider.requests !== null)
    into.provider.requests = (into.provider.requests ?? 0) + r.provider.requests;
  addSide(into.tokenmeter, r.tokenmeter);
  into.tokenmeter.calls += r.tokenmeter.calls;
  into.tokenmeter.unpricedCalls += r.tokenmeter.unpricedCalls;
  into.neverSawNanos += r.neverSawNanos;
}

/**
 * Compares at the finest grain (day × model, where "never saw" is estimated), then rolls up to
 * `by`. Rows are sorted by day, then model.
 */
export function reconcile(
  bill: readonly BillRow[],
  usage: readonly UsageRow[],
  by: ReconcileBy,
): ReconcileResult {
  const cells = new Map<string, ReconcileRow>();
  const cell = (dayMs: number, model: string | null) => {
    const k = `${dayMs}\u0001${model ?? ''}`;
    let r = cells.get(k);
    if (!r) {
      r = emptyRow(dayMs, model);
      cells.set(k, r);
    }
    return r;
  };
  for (const b of bill) {
    const r = cell(b.dayMs, b.model === null ? null : modelKey(b.model));
    addSide(r.provider, b);
    if (b.requests !== null) r.provider.requests = (r.provider.requests ?? 0) + b.requests;
  }
  for (const u of usage) {
    const name = u.responseModel ?? u.requestModel;
    const r = cell(u.dayMs, name === null ? null : modelKey(name));
    addSide(r.tokenmeter, u);
    r.tokenmeter.calls += u.calls;
    r.tokenmeter.unpricedCalls += u.unpricedCalls;
  }
  for (const r of cells.values()) r.neverSawNanos = neverSaw(r);

  const grouped = new Map<string, ReconcileRow>();
  const totals = emptyRow(null, null);
  for (const r of cells.values()) {
    merge(totals, r);
    if (by === 'day-model') {
      grouped.set(`${r.dayMs}\u0001${r.model ?? ''}`, r);
      continue;
    }
    const key = by === 'day' ? String(r.dayMs) : (r.model ?? '');
    let g = grouped.get(key);
    if (!g) {
      g = emptyRow(by === 'day' ? r.dayMs : null, by === 'model' ? r.model : null);
      grouped.set(key, g);
    }
    merge(g, r);
  }
  const rows = [...grouped.values()].map(finish);
  rows.sort(
    (a, b) => (a.dayMs ?? 0) - (b.dayMs ?? 0) || (a.model ?? '\uffff').localeCompare(b.model ?? '\uffff'),
  );
  return { by, rows, totals: finish(totals) };
}

/** Whether the total drift is beyond `percent` (either way). A provider total of 0 against spend in the store is. */
export function driftExceeds(totals: ReconcileRow, percent: number): boolean {
  if (totals.driftPercent === null) return totals.tokenmeter.costNanos > 0;
  return Math.abs(totals.driftPercent) > percent;
}
