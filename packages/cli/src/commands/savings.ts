// tokenmeter savings: what prompt caching and the batch/flex tiers saved, and where caching would.
import { bool, type CommandContext, type CommandSpec, STORE_FLAG, str } from '../command.js';
import { EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { csvRow } from '../format/csv.js';
import { formatUsd, nanosToDecimal, nanosToUsd } from '../format/money.js';
import { formatInt, formatShare } from '../format/numbers.js';
import { renderTable } from '../format/table.js';
import { aggregatePricer } from '../money/aggregate-price.js';
import { loadPricing } from '../money/pricing.js';
import {
  CACHEABLE_PROMPT_TOKENS,
  MIN_OPPORTUNITY_CALLS,
  type SavingsGroup,
  type SavingsResult,
  savings,
} from '../money/savings.js';
import { moneyRange, periodJson, readUsage } from '../money/usage-period.js';
import { RANGE_FLAGS } from '../query/flags.js';
import { NOT_SET, rangeLabel } from './cost.js';
import { signedUsd } from './reprice.js';

const hitRate = (g: Pick<SavingsGroup, 'cacheReadTokens' | 'inputTokens'>) =>
  g.inputTokens > 0 ? formatShare(g.cacheReadTokens, g.inputTokens) : '—';

function tiersText(g: SavingsGroup): string {
  const parts = Object.entries(g.tierCalls).map(([t, n]) => `${formatInt(n)} ${t}`);
  return parts.length ? parts.join(', ') : '—';
}

function table(r: SavingsResult, ctx: CommandContext): string {
  const row = (g: SavingsGroup, key: string) => [
    key,
    formatInt(g.calls),
    hitRate(g),
    signedUsd(g.cachingSavedNanos),
    tiersText(g),
    signedUsd(g.tierSavedNanos),
    formatUsd(g.listNanos),
    formatUsd(g.actualNanos),
  ];
  return renderTable(
    [
      { header: r.groupBy },
      { header: 'calls', align: 'right' },
      { header: 'cache hit', align: 'right' },
      { header: 'caching saved', align: 'right' },
      { header: 'tier calls', align: 'right' },
      { header: 'tier saved', align: 'right' },
      { header: 'list price', align: 'right' },
      { header: 'paid', align: 'right' },
    ],
    r.groups.map((g) => row(g, g.key ?? NOT_SET)),
    {
      styles: ctx.out,
      maxWidth: ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined,
      footer: row(r.totals, 'TOTAL'),
    },
  );
}

const CSV_COLUMNS = [
  'key',
  'calls',
  'input_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'caching_saved_usd',
  'tier_saved_usd',
  'list_usd',
  'paid_usd',
  'caching_saved_nanos',
  'tier_saved_nanos',
  'list_nanos',
  'paid_nanos',
];

export const savingsCommand: CommandSpec = {
  name: 'savings',
  summary: 'What prompt caching and batch/flex tiers saved, and where caching would save more',
  usage: 'savings [--today|--week|--month|--since WHEN --until WHEN] [--by feature|model] [--json|--csv]',
  description:
    'Against the list price of the same tokens (the prices tokenmeter uses: catalog and pricing\n' +
    'file): what cache reads saved over the input price, minus the premium paid for cache writes,\n' +
    'and what the batch and flex tiers saved over standard (priority costs more: negative). Then the\n' +
    `opportunity: features whose prompts are long (≥ ${formatInt(CACHEABLE_PROMPT_TOKENS)} input tokens a call, ≥ ${MIN_OPPORTUNITY_CALLS} calls) and rarely\n` +
    'read from the cache, priced at the hit rate of the best such feature. Default: this month.',
  flags: {
    ...RANGE_FLAGS,
    by: { type: 'string', value: 'feature|model', description: 'one row per feature (default) or per model' },
    json: { type: 'boolean', description: 'print JSON' },
    csv: { type: 'boolean', description: 'print CSV (one row per group)' },
    store: STORE_FLAG,
  },
  examples: [
    'tokenmeter savings                     # this month, by feature',
    'tokenmeter savings --since 30d --by model',
    "tokenmeter savings --month --json | jq '.opportunities[0]'",
  ],
  async run(ctx) {
    if (bool(ctx, 'json') && bool(ctx, 'csv'))
      throw new UsageError('--json and --csv cannot be used together', ctx.name);
    const by = str(ctx, 'by') ?? 'feature';
    if (by !== 'feature' && by !== 'model')
      throw new UsageError(`--by: "${by}" is not a breakdown here: use feature or model`, ctx.name);
    const range = moneyRange(ctx);
    const { pricing } = await loadPricing(ctx);
    const rows = readUsage(ctx, range, { model: undefined, feature: undefined, provider: undefined });
    const r = savings(rows, { groupBy: by, pricer: aggregatePricer(pricing) });
    if (bool(ctx, 'json')) {
      const usd = (g: SavingsGroup) => ({
        ...g,
        cacheHitRate: g.inputTokens > 0 ? g.cacheReadTokens / g.inputTokens : null,
        actualUsd: nanosToUsd(g.actualNanos),
        listUsd: nanosToUsd(g.listNanos),
        cachingSavedUsd: nanosToUsd(g.cachingSavedNanos),
        tierSavedUsd: nanosToUsd(g.tierSavedNanos),
      });
      ctx.io.stdout.write(
        `${JSON.stringify(
          {
            ...periodJson(range),
            ...r,
            groups: r.groups.map(usd),
            totals: usd(r.totals),
            opportunities: r.opportunities.map((o) => ({ ...o, wouldSaveUsd: nanosToUsd(o.wouldSaveNanos) })),
          },
          null,
          2,
        )}\n`,
      );
      return EXIT_OK;
    }
    if (bool(ctx, 'csv')) {
      let text = csvRow(CSV_COLUMNS);
      for (const g of r.groups)
        text += csvRow([
          g.key,
          g.calls,
          g.inputTokens,
          g.cacheReadTokens,
          g.cacheWriteTokens,
          nanosToDecimal(g.cachingSavedNanos),
          nanosToDecimal(g.tierSavedNanos),
          nanosToDecimal(g.listNanos),
          nanosToDecimal(g.actualNanos),
          g.cachingSavedNanos,
          g.tierSavedNanos,
          g.listNanos,
          g.actualNanos,
        ]);
      ctx.io.stdout.write(text);
      return EXIT_OK;
    }
    const o = ctx.out;
    ctx.io.stdout.write(`${o.bold(`Savings ${rangeLabel(range, ctx.now)}`)}\n\n`);
    if (r.totals.calls === 0) {
      ctx.io.stdout.write('No priced calls in this period.\n');
      return EXIT_OK;
    }
    ctx.io.stdout.write(table(r, ctx));
    const t = r.totals;
    const lines = [
      '',
      `Prompt caching saved ${formatUsd(t.cachingSavedNanos)} (${hitRate(t)} of input tokens read from the cache, cache writes' premium included); ` +
        `batch/flex tiers saved ${formatUsd(t.tierSavedNanos)}. Paid ${formatUsd(t.actualNanos)} of a ${formatUsd(t.listNanos)} list price.`,
    ];
    if (r.opportunities.length) {
      lines.push('', o.bold('Caching opportunity'));
      lines.push(
        renderTable(
          [
            { header: 'feature' },
            { header: 'calls', align: 'right' },
            { header: 'input/call', align: 'right' },
            { header: 'cache hit', align: 'right' },
            { header: 'at', align: 'right' },
            { header: 'would save', align: 'right' },
          ],
          r.opportunities.map((x) => [
            x.feature,
            formatInt(x.calls),
            formatInt(x.avgInputTokens),
            formatShare(x.hitRate, 1),
            `${formatShare(x.targetHitRate, 1)} (${x.benchmark})`,
            formatUsd(x.wouldSaveNanos),
          ]),
          { styles: ctx.out },
        ).trimEnd(),
      );
      lines.push(
        o.dim(
          'Long prompts with few cache reads: put the fixed part (instructions, tools, documents) first and keep it identical across calls;\n' +
            'prompt text is not stored, so repeated prefixes are inferred from prompt length. Priced at the best feature’s hit rate.',
        ),
      );
    }
    if (r.unpricedCalls)
      lines.push(o.yellow(`${formatInt(r.unpricedCalls)} calls had no price and are left out.`));
    if (r.averaged)
      lines.push(o.dim('Models with prices tiered by prompt size were priced at each day’s average call.'));
    ctx.io.stdout.write(`${lines.join('\n')}\n`);
    return EXIT_OK;
  },
};
