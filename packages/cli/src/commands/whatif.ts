// tokenmeter whatif: a period's real usage priced as if it had been sent to another model.
import { bool, type CommandContext, type CommandSpec, STORE_FLAG, str } from '../command.js';
import { CliError, EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { csvRow } from '../format/csv.js';
import { formatUsd, nanosToDecimal, nanosToUsd } from '../format/money.js';
import { formatInt } from '../format/numbers.js';
import { renderTable } from '../format/table.js';
import { aggregatePricer } from '../money/aggregate-price.js';
import { loadPricing } from '../money/pricing.js';
import { tokenRatios } from '../money/token-ratio.js';
import { moneyRange, periodJson, readUsage, TIERS } from '../money/usage-period.js';
import { type WhatIfGroup, type WhatIfResult, whatIf } from '../money/whatif.js';
import { RANGE_FLAGS } from '../query/flags.js';
import { NOT_SET, rangeLabel } from './cost.js';
import { suggestions } from './price.js';
import { signedUsd } from './reprice.js';

/** "+12.3%" of a change against a base; "—" without a base. */
export function signedPercent(change: number, base: number): string {
  if (base <= 0) return '—';
  const p = (change / base) * 100;
  return `${p > 0 ? '+' : ''}${p.toFixed(1)}%`;
}

function table(r: WhatIfResult, ctx: CommandContext): string {
  const row = (g: WhatIfGroup, key: string) => [
    key,
    formatInt(g.calls),
    formatInt(g.inputTokens),
    formatInt(g.outputTokens),
    formatInt(g.cacheReadTokens),
    formatUsd(g.actualNanos),
    formatUsd(g.targetNanos),
    signedUsd(g.targetNanos - g.actualNanos),
    signedPercent(g.targetNanos - g.actualNanos, g.actualNanos),
  ];
  return renderTable(
    [
      { header: r.groupBy },
      { header: 'calls', align: 'right' },
      { header: 'input tok', align: 'right' },
      { header: 'output tok', align: 'right' },
      { header: 'cache read', align: 'right' },
      { header: 'actual', align: 'right' },
      { header: `on ${r.target.model}${r.estimated ? ' ~' : ''}`, align: 'right' },
      { header: 'difference', align: 'right' },
      { header: '%', align: 'right' },
    ],
    r.groups.map((g) => row(g, g.key ?? NOT_SET)),
    {
      styles: ctx.out,
      maxWidth: ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined,
      footer: row(r.totals, 'TOTAL'),
    },
  );
}

/** The caveats printed under the table: what the figure does and does not account for. */
export function whatIfCaveats(r: WhatIfResult): string[] {
  const out: string[] = [];
  const adjusted = r.sources.filter((s) => s.ratio === 'tokenizer');
  const unadjusted = r.sources.filter((s) => s.ratio === 'no_tokenizer').map((s) => s.model ?? NOT_SET);
  out.push(
    'Token counts differ across tokenizers: the same prompt is a different number of tokens on another model.',
  );
  for (const s of adjusted)
    out.push(
      `  ${s.model}: counts × ${s.tokenRatio.toFixed(3)} (its tokenizer and ${r.target.model}'s on a fixed sample text): the figure is estimated (~).`,
    );
  if (unadjusted.length)
    out.push(
      `  Not tokenizer-adjusted (no published tokenizer for one side): ${unadjusted.slice(0, 6).join(', ')}${unadjusted.length > 6 ? ', …' : ''}.`,
    );
  if (r.totals.cacheReadTokens + r.totals.cacheWriteTokens > 0)
    out.push(
      `Cache reads and writes are priced at ${r.target.model}'s cache prices (or its input price when it has none), as if its cache hit the same prompts.`,
    );
  if (r.totals.reasoningTokens > 0)
    out.push(
      `${formatInt(r.totals.reasoningTokens)} output tokens were reasoning: another model would think more, less or not at all.`,
    );
  if (r.averaged)
    out.push(
      `${r.target.model} has prices tiered by prompt size: applied at each day's average call per feature and model.`,
    );
  for (const t of r.tierFallbacks)
    out.push(`${r.target.model} has no ${t} price: those calls are priced at standard.`);
  if (r.unpricedCalls > 0)
    out.push(
      `${formatInt(r.unpricedCalls)} call${r.unpricedCalls === 1 ? '' : 's'} had no price: their actual cost is unknown, so they are left out of both columns.`,
    );
  out.push('Price only: quality, latency and rate limits are not compared.');
  return out;
}

export const whatifCommand: CommandSpec = {
  name: 'whatif',
  summary: "What a period's calls would have cost on another model",
  usage:
    'whatif --model TARGET [--from MODEL|--feature F|--provider P] [--today|--week|--month|--since WHEN --until WHEN] [--tier batch|flex|priority] [--json|--csv]',
  description:
    "The period's real usage (input, output, cache reads and writes, reasoning) priced as if it\n" +
    'had been sent to TARGET, at the prices in effect each day, per feature (or --by model) and in\n' +
    'total, beside what it cost. Default: this month, every priced call, each at the tier it was\n' +
    'priced at. Where a tokenizer exists for both models (OpenAI) the token counts are scaled by\n' +
    'their ratio and the figure is marked estimated (~); the caveats say what else it assumes.',
  flags: {
    model: { type: 'string', value: 'TARGET', description: 'the model to price the calls on (required)' },
    from: {
      type: 'string',
      value: 'MODEL',
      description: 'only calls to this model (request or response model)',
    },
    feature: { type: 'string', value: 'NAME', description: 'only calls of this feature' },
    provider: { type: 'string', value: 'NAME', description: 'only calls to this provider' },
    ...RANGE_FLAGS,
    tier: {
      type: 'string',
      value: 'TIER',
      description: 'price every call at batch, flex or priority on TARGET',
    },
    by: { type: 'string', value: 'feature|model', description: 'one row per feature (default) or per model' },
    json: { type: 'boolean', description: 'print JSON' },
    csv: { type: 'boolean', description: 'print CSV (one row per group)' },
    store: STORE_FLAG,
  },
  examples: [
    'tokenmeter whatif --model gpt-4.1-mini --from gpt-4o          # last month on a cheaper model',
    'tokenmeter whatif --model claude-haiku-4-5 --feature support-chat --since 30d',
    'tokenmeter whatif --model gpt-4o-mini --provider openai --tier batch --month',
    'tokenmeter whatif --model gemini-2.5-flash --json | jq .totals',
  ],
  async run(ctx) {
    if (bool(ctx, 'json') && bool(ctx, 'csv'))
      throw new UsageError('--json and --csv cannot be used together', ctx.name);
    const targetName = str(ctx, 'model');
    if (targetName === undefined || targetName.trim() === '')
      throw new UsageError(
        '--model TARGET is required: the model to price the calls on, e.g. --model gpt-4o-mini',
        ctx.name,
      );
    const tier = str(ctx, 'tier');
    if (tier !== undefined && !(TIERS as readonly string[]).includes(tier))
      throw new UsageError(`--tier: "${tier}" is not a tier: use batch, flex or priority`, ctx.name);
    const by = str(ctx, 'by') ?? 'feature';
    if (by !== 'feature' && by !== 'model')
      throw new UsageError(`--by: "${by}" is not a breakdown here: use feature or model`, ctx.name);
    const range = moneyRange(ctx);
    const { pricing } = await loadPricing(ctx);
    const explanation = pricing.explainPrice(undefined, targetName, ctx.now);
    if (!explanation)
      throw new CliError(
        `--model: no price for "${targetName}" in ${pricing.catalogVersion} or the pricing file.`,
        {
          hint: `Closest catalog names:\n${suggestions(targetName, pricing.listCatalogModels())
            .map((s) => `  ${s}`)
            .join('\n')}`,
        },
      );
    const target = { provider: explanation.provider, model: explanation.modelId };
    const rows = readUsage(ctx, range, {
      model: str(ctx, 'from'),
      feature: str(ctx, 'feature'),
      provider: str(ctx, 'provider'),
    });
    const ratios = await tokenRatios(
      target.model,
      rows.map((r) => r.responseModel ?? r.requestModel),
    );
    const result = whatIf(rows, {
      target,
      ...(tier !== undefined ? { tier } : {}),
      groupBy: by,
      pricer: aggregatePricer(pricing),
      tokenRatio: ratios,
    });
    const caveats = whatIfCaveats(result);
    if (bool(ctx, 'json')) {
      const usd = (g: WhatIfGroup) => ({
        ...g,
        actualUsd: nanosToUsd(g.actualNanos),
        targetUsd: nanosToUsd(g.targetNanos),
      });
      ctx.io.stdout.write(
        `${JSON.stringify(
          {
            ...periodJson(range),
            ...result,
            tier: tier ?? null,
            groups: result.groups.map(usd),
            totals: usd(result.totals),
            caveats,
          },
          null,
          2,
        )}\n`,
      );
      return EXIT_OK;
    }
    if (bool(ctx, 'csv')) {
      let text = csvRow([
        by,
        'calls',
        'input_tokens',
        'output_tokens',
        'cache_read_tokens',
        'cache_write_tokens',
        'reasoning_tokens',
        'actual_usd',
        'target_usd',
        'actual_nanos',
        'target_nanos',
      ]);
      for (const g of result.groups)
        text += csvRow([
          g.key,
          g.calls,
          g.inputTokens,
          g.outputTokens,
          g.cacheReadTokens,
          g.cacheWriteTokens,
          g.reasoningTokens,
          nanosToDecimal(g.actualNanos),
          nanosToDecimal(g.targetNanos),
          g.actualNanos,
          g.targetNanos,
        ]);
      ctx.io.stdout.write(text);
      return EXIT_OK;
    }
    const o = ctx.out;
    ctx.io.stdout.write(
      `${o.bold(`What-if: ${rangeLabel(range, ctx.now)} on ${target.model} (${target.provider})${tier ? ` at the ${tier} tier` : ''}`)}\n\n`,
    );
    if (result.totals.calls === 0) {
      ctx.io.stdout.write(
        `No priced calls in this period${rows.length ? '' : ' match the filters'}.${result.unpricedCalls ? ` ${formatInt(result.unpricedCalls)} calls had no price.` : ''}\n`,
      );
      return EXIT_OK;
    }
    ctx.io.stdout.write(table(result, ctx));
    const t = result.totals;
    const diff = t.targetNanos - t.actualNanos;
    ctx.io.stdout.write(
      `\n${result.estimated ? '~' : ''}${formatUsd(t.targetNanos)} on ${target.model} instead of ${formatUsd(t.actualNanos)}: ` +
        `${diff <= 0 ? `${formatUsd(-diff)} less` : `${formatUsd(diff)} more`} (${signedPercent(diff, t.actualNanos)}).\n\n` +
        `${o.dim(['Caveats:', ...caveats.map((c) => (c.startsWith('  ') ? `  ${c}` : `- ${c}`))].join('\n'))}\n`,
    );
    return EXIT_OK;
  },
};
