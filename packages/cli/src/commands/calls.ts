// tokenmeter calls: the call explorer in the terminal; `calls show ID` for one call in detail.
import type { CallRow, CostStore } from '@tokenmeter/store';
import { bool, type CommandContext, type CommandSpec, STORE_FLAG } from '../command.js';
import { CliError, EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { formatUsd } from '../format/money.js';
import { formatDuration, formatInt } from '../format/numbers.js';
import { renderTable } from '../format/table.js';
import { callToCsv, csvHeader } from '../query/export.js';
import { FILTER_FLAGS, flagSource, RANGE_FLAGS, withFlagErrors } from '../query/flags.js';
import { callToJson } from '../query/json.js';
import { getCall } from '../query/lookup.js';
import { parseCallFilter, parseCursor, parseIntParam, parseTimeZone } from '../query/params.js';
import { formatDateTime } from '../query/time.js';
import { openForRead } from '../store-access.js';

const DASH = '—';

function model(r: CallRow): string {
  return r.responseModel ?? r.requestModel ?? DASH;
}

/** "HTTP 429", "429 rate_limit_exceeded", "timeout": the status once, then the error type if it says more. */
export function errorText(r: Pick<CallRow, 'errorType' | 'httpStatus'>): string {
  if (r.httpStatus === null) return r.errorType ?? '';
  return r.errorType === String(r.httpStatus) ? `HTTP ${r.httpStatus}` : `${r.httpStatus} ${r.errorType}`;
}

const INVALID_USAGE = 'invalid_usage';

/** Why a call has no price, by its pricing match, and what to do about it. */
function whyUnpriced(match: string): string {
  switch (match) {
    case INVALID_USAGE:
      return 'the provider reported token counts that are not valid (negative, fractional, infinite, above 1e12, or cached or reasoning tokens above their total): they were not recorded, and a price would not help';
    case 'no_usage':
      return 'the provider reported no token usage, and none could be counted locally';
    case 'unknown_provider':
      return 'no price list for this provider: add the model in a pricing file (TOKENMETER_PRICING_FILE)';
    default:
      return 'no price known for this model: add one in a pricing file (TOKENMETER_PRICING_FILE)';
  }
}

function status(r: CallRow, ctx: CommandContext): string {
  if (r.errorType !== null) return ctx.out.red(errorText(r));
  return ctx.out.green('ok');
}

function cost(r: CallRow, ctx: CommandContext): string {
  // A failed call without usage costs nothing: it is not "unpriced" (a call whose usage was invalid is).
  if (!r.priced && !r.usageKnown && r.pricingMatch !== INVALID_USAGE) return DASH;
  if (!r.priced) return ctx.out.yellow('unpriced');
  return `${formatUsd(r.costNanos)}${r.estimated ? '~' : ''}`;
}

/** Rebuilds the command line of the next page: the same flags plus --cursor. */
function nextPageCommand(argv: CommandContext['values'], cursor: string): string {
  const parts = ['tokenmeter calls'];
  for (const [k, v] of Object.entries(argv)) {
    if (k === 'cursor' || k === 'help' || v === undefined || v === false) continue;
    const val = Array.isArray(v) ? v[v.length - 1] : v;
    if (val === true) parts.push(`--${k}`);
    else if (typeof val === 'string')
      parts.push(`--${k}`, /^[\w.:@/+-]+$/.test(val) ? val : `'${val.replace(/'/g, "'\\''")}'`);
  }
  parts.push('--cursor', cursor);
  return parts.join(' ');
}

export const callsCommand: CommandSpec = {
  name: 'calls',
  summary: 'Browse calls, newest first, with filters',
  usage: 'calls [filters] [--limit N] [--cursor C] [--json|--csv]',
  description:
    'A page of calls, newest first. Pass --cursor (printed under the table) for the next page.\n' +
    'Cost ends with ~ when the tokens were estimated. `tokenmeter calls show ID` shows one call.',
  flags: {
    ...RANGE_FLAGS,
    ...FILTER_FLAGS,
    'min-cost': { type: 'string', value: 'USD', description: 'only calls that cost at least this much' },
    errors: { type: 'boolean', description: 'only calls that failed' },
    estimated: { type: 'boolean', description: 'only calls whose tokens were estimated' },
    unpriced: { type: 'boolean', description: 'only calls that had no price' },
    limit: { type: 'string', value: 'N', description: 'calls per page, 1..1000 (default 20)' },
    cursor: {
      type: 'string',
      value: 'CURSOR',
      description: 'the page after the one that printed this cursor',
    },
    json: { type: 'boolean', description: 'print JSON: { calls, nextCursor }' },
    csv: { type: 'boolean', description: 'print CSV' },
    store: STORE_FLAG,
  },
  examples: [
    'tokenmeter calls',
    'tokenmeter calls --today --feature support-chat --min-cost 0.01',
    'tokenmeter calls --errors --since 1h',
    "tokenmeter calls --unpriced --json | jq '.calls[].requestModel'",
    'tokenmeter calls show 1234',
  ],
  async run(ctx) {
    if (bool(ctx, 'json') && bool(ctx, 'csv'))
      throw new UsageError('--json and --csv cannot be used together', ctx.name);
    const { filter, limit, cursor, timeZone } = withFlagErrors(ctx, () => {
      const get = flagSource(ctx);
      const parsed = parseCallFilter(get, ctx.now);
      return {
        filter: parsed.filter,
        timeZone: parsed.range.timeZone,
        limit: parseIntParam(get, 'limit', 20, 1, 1000)!,
        cursor: parseCursor(get),
      };
    });
    const store = openForRead(ctx);
    try {
      let page: ReturnType<CostStore['calls']>;
      try {
        page = store.calls({ ...filter, limit, ...(cursor ? { cursor } : {}) });
      } catch (e) {
        if ((e as Error).name === 'StoreQueryError')
          throw new UsageError(`--cursor: ${(e as Error).message}`, ctx.name);
        throw e;
      }
      if (bool(ctx, 'json')) {
        ctx.io.stdout.write(
          `${JSON.stringify({ calls: page.calls.map(callToJson), nextCursor: page.nextCursor }, null, 2)}\n`,
        );
        return EXIT_OK;
      }
      if (bool(ctx, 'csv')) {
        let text = csvHeader();
        for (const r of page.calls) text += callToCsv(r);
        ctx.io.stdout.write(text);
        return EXIT_OK;
      }
      if (page.calls.length === 0) {
        ctx.io.stdout.write(cursor ? 'No more calls.\n' : 'No calls match.\n');
        return EXIT_OK;
      }
      const rows = page.calls.map((r) => [
        String(r.id),
        formatDateTime(r.startTimeMs, timeZone),
        r.provider,
        model(r),
        r.feature ?? DASH,
        r.user ?? DASH,
        r.tenant ?? DASH,
        formatInt(r.inputTokens),
        formatInt(r.outputTokens),
        cost(r, ctx),
        status(r, ctx),
      ]);
      ctx.io.stdout.write(
        renderTable(
          [
            { header: 'id', align: 'right' },
            { header: 'time' },
            { header: 'provider' },
            { header: 'model' },
            { header: 'feature' },
            { header: 'user' },
            { header: 'tenant' },
            { header: 'in', align: 'right' },
            { header: 'out', align: 'right' },
            { header: 'cost', align: 'right' },
            { header: 'status' },
          ],
          rows,
          { styles: ctx.out, maxWidth: ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined },
        ),
      );
      if (page.nextCursor) {
        if (ctx.io.stdout.isTTY) {
          ctx.io.stdout.write(
            `\n${ctx.out.dim('Next page:')} ${nextPageCommand(ctx.values, page.nextCursor)}\n`,
          );
        } else {
          ctx.io.stdout.write(`\nnext cursor: ${page.nextCursor}\n`);
        }
      }
      return EXIT_OK;
    } finally {
      store.close();
    }
  },
};

function kv(rows: [string, string][], ctx: CommandContext): string {
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `  ${ctx.out.dim(k.padEnd(width))}  ${v}`).join('\n');
}

/** A cost the provider or gateway reported: say so, with tokenmeter's own price beside it. */
function reportedRows(r: CallRow): [string, string][] {
  if (!r.costReported) return [];
  return [
    ['cost', `${formatUsd(r.costNanos)}, reported by ${r.gateway ?? 'the provider'}`],
    [
      'local price',
      r.localCostNanos === null
        ? 'none: no local price for this model (the provider priced it)'
        : formatUsd(r.localCostNanos),
    ],
  ];
}

export function callDetailText(r: CallRow, ctx: CommandContext, timeZone: string): string {
  const o = ctx.out;
  const lines: string[] = [];
  lines.push(`${o.bold(`Call ${r.id}`)}  ${r.provider} ${r.operation} ${model(r)}`, '');
  lines.push(
    kv(
      [
        ['time', `${formatDateTime(r.startTimeMs, timeZone)} (${timeZone})`],
        [
          'duration',
          `${formatDuration(r.durationMs)}${r.timeToFirstChunkMs !== null ? `, first chunk after ${formatDuration(r.timeToFirstChunkMs)}` : ''}`,
        ],
        [
          'status',
          r.errorType !== null
            ? o.red(errorText(r))
            : o.green(`ok${r.httpStatus !== null ? ` (HTTP ${r.httpStatus})` : ''}`),
        ],
        ['request model', r.requestModel ?? DASH],
        ['response model', r.responseModel ?? DASH],
        ['stream', r.stream ? 'yes' : 'no'],
        ['finish reasons', r.finishReasons.length ? r.finishReasons.join(', ') : DASH],
        ['service', r.service ?? DASH],
        ['feature', r.feature ?? DASH],
        ['user', r.user ?? DASH],
        ['tenant', r.tenant ?? DASH],
        ['server', r.serverAddress ?? DASH],
        ...(r.gateway !== null ? ([['AI gateway', r.gateway]] as [string, string][]) : []),
        ...(r.batch
          ? ([
              ['batch', r.batchId ?? 'yes (batch id not known)'],
              ['custom id', r.batchCustomId ?? DASH],
            ] as [string, string][])
          : []),
        ['response id', r.responseId ?? DASH],
        ['trace id', r.traceId ?? DASH],
        ['span id', r.spanId ?? DASH],
      ],
      ctx,
    ),
    '',
  );
  const uncached = Math.max(0, r.inputTokens - r.cacheReadTokens - r.cacheWriteTokens);
  const tokenRows = [
    ['input (uncached)', formatInt(uncached), formatUsd(r.inputCostNanos)],
    ['cache read', formatInt(r.cacheReadTokens), formatUsd(r.cacheReadCostNanos)],
    ['cache write', formatInt(r.cacheWriteTokens), formatUsd(r.cacheWriteCostNanos)],
    ['output', formatInt(r.outputTokens), formatUsd(r.outputCostNanos)],
    ['  of which reasoning', formatInt(r.reasoningTokens), ''],
  ];
  const parts = r.inputCostNanos + r.cacheReadCostNanos + r.cacheWriteCostNanos + r.outputCostNanos;
  // A reported cost is a total: the breakdown is the local price's, so the difference is no fee.
  if (r.costNanos !== parts && !r.costReported)
    tokenRows.push(['per-request fee', '', formatUsd(r.costNanos - parts)]);
  lines.push(
    renderTable(
      [{ header: 'tokens' }, { header: 'count', align: 'right' }, { header: 'cost', align: 'right' }],
      tokenRows,
      {
        styles: o,
        footer: [
          'total',
          formatInt(r.inputTokens + r.outputTokens),
          r.priced ? formatUsd(r.costNanos) : o.yellow('unpriced'),
        ],
      },
    ).trimEnd(),
    '',
  );
  if (!r.usageKnown) lines.push(o.yellow('The provider reported no token usage for this call.'), '');
  if (r.estimated)
    lines.push(
      o.yellow('Tokens were counted locally (the provider did not report them): the cost is an estimate.'),
      '',
    );
  lines.push(o.bold('Pricing'));
  lines.push(
    kv(
      r.priced
        ? [
            ['match', r.pricingMatch],
            ['catalog entry', `${r.pricingProvider ?? DASH} / ${r.pricingModelId ?? DASH}`],
            ['source', `${r.pricingSource ?? DASH} (${r.pricingVersion ?? DASH})`],
            ['tier', r.pricingTier ?? DASH],
            ...reportedRows(r),
          ]
        : [
            ['match', r.pricingMatch],
            ['why', whyUnpriced(r.pricingMatch)],
          ],
      ctx,
    ),
  );
  return `${lines.join('\n')}\n`;
}

export const callsShowCommand: CommandSpec = {
  name: 'calls show',
  summary: 'One call in detail: tokens and cost by kind, pricing provenance, trace id',
  usage: 'calls show <id> [--json]',
  flags: {
    json: { type: 'boolean', description: 'print JSON' },
    tz: RANGE_FLAGS.tz!,
    store: STORE_FLAG,
  },
  positionals: { min: 1, max: 1, names: 'the call id (the ID column of `tokenmeter calls`)' },
  examples: ['tokenmeter calls show 1234', 'tokenmeter calls show 1234 --json'],
  async run(ctx) {
    const text = ctx.positionals[0]!;
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1)
      throw new UsageError(
        `"${text}" is not a call id: expected a positive whole number like 1234`,
        ctx.name,
      );
    const timeZone = withFlagErrors(ctx, () => parseTimeZone(flagSource(ctx)));
    const store = openForRead(ctx);
    try {
      const row = getCall(store, Number(text));
      if (!row)
        throw new CliError(`No call with id ${text} in ${store.path}.`, {
          hint: 'List calls with `tokenmeter calls`.',
        });
      if (bool(ctx, 'json')) ctx.io.stdout.write(`${JSON.stringify(callToJson(row), null, 2)}\n`);
      else ctx.io.stdout.write(callDetailText(row, ctx, timeZone));
      return EXIT_OK;
    } finally {
      store.close();
    }
  },
};
