// tokenmeter reprice: the current catalog and TOKENMETER_PRICING_FILE applied to stored calls.
import { REPRICE_SELECTIONS, type RepriceResult, type RepriceSelection } from '@tokenmeter/store';
import { bool, type CommandContext, type CommandSpec, STORE_FLAG, str } from '../command.js';
import { EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { csvRow } from '../format/csv.js';
import { formatUsd, nanosToDecimal, nanosToUsd } from '../format/money.js';
import { formatInt } from '../format/numbers.js';
import { renderTable } from '../format/table.js';
import { Progress } from '../io.js';
import { loadPricing } from '../money/pricing.js';
import { storedCallPricer } from '../money/stored-call-price.js';
import { flagSource, RANGE_FLAGS, withFlagErrors } from '../query/flags.js';
import { parseTimeRange } from '../query/params.js';
import { openForRead, openForWrite } from '../store-access.js';
import { NOT_SET, rangeLabel } from './cost.js';

const SELECTION_TEXT: Record<RepriceSelection, string> = {
  unpriced: 'calls without a price',
  estimated: 'calls with locally counted tokens',
  all: 'all calls',
};

/** "+$1.20" / "-$0.31" / "$0.00". */
export function signedUsd(nanos: number): string {
  return nanos > 0 ? `+${formatUsd(nanos)}` : formatUsd(nanos);
}

function toJson(r: RepriceResult, range: ReturnType<typeof parseTimeRange>, pricedWith: string) {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    only: r.only,
    dryRun: r.dryRun,
    since: iso(range.since),
    until: iso(range.until),
    sinceMs: range.since ?? null,
    untilMs: range.until ?? null,
    timeZone: range.timeZone,
    pricedWith,
    calls: r.calls,
    changed: r.changed,
    newlyPriced: r.newlyPriced,
    stillUnpriced: r.stillUnpriced,
    keptPrice: r.keptPrice,
    beforeNanos: r.beforeNanos,
    afterNanos: r.afterNanos,
    beforeUsd: nanosToUsd(r.beforeNanos),
    afterUsd: nanosToUsd(r.afterNanos),
    models: r.models.map((m) => ({
      ...m,
      beforeUsd: nanosToUsd(m.beforeNanos),
      afterUsd: nanosToUsd(m.afterNanos),
    })),
    pricedBy: r.pricedBy,
  };
}

const CSV_COLUMNS = [
  'model',
  'calls',
  'changed',
  'unpriced_before',
  'unpriced_after',
  'before_usd',
  'after_usd',
  'before_nanos',
  'after_nanos',
];

function table(r: RepriceResult, ctx: CommandContext): string {
  const rows = r.models.map((m) => [
    m.model ?? NOT_SET,
    formatInt(m.calls),
    formatInt(m.changed),
    m.unpricedBefore === m.calls ? 'unpriced' : formatUsd(m.beforeNanos),
    m.unpricedAfter === m.calls ? 'unpriced' : formatUsd(m.afterNanos),
    signedUsd(m.afterNanos - m.beforeNanos),
  ]);
  return renderTable(
    [
      { header: 'model' },
      { header: 'calls', align: 'right' },
      { header: 'changed', align: 'right' },
      { header: 'before', align: 'right' },
      { header: 'after', align: 'right' },
      { header: 'difference', align: 'right' },
    ],
    rows,
    {
      styles: ctx.out,
      maxWidth: ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined,
      footer: [
        'TOTAL',
        formatInt(r.calls),
        formatInt(r.changed),
        formatUsd(r.beforeNanos),
        formatUsd(r.afterNanos),
        signedUsd(r.afterNanos - r.beforeNanos),
      ],
    },
  );
}

function plural(n: number, word: string): string {
  return `${formatInt(n)} ${word}${n === 1 ? '' : 's'}`;
}

export const repriceCommand: CommandSpec = {
  name: 'reprice',
  summary: 'Price stored calls again with the current catalog and pricing file',
  usage: 'reprice [--since WHEN] [--until WHEN] [--only unpriced|estimated|all] [--dry-run] [--json|--csv]',
  description:
    'A call stored before its model had a price stays unpriced until it is re-priced. This applies\n' +
    'the bundled catalog and TOKENMETER_PRICING_FILE to the stored token counts, at the prices in\n' +
    'effect when each call was made, and rewrites the calls whose price changed together with the\n' +
    'rollups, so `cost`, `serve` and the dashboard agree. Each re-priced call records the catalog\n' +
    'version and source that priced it. A priced call the current prices cannot price keeps its\n' +
    'price. Safe while apps are recording (batches of 5,000 calls). Default: --only unpriced, all time.',
  flags: {
    ...RANGE_FLAGS,
    only: {
      type: 'string',
      value: 'WHICH',
      description: 'unpriced (default): calls without a price; estimated: locally counted tokens; all',
    },
    'dry-run': { type: 'boolean', description: 'show the before/after totals per model, change nothing' },
    json: { type: 'boolean', description: 'print JSON' },
    csv: { type: 'boolean', description: 'print CSV (one row per model)' },
    store: STORE_FLAG,
  },
  examples: [
    'tokenmeter reprice --dry-run                       # what pricing the unpriced calls would add',
    'TOKENMETER_PRICING_FILE=prices.yaml tokenmeter reprice',
    'tokenmeter reprice --only all --since 2026-11-01 --dry-run',
    'tokenmeter reprice --only estimated --month --json',
  ],
  async run(ctx) {
    if (bool(ctx, 'json') && bool(ctx, 'csv'))
      throw new UsageError('--json and --csv cannot be used together', ctx.name);
    const only = (str(ctx, 'only') ?? 'unpriced') as RepriceSelection;
    if (!(REPRICE_SELECTIONS as readonly string[]).includes(only))
      throw new UsageError(`--only: "${only}" is not a selection: use unpriced, estimated or all`, ctx.name);
    const range = withFlagErrors(ctx, () => parseTimeRange(flagSource(ctx), ctx.now, undefined));
    const dryRun = bool(ctx, 'dry-run');
    const { pricing, file } = await loadPricing(ctx);
    const pricedWith = `${pricing.catalogVersion}${file ? ` + ${file}` : ''}`;
    const store = dryRun ? openForRead(ctx) : openForWrite(ctx);
    const progress = new Progress(ctx.io, dryRun ? 'Pricing' : 'Re-pricing');
    let r: RepriceResult;
    try {
      r = store.reprice({
        ...(range.since !== undefined ? { since: range.since } : {}),
        ...(range.until !== undefined ? { until: range.until } : {}),
        only,
        dryRun,
        price: storedCallPricer(pricing),
        onProgress: (n) => progress.update(n, 'calls'),
      });
    } finally {
      progress.done();
      store.close();
    }
    if (bool(ctx, 'json')) {
      ctx.io.stdout.write(`${JSON.stringify(toJson(r, range, pricedWith), null, 2)}\n`);
      return EXIT_OK;
    }
    if (bool(ctx, 'csv')) {
      let text = csvRow(CSV_COLUMNS);
      for (const m of r.models)
        text += csvRow([
          m.model,
          m.calls,
          m.changed,
          m.unpricedBefore,
          m.unpricedAfter,
          nanosToDecimal(m.beforeNanos),
          nanosToDecimal(m.afterNanos),
          m.beforeNanos,
          m.afterNanos,
        ]);
      ctx.io.stdout.write(text);
      return EXIT_OK;
    }
    const o = ctx.out;
    const when =
      range.since === undefined && range.until === undefined ? 'all time' : rangeLabel(range, ctx.now);
    ctx.io.stdout.write(
      `${o.bold(`${dryRun ? 'Dry run: re-pricing' : 'Re-priced'} ${SELECTION_TEXT[only]}, ${when}`)}\n` +
        `${o.dim(`Prices: ${pricedWith}, in effect when each call was made.`)}\n\n`,
    );
    if (r.calls === 0) {
      ctx.io.stdout.write(
        only === 'unpriced'
          ? 'No unpriced calls with token usage in this period: nothing to re-price.\n'
          : 'No calls with token usage in this period: nothing to re-price.\n',
      );
      return EXIT_OK;
    }
    ctx.io.stdout.write(table(r, ctx));
    const lines: string[] = [''];
    const verb = dryRun ? 'would change' : 'changed';
    if (r.changed === 0)
      lines.push(`No price ${dryRun ? 'would change' : 'changed'}: the stored prices are the current ones.`);
    else
      lines.push(
        `${dryRun ? '' : `${o.green('✓')} `}${plural(r.changed, 'call')} ${verb} price` +
          (r.newlyPriced ? ` (${formatInt(r.newlyPriced)} had none)` : '') +
          `: ${formatUsd(r.beforeNanos)} → ${formatUsd(r.afterNanos)} (${signedUsd(r.afterNanos - r.beforeNanos)}).`,
      );
    if (r.pricedBy.length)
      lines.push(
        o.dim(
          `Priced by ${r.pricedBy.map((p) => `${p.version} (${p.source}, ${formatInt(p.calls)})`).join(', ')}.`,
        ),
      );
    if (r.stillUnpriced)
      lines.push(
        o.yellow(
          `${plural(r.stillUnpriced, 'call')} still ${r.stillUnpriced === 1 ? 'has' : 'have'} no price: see \`tokenmeter price --unpriced\`, and give ${r.stillUnpriced === 1 ? 'it' : 'them'} one in TOKENMETER_PRICING_FILE.`,
        ),
      );
    if (r.keptPrice)
      lines.push(
        o.dim(
          `${plural(r.keptPrice, 'call')} kept ${r.keptPrice === 1 ? 'its' : 'their'} stored price: the current catalog and pricing file have none for ${r.keptPrice === 1 ? 'it' : 'them'}.`,
        ),
      );
    if (dryRun && r.changed) lines.push(o.dim('Run again without --dry-run to write these prices.'));
    ctx.io.stdout.write(`${lines.join('\n')}\n`);
    return EXIT_OK;
  },
};
