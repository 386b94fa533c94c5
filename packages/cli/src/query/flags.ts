// The CLI's filter flags, mapped to the REST parameter names of query/params.ts so both go through
// the same parsers. A ParamError becomes a UsageError naming the flag.
import type { CommandContext, FlagSpec } from '../command.js';
import { ParamError } from '../errors/param-error.js';
import { UsageError } from '../errors/usage-error.js';
import type { ParamSource } from './params.js';

/** REST parameter → CLI flag. */
const FLAG_OF: Record<string, string> = {
  since: 'since',
  until: 'until',
  tz: 'tz',
  provider: 'provider',
  model: 'model',
  feature: 'feature',
  user: 'user',
  tenant: 'tenant',
  service: 'service',
  minCost: 'min-cost',
  errors: 'errors',
  estimated: 'estimated',
  unpriced: 'unpriced',
  batch: 'batch',
  groupBy: 'by',
  source: 'source',
  limit: 'limit',
  cursor: 'cursor',
};

export const RANGE_FLAGS: Record<string, FlagSpec> = {
  today: { type: 'boolean', description: 'calls of today (in --tz)' },
  week: { type: 'boolean', description: 'calls of this week, Monday first' },
  month: { type: 'boolean', description: 'calls of this month' },
  since: {
    type: 'string',
    value: 'WHEN',
    description: 'from a date (2026-11-01), a time (2026-11-01T14:00) or ago (7d, 12h)',
  },
  until: { type: 'string', value: 'WHEN', description: 'up to (a bare date includes that whole day)' },
  tz: {
    type: 'string',
    value: 'ZONE',
    description: "IANA time zone for dates and days (default: this machine's)",
  },
};

export const FILTER_FLAGS: Record<string, FlagSpec> = {
  provider: {
    type: 'string',
    value: 'NAME',
    description: 'only this provider (openai, anthropic, gcp.gemini, aws.bedrock, ...)',
  },
  model: { type: 'string', value: 'NAME', description: 'only this model (request or response model)' },
  feature: { type: 'string', value: 'NAME', description: 'only this feature' },
  user: { type: 'string', value: 'ID', description: 'only this user' },
  tenant: { type: 'string', value: 'ID', description: 'only this tenant' },
  service: { type: 'string', value: 'NAME', description: 'only this service (OTEL_SERVICE_NAME of the app)' },
  batch: {
    type: 'string',
    value: 'ID',
    description: 'only calls read from the results of this batch (batch_..., msgbatch_...)',
  },
};

/** The flags as a ParamSource keyed by REST names. The range flags become `period`. */
export function flagSource(ctx: CommandContext): ParamSource {
  const periods = (['today', 'week', 'month'] as const).filter((p) => ctx.values[p] === true);
  if (periods.length > 1)
    throw new UsageError(
      `--${periods[0]} and --${periods[1]} cannot be used together: pick one period`,
      ctx.name,
    );
  if (periods.length === 1 && (ctx.values.since !== undefined || ctx.values.until !== undefined))
    throw new UsageError(`--${periods[0]} cannot be combined with --since/--until`, ctx.name);
  return (name: string) => {
    if (name === 'period') return periods[0];
    const flag = FLAG_OF[name];
    if (flag === undefined) return undefined;
    const v = ctx.values[flag];
    if (v === undefined) return undefined;
    if (v === true) return 'true';
    if (v === false) return undefined;
    return Array.isArray(v) ? v[v.length - 1] : v;
  };
}

/** Runs `fn`, turning a ParamError into a UsageError that names the flag. */
export function withFlagErrors<T>(ctx: CommandContext, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ParamError) {
      const flag = FLAG_OF[e.parameter] ?? e.parameter;
      throw new UsageError(`--${flag}: ${e.message}`, ctx.name);
    }
    throw e;
  }
}
