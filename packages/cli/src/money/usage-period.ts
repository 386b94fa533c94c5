// What whatif and savings share: the period flags (this month by default, as `cost`), the usage of
// the period read from the store, and the period's part of their JSON.
import type { UsageRow } from '@tokenmeter/store';
import type { CommandContext } from '../command.js';
import { UsageError } from '../errors/usage-error.js';
import { flagSource, withFlagErrors } from '../query/flags.js';
import { parseTimeRange, type TimeRange } from '../query/params.js';
import { openForRead } from '../store-access.js';

export const TIERS = ['batch', 'flex', 'priority'] as const;

export function moneyRange(ctx: CommandContext): TimeRange {
  return withFlagErrors(ctx, () => parseTimeRange(flagSource(ctx), ctx.now, 'month'));
}

/** The usage rows of the period, filtered by the flags given (flag name → value). */
export function readUsage(
  ctx: CommandContext,
  range: TimeRange,
  filters: Record<'model' | 'feature' | 'provider', string | undefined>,
  flagNames: Partial<Record<'model' | 'feature' | 'provider', string>> = { model: 'from' },
): UsageRow[] {
  const q: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(filters)) {
    if (v === undefined) continue;
    const flag = flagNames[k as keyof typeof flagNames] ?? k;
    if (v.trim() === '') throw new UsageError(`--${flag} must not be empty`, ctx.name);
    if (v.length > 256) throw new UsageError(`--${flag} is longer than 256 characters`, ctx.name);
    q[k] = v;
  }
  if (range.since !== undefined) q.since = range.since;
  if (range.until !== undefined) q.until = range.until;
  const store = openForRead(ctx);
  try {
    return store.usage(q);
  } finally {
    store.close();
  }
}

export function periodJson(range: TimeRange) {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    since: iso(range.since),
    until: iso(range.until),
    sinceMs: range.since ?? null,
    untilMs: range.until ?? null,
    period: range.period ?? null,
    timeZone: range.timeZone,
  };
}
