// The one check of reported usage, at the adapter boundary: every format's response and stream
// results pass through it (parseResponse, createStreamParser's result). A count that is not a
// non-negative integer up to 1e12 (NaN marks what the adapters read as invalid: see `tokens`), or
// parts larger than their totals (cached tokens above input, reasoning above output), make the
// call's usage invalid: the counts are dropped and the call is recorded unpriced with
// tokenmeter.pricing.match = invalid_usage, never priced on a clamped or skipped value.
import { validateUsage } from '@tokenmeter/pricing';
import type { ResponseInfo } from './types.js';

/** `result` itself when its usage is valid or absent; otherwise a copy without usage, with the problem. */
export function checkedUsage(result: ResponseInfo): ResponseInfo {
  const usage = result.usage;
  if (usage === undefined) return result;
  const problem = validateUsage(usage);
  if (problem === null) return result;
  const value = (usage as unknown as Record<string, unknown>)[problem.field.slice('usage.'.length)];
  const { usage: _dropped, ...rest } = result;
  rest.invalidUsage = Number.isNaN(value)
    ? `${problem.field}: the provider reported a count that is negative, fractional, infinite or not a number`
    : `${problem.field} ${problem.reason}`;
  return rest;
}
