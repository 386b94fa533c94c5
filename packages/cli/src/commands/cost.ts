// tokenmeter cost: what was spent in a period, broken down by one dimension.
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import {
  type CallFilter,
  type CostStore,
  type GroupBy,
  StoreError,
  type SummaryResult,
  type Totals,
} from '@tokenmeter/store';
import { bool, type CommandContext, type CommandSpec, STORE_FLAG, str } from '../command.js';
import { CliError, EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { csvRow } from '../format/csv.js';
import { formatUsd, formatUsdExact, nanosToDecimal } from '../format/money.js';
import { formatInt, formatShare } from '../format/numbers.js';
import { renderTable } from '../format/table.js';
import { Progress } from '../io.js';
import { callToCsv, callToJsonLine, csvHeader } from '../query/export.js';
import { FILTER_FLAGS, flagSource, RANGE_FLAGS, withFlagErrors } from '../query/flags.js';
import { canForecast, type SummaryForecastJson, summaryForecast } from '../query/forecast.js';
import { summaryToJson } from '../query/json.js';
import { GROUP_BYS, parseSummaryParams, type SummaryParams } from '../query/params.js';
import { formatDate, formatDateTime } from '../query/time.js';
import { openForRead } from '../store-access.js';

export const NOT_SET = '(not set)';

/** "this month (2026-11-01 → 2026-11-30, Europe/Paris)" */
export function rangeLabel(p: SummaryParams['range'], now: number): string {
  const tz = p.timeZone;
  if (p.period === 'today') return `today (${formatDate(p.since!, tz)}, ${tz})`;
  if (p.period !== undefined) {
    return `this ${p.period} (${formatDate(p.since!, tz)} → ${formatDate(p.until! - 1, tz)}, ${tz})`;
  }
  const from = p.since === undefined ? 'the first call' : formatDateTime(p.since, tz);
  const to = p.until === undefined || p.until >= now ? 'now' : formatDateTime(p.until, tz);
  return `${from} → ${to} (${tz})`;
}

const SUMMARY_CSV_COLUMNS = [
  'key',
  'calls',
  'errors',
  'unpriced_calls',
  'estimated_calls',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'cost_nanos',
  'input_cost_nanos',
  'output_cost_nanos',
  'cache_read_cost_nanos',
  'cache_write_cost_nanos',
];

function totalsCsv(key: string | null, t: Totals): string {
  return csvRow([
    key,
    t.calls,
    t.errors,
    t.unpricedCalls,
    t.estimatedCalls,
    t.inputTokens,
    t.outputTokens,
    t.cacheReadTokens,
    t.cacheWriteTokens,
    t.reasoningTokens,
    nanosToDecimal(t.costNanos),
    t.costNanos,
    t.inputCostNanos,
    t.outputCostNanos,
    t.cacheReadCostNanos,
    t.cacheWriteCostNanos,
  ]);
}

/** The people's table of a summary (also used by `demo`). */
export function summaryTable(
  result: SummaryResult,
  groupBy: GroupBy,
  ctx: Pick<CommandContext, 'out' | 'io'>,
): string {
  const total = result.totals.costNanos;
  const rows = result.groups.map((g) => [
    g.key ?? NOT_SET,
    formatInt(g.calls),
    formatInt(g.errors),
    formatInt(g.inputTokens),
    formatInt(g.outputTokens),
    formatInt(g.cacheReadTokens),
    // A group whose successful calls all lacked a price did not cost $0: say so.
    g.costNanos === 0 && g.unpricedCalls > g.errors ? 'unpriced' : formatUsd(g.costNanos),
    formatShare(g.costNanos, total),
  ]);
  const t = result.totals;
  return renderTable(
    [
      { header: groupBy },
      { header: 'calls', align: 'right' },
      { header: 'errors', align: 'right' },
      { header: 'input tok', align: 'right' },
      { header: 'output tok', align: 'right' },
      { header: 'cache read', align: 'right' },
      { header: 'cost', align: 'right' },
      { header: 'share', align: 'right' },
    ],
    rows,
    {
      styles: ctx.out,
      maxWidth: ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined,
      footer: [
        'TOTAL',
        formatInt(t.calls),
        formatInt(t.errors),
        formatInt(t.inputTokens),
        formatInt(t.outputTokens),
        formatInt(t.cacheReadTokens),
        formatUsd(t.costNanos),
        total > 0 ? '100.0%' : '—',
      ],
    },
  );
}

/** Which cost the totals hold for the calls whose cost a gateway reported (none: no note). */
export function costSourceNote(result: Pick<SummaryResult, 'costSource' | 'reportedCalls'>): string {
  const n = result.reportedCalls;
  if (n === 0) return '';
  const calls = `${formatInt(n)} call${n === 1 ? '' : 's'}`;
  return result.costSource === 'local'
    ? `Costs are tokenmeter's own prices (--source local); the gateway reported its own cost for ${calls}.\n`
    : `${calls} ${n === 1 ? 'is' : 'are'} at the cost the gateway reported (OpenRouter, LiteLLM); --source local shows tokenmeter's own prices.\n`;
}

/** Up to this many calls in range, the unpriced note counts exactly (a raw-row scan). */
const EXACT_UNPRICED_MAX_CALLS = 200_000;

/**
 * Notes under a summary: calls with usage but no price (failed calls without usage are not
 * "unpriced": they cost nothing), and estimated calls.
 */
export function summaryNotes(
  t: Totals,
  ctx: Pick<CommandContext, 'out'>,
  store: CostStore,
  filter: CallFilter,
): string {
  const notes: string[] = [];
  if (t.unpricedCalls > 0) {
    // The exact count of calls with usage but no price reads raw rows: only on small ranges.
    if (t.calls <= EXACT_UNPRICED_MAX_CALLS) {
      const models = store.unpricedModels(filter);
      const unpriced = models.reduce((n, m) => n + m.calls, 0);
      // invalid_usage: the provider's token counts were not valid, so a price would not help.
      const why = models.some((m) => m.reason === 'invalid_usage')
        ? 'no price (unknown models, or token counts the provider reported invalid)'
        : 'no known price';
      if (unpriced > 0)
        notes.push(
          ctx.out.yellow(
            `${formatInt(unpriced)} call${unpriced === 1 ? '' : 's'} had ${why} and ${unpriced === 1 ? 'is' : 'are'} not in these totals: see \`tokenmeter price --unpriced\`.`,
          ),
        );
    } else {
      notes.push(
        ctx.out.yellow(
          `${formatInt(t.unpricedCalls)} calls have no cost: failed calls without usage, or models without a known price (see \`tokenmeter price --unpriced\`).`,
        ),
      );
    }
  }
  if (t.estimatedCalls > 0)
    notes.push(
      ctx.out.dim(
        `${formatInt(t.estimatedCalls)} call${t.estimatedCalls === 1 ? '' : 's'} had tokens counted locally (estimated).`,
      ),
    );
  return notes.length ? `${notes.join('\n')}\n` : '';
}

/** The period-end forecast under the summary: per group shown, then the total, and how it was made. */
function forecastTable(
  f: SummaryForecastJson,
  groupBy: GroupBy,
  timeZone: string,
  ctx: Pick<CommandContext, 'out' | 'io'>,
): string {
  const row = (key: string, x: SummaryForecastJson['total']) => [
    key,
    formatUsd(x.spentNanos),
    formatUsd(x.expectedNanos),
    `${formatUsd(x.lowNanos)}–${formatUsd(x.highNanos)}`,
    x.method,
  ];
  const title = ctx.out.bold(
    `Forecast to the end of the period (${formatDate(f.periodEndMs - 1, timeZone)}), as of ${formatDateTime(f.asOfMs, timeZone)}`,
  );
  const table = renderTable(
    [
      { header: f.groups.length ? groupBy : '' },
      { header: 'spent', align: 'right' },
      { header: 'expected', align: 'right' },
      { header: 'p10–p90', align: 'right' },
      { header: 'method' },
    ],
    f.groups.map((g) => row(g.key, g)),
    {
      styles: ctx.out,
      maxWidth: ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined,
      footer: row('TOTAL', f.total),
    },
  );
  const how =
    "seasonal-weekly: the rest of the period by hour of week from the last 4 weeks, at the last week's level;\n" +
    'seasonal-daily: by hour of day (under a week of history); linear-burn: a straight line (under 2 days).';
  const note = f.total.note ? `TOTAL: ${f.total.note}.\n` : '';
  return `${title}\n\n${table}\n${ctx.out.dim(`${note}${how}`)}\n`;
}

/** `cost --forecast --csv`: the forecast table as CSV, one row per group shown, then the total. */
export function forecastCsv(f: SummaryForecastJson): string {
  const end = new Date(f.periodEndMs).toISOString();
  const row = (scope: string, key: string | null, x: SummaryForecastJson['total']) =>
    csvRow([
      scope,
      key,
      nanosToDecimal(x.spentNanos),
      nanosToDecimal(x.expectedNanos),
      nanosToDecimal(x.lowNanos),
      nanosToDecimal(x.highNanos),
      x.spentNanos,
      x.expectedNanos,
      x.lowNanos,
      x.highNanos,
      x.method,
      x.note,
      end,
    ]);
  let text = csvRow([
    'scope',
    'key',
    'spent_usd',
    'expected_usd',
    'p10_usd',
    'p90_usd',
    'spent_nanos',
    'expected_nanos',
    'p10_nanos',
    'p90_nanos',
    'method',
    'note',
    'period_end',
  ]);
  for (const g of f.groups) text += row('group', g.key, g);
  return text + row('total', null, f.total);
}

/** The calls to export, for the progress bar; unknown when the period's sums are beyond 2^53. */
function expectedCalls(store: CostStore, filter: CallFilter): number | undefined {
  try {
    return store.summary({ ...filter }).totals.calls;
  } catch (e) {
    if (e instanceof StoreError && e.kind === 'out_of_range') return undefined;
    throw e;
  }
}

async function exportCalls(
  ctx: CommandContext,
  store: CostStore,
  filter: CallFilter,
  file: string,
): Promise<number> {
  const target = path.resolve(ctx.io.cwd, file);
  const ext = path.extname(target).toLowerCase();
  const format = ext === '.json' ? 'json' : ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : 'csv';
  const expected = expectedCalls(store, filter);
  const out = createWriteStream(target);
  const failed = new Promise<never>((_, reject) =>
    out.on('error', (e) => reject(new CliError(`--export: cannot write ${target}: ${e.message}`))),
  );
  failed.catch(() => {});
  const write = async (s: string) => {
    if (!out.write(s)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failed]);
  };
  const progress = new Progress(ctx.io, `Exporting to ${path.basename(target)}`, expected);
  let n = 0;
  // Each call's cost is exact; their sum can pass 2^53 nano-USD, where a Number would round.
  let nanos = 0n;
  if (format === 'csv') await write(csvHeader());
  if (format === 'json') await write('[');
  for (const row of store.exportCalls(filter)) {
    if (format === 'csv') await write(callToCsv(row));
    else if (format === 'json') await write(`${n === 0 ? '\n' : ',\n'}${callToJsonLine(row)}`);
    else await write(`${callToJsonLine(row)}\n`);
    n++;
    nanos += BigInt(row.costNanos);
    if (n % 500 === 0) progress.update(n);
  }
  if (format === 'json') await write(n === 0 ? ']\n' : '\n]\n');
  await Promise.race([new Promise<void>((r) => out.end(() => r())), failed]);
  progress.done();
  ctx.io.stderr.write(
    `${ctx.err.green('✓')} Wrote ${formatInt(n)} call${n === 1 ? '' : 's'} (${formatUsdExact(nanos)}) to ${target} as ${format.toUpperCase()}\n`,
  );
  return EXIT_OK;
}

export const costCommand: CommandSpec = {
  name: 'cost',
  summary: 'Show what LLM calls cost in a period, broken down by model, feature, user, tenant, ...',
  usage:
    'cost [--today|--week|--month|--since WHEN --until WHEN] [--by DIMENSION] [filters] [--json|--csv|--export FILE]',
  description:
    'Without a period, shows this month. Amounts are exact: --json gives integer nano-dollars\n' +
    '(costNanos) next to USD (costUsd); --csv gives cost_usd with all 9 decimals.',
  flags: {
    ...RANGE_FLAGS,
    by: {
      type: 'string',
      value: 'DIMENSION',
      description: `break down by ${GROUP_BYS.join(', ')} (default model)`,
    },
    ...FILTER_FLAGS,
    source: {
      type: 'string',
      value: 'provider|local',
      description:
        'for calls whose cost a gateway reported (OpenRouter, LiteLLM): that cost (provider, default) or tokenmeter’s own price (local)',
    },
    'min-cost': { type: 'string', value: 'USD', description: 'only calls that cost at least this much' },
    errors: { type: 'boolean', description: 'only calls that failed' },
    estimated: { type: 'boolean', description: 'only calls whose tokens were estimated' },
    unpriced: { type: 'boolean', description: 'only calls that had no price' },
    limit: {
      type: 'string',
      value: 'N',
      description: 'show the N most expensive groups (totals still cover all)',
    },
    forecast: {
      type: 'boolean',
      description:
        "forecast the period's end (by hour of week, with a p10–p90 band) for the total and each group",
    },
    json: { type: 'boolean', description: 'print JSON' },
    csv: {
      type: 'boolean',
      description: 'print CSV (one row per group; with --forecast, the forecast per group and a total row)',
    },
    export: {
      type: 'string',
      value: 'FILE',
      description: 'write every matching call to FILE (.csv, .json or .jsonl)',
    },
    store: STORE_FLAG,
  },
  examples: [
    'tokenmeter cost                              # this month, by model',
    'tokenmeter cost --today --by feature',
    'tokenmeter cost --since 7d --by tenant --provider openai',
    'tokenmeter cost --since 2026-11-01 --until 2026-11-15 --by day --tz Europe/Paris',
    "tokenmeter cost --month --by user --json | jq '.groups[0]'",
    'tokenmeter cost --forecast --by tenant          # where this month will end, per tenant',
    'tokenmeter cost --forecast --by feature --csv > outlook.csv',
    'tokenmeter cost --month --export november.csv',
    'tokenmeter cost --month --by provider --source local   # tokenmeter’s prices, not the gateways’',
  ],
  async run(ctx) {
    const outputs = ['json', 'csv', 'export'].filter((k) => ctx.values[k] !== undefined);
    if (outputs.length > 1)
      throw new UsageError(`--${outputs[0]} and --${outputs[1]} cannot be used together`, ctx.name);
    const params = withFlagErrors(ctx, () =>
      parseSummaryParams(flagSource(ctx), ctx.now, { period: 'month', groupBy: 'model' }),
    );
    const groupBy = params.groupBy ?? 'model';
    const forecast = bool(ctx, 'forecast');
    if (forecast) {
      if (ctx.values.export !== undefined)
        throw new UsageError('--forecast prints a table, --json or --csv, not --export', ctx.name);
      if (!canForecast(params))
        throw new UsageError(
          '--forecast is of a period: use --today, --week or --month (the default), not --since/--until',
          ctx.name,
        );
    }
    const store = openForRead(ctx);
    try {
      const exportFile = str(ctx, 'export');
      if (exportFile !== undefined) return await exportCalls(ctx, store, params.filter, exportFile);
      const result = store.summary({
        ...params.filter,
        groupBy,
        timeZone: params.range.timeZone,
        ...(params.limit !== undefined ? { limit: params.limit } : {}),
        costSource: params.costSource,
      });
      const outlook = forecast ? summaryForecast(store, { ...params, groupBy }, result, ctx.now) : undefined;
      if (bool(ctx, 'json')) {
        const json = summaryToJson(result, { ...params, groupBy });
        ctx.io.stdout.write(`${JSON.stringify(outlook ? { ...json, forecast: outlook } : json, null, 2)}\n`);
        return EXIT_OK;
      }
      if (bool(ctx, 'csv') && outlook) {
        ctx.io.stdout.write(forecastCsv(outlook));
        return EXIT_OK;
      }
      if (bool(ctx, 'csv')) {
        let text = csvRow(SUMMARY_CSV_COLUMNS);
        for (const g of result.groups) text += totalsCsv(g.key, g);
        ctx.io.stdout.write(text);
        return EXIT_OK;
      }
      const o = ctx.out;
      ctx.io.stdout.write(`${o.bold(`Cost ${rangeLabel(params.range, ctx.now)}`)}\n\n`);
      if (result.totals.calls === 0) {
        const filtered = Object.keys(params.filter).some((k) => k !== 'since' && k !== 'until');
        ctx.io.stdout.write(`No calls in this period${filtered ? ' match the filters' : ''}.\n`);
        if (!outlook) return EXIT_OK;
      } else {
        ctx.io.stdout.write(summaryTable(result, groupBy, ctx));
        const notes = summaryNotes(result.totals, ctx, store, params.filter) + costSourceNote(result);
        if (notes) ctx.io.stdout.write(`\n${notes}`);
      }
      if (outlook) ctx.io.stdout.write(`\n${forecastTable(outlook, groupBy, params.range.timeZone, ctx)}`);
      return EXIT_OK;
    } finally {
      store.close();
    }
  },
};
