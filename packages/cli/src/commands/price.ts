// tokenmeter price: what a call to a model costs and which catalog entry (and source) priced it;
// `price --unpriced`: models seen in the store without a price.
import type { PriceExplanation, PriceTableUsd } from '@tokenmeter/pricing';
import { bool, type CommandContext, type CommandSpec, closest, STORE_FLAG, str } from '../command.js';
import { CliError, EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { formatUsd } from '../format/money.js';
import { formatInt } from '../format/numbers.js';
import { renderTable } from '../format/table.js';
import { loadPricing } from '../money/pricing.js';
import { formatDateTime, machineTimeZone, parseInstant } from '../query/time.js';
import { openForRead } from '../store-access.js';

const PRICE_LABELS: Record<string, string> = {
  input_mtok: 'input',
  cache_read_mtok: 'cache read',
  cache_write_mtok: 'cache write (5 min)',
  cache_write_1h_mtok: 'cache write (1 h)',
  output_mtok: 'output',
  output_reasoning_mtok: 'reasoning output',
  input_audio_mtok: 'audio input',
  cache_audio_read_mtok: 'audio cache read',
  output_audio_mtok: 'audio output',
  requests_kcount: 'per 1K requests',
};

/** USD per unit with up to 6 decimals, at least 2: 0.075 → "$0.075", 15 → "$15.00". */
export function formatRate(usd: number): string {
  let t = usd.toFixed(6).replace(/0+$/, '');
  const decimals = t.length - t.indexOf('.') - 1;
  if (decimals < 2) t += '0'.repeat(2 - decimals);
  return `$${t}`;
}

function rateText(v: PriceTableUsd[keyof PriceTableUsd]): string {
  if (v === undefined) return '—';
  if (typeof v === 'number') return formatRate(v);
  const tiers = v.tiers
    .map((t) => `${formatRate(t.price)} above ${formatInt(t.start)} input tokens`)
    .join(', ');
  return `${formatRate(v.base)} (${tiers})`;
}

const TOKEN_FLAGS = ['input', 'output', 'cache-read', 'cache-write', 'reasoning'] as const;

function tokenCount(ctx: CommandContext, flag: string): number | undefined {
  const v = str(ctx, flag);
  if (v === undefined) return undefined;
  const t = v.replace(/[_,]/g, '');
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(t);
  const n = m ? Number(m[1]) * (m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1e3 : 1e6) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0)
    throw new UsageError(
      `--${flag}: "${v}" is not a token count (a whole number like 1200, 15k or 1.5M)`,
      ctx.name,
    );
  return n;
}

export function suggestions(model: string, names: { provider: string; modelId: string }[]): string[] {
  const ids = [...new Set(names.map((n) => n.modelId))];
  const near = closest(model, ids, 5);
  const lower = model.toLowerCase();
  const contains = ids.filter((id) => id.toLowerCase().includes(lower) || lower.includes(id.toLowerCase()));
  const picked = [...new Set([...near, ...contains.sort((a, b) => a.length - b.length)])].slice(0, 6);
  return picked.map((id) => {
    const providers = names.filter((n) => n.modelId === id).map((n) => n.provider);
    return `${id} (${[...new Set(providers)].join(', ')})`;
  });
}

function explanationToJson(e: PriceExplanation) {
  return e;
}

async function unpriced(ctx: CommandContext): Promise<number> {
  const store = openForRead(ctx);
  try {
    const since = str(ctx, 'since');
    const filter: { since?: number } = {};
    if (since !== undefined) {
      const ms = parseInstant(since, { now: ctx.now, timeZone: machineTimeZone() });
      if (ms === undefined)
        throw new UsageError(
          `--since: "${since}": expected a date like 2026-11-01 or a duration like 7d`,
          ctx.name,
        );
      filter.since = ms;
    }
    const rows = store.unpricedModels(filter);
    if (bool(ctx, 'json')) {
      ctx.io.stdout.write(`${JSON.stringify({ models: rows }, null, 2)}\n`);
      return EXIT_OK;
    }
    if (rows.length === 0) {
      ctx.io.stdout.write(
        `${ctx.out.green('✓')} Every call with token usage in ${store.path} has a price.\n`,
      );
      return EXIT_OK;
    }
    const tz = machineTimeZone();
    ctx.io.stdout.write(
      renderTable(
        [
          { header: 'provider' },
          { header: 'model' },
          { header: 'calls', align: 'right' },
          { header: 'first seen' },
          { header: 'last seen' },
          { header: 'reason' },
        ],
        rows.map((r) => [
          r.provider,
          r.model,
          formatInt(r.calls),
          formatDateTime(r.firstSeenMs, tz),
          formatDateTime(r.lastSeenMs, tz),
          r.reason,
        ]),
        { styles: ctx.out, maxWidth: ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined },
      ),
    );
    ctx.io.stdout.write(
      `\n${ctx.out.dim('These calls count as unpriced, never $0. Give them a price in a pricing file:')}\n` +
        `${ctx.out.dim('  TOKENMETER_PRICING_FILE=prices.yaml, with `models: [{ id, match, prices: { input_mtok, output_mtok } }]`')}\n` +
        `${ctx.out.dim('  (see the @tokenmeter/pricing README, "Overrides file").')}\n`,
    );
    if (rows.some((r) => r.reason === 'invalid_usage'))
      ctx.io.stdout.write(
        `${ctx.out.yellow('invalid_usage: the provider reported token counts that are not valid (negative, fractional, infinite, above 1e12, or cached tokens above the input); a price will not help: look at the server or the proxy in between.')}\n`,
      );
    return EXIT_OK;
  } finally {
    store.close();
  }
}

export const priceCommand: CommandSpec = {
  name: 'price',
  summary: 'What a call to a model costs, and which catalog entry and source priced it',
  usage:
    'price <model> [--provider P] [--input N --output N --cache-read N --cache-write N --reasoning N] [--tier T] [--at DATE] [--json]\n  tokenmeter price --unpriced [--since WHEN] [--json]',
  description:
    'Prices are USD per million tokens from the bundled catalog (@pydantic/genai-prices), under the\n' +
    'overrides of TOKENMETER_PRICING_FILE. Token counts follow OpenTelemetry: --input includes cached\n' +
    'tokens (--cache-read, --cache-write) and --output includes --reasoning.',
  flags: {
    provider: {
      type: 'string',
      value: 'NAME',
      description:
        'provider (openai, anthropic, gcp.gemini, aws.bedrock, azure.ai.openai, ...); default: inferred',
    },
    input: {
      type: 'string',
      value: 'N',
      description: 'input tokens, cached ones included (15k and 1.5M work)',
    },
    output: { type: 'string', value: 'N', description: 'output tokens, reasoning included' },
    'cache-read': {
      type: 'string',
      value: 'N',
      description: 'of the input, tokens read from the prompt cache',
    },
    'cache-write': {
      type: 'string',
      value: 'N',
      description: 'of the input, tokens written to the prompt cache',
    },
    reasoning: { type: 'string', value: 'N', description: 'of the output, reasoning tokens' },
    tier: {
      type: 'string',
      value: 'TIER',
      description: 'service tier: flex, priority or batch (default standard)',
    },
    at: { type: 'string', value: 'DATE', description: 'prices in effect at this date (default now)' },
    unpriced: { type: 'boolean', description: 'list models seen in the store without a price, with counts' },
    since: {
      type: 'string',
      value: 'WHEN',
      description: 'with --unpriced: only calls since (7d, 2026-11-01)',
    },
    json: { type: 'boolean', description: 'print JSON' },
    store: STORE_FLAG,
  },
  positionals: { min: 0, max: 1, names: 'a model name' },
  examples: [
    'tokenmeter price gpt-4o-mini',
    'tokenmeter price claude-sonnet-4-5 --input 12000 --cache-read 10000 --output 800',
    'tokenmeter price o4-mini --input 2k --output 1k --reasoning 600 --tier flex',
    'tokenmeter price gemini-2.5-pro --provider gcp.vertex_ai --input 250k --output 2k',
    'tokenmeter price gpt-4o --at 2025-01-01 --json',
    'tokenmeter price --unpriced',
  ],
  async run(ctx) {
    if (bool(ctx, 'unpriced')) {
      if (ctx.positionals.length > 0) throw new UsageError('--unpriced takes no model name', ctx.name);
      return unpriced(ctx);
    }
    const model = ctx.positionals[0];
    if (model === undefined)
      throw new UsageError('missing the model name, e.g. `tokenmeter price gpt-4o-mini`', ctx.name);
    const tier = str(ctx, 'tier');
    if (tier !== undefined && !['flex', 'priority', 'batch', 'standard'].includes(tier))
      throw new UsageError(`--tier: "${tier}" is not a tier: use flex, priority or batch`, ctx.name);
    let at: number | undefined;
    const atText = str(ctx, 'at');
    if (atText !== undefined) {
      at = parseInstant(atText, { now: ctx.now, timeZone: 'UTC' });
      if (at === undefined)
        throw new UsageError(`--at: "${atText}": expected a date like 2026-11-01`, ctx.name);
    }
    const counts: Record<string, number | undefined> = {};
    for (const f of TOKEN_FLAGS) counts[f] = tokenCount(ctx, f);
    const withUsage = TOKEN_FLAGS.some((f) => counts[f] !== undefined);

    const { pricing, file } = await loadPricing(ctx);
    const provider = str(ctx, 'provider');
    const explanation = pricing.explainPrice(provider, model, at ?? ctx.now);
    if (!explanation) {
      const near = suggestions(
        model,
        pricing
          .listCatalogModels()
          .filter(
            (m) =>
              provider === undefined ||
              m.provider === provider ||
              m.providerName.toLowerCase() === provider.toLowerCase(),
          ),
      );
      throw new CliError(
        `No price for "${model}"${provider ? ` from provider ${provider}` : ''} in ${pricing.catalogVersion}${file ? ' or the pricing file' : ''}.`,
        {
          hint:
            (near.length ? `Closest catalog names:\n${near.map((n) => `  ${n}`).join('\n')}\n` : '') +
            'A custom or self-hosted model gets its price from a pricing file (TOKENMETER_PRICING_FILE).',
        },
      );
    }
    let cost: import('@tokenmeter/pricing').PriceCallResult | undefined;
    if (withUsage) {
      const input = counts.input ?? 0;
      const usage = {
        inputTokens: input,
        outputTokens: counts.output ?? 0,
        cacheReadTokens: counts['cache-read'] ?? 0,
        cacheWriteTokens: counts['cache-write'] ?? 0,
        reasoningTokens: counts.reasoning ?? 0,
      };
      cost = pricing.priceCall({
        provider: provider ?? explanation.provider,
        model,
        usage,
        timestamp: at ?? ctx.now,
        ...(tier === 'batch' ? { batch: true } : tier && tier !== 'standard' ? { serviceTier: tier } : {}),
      });
      if (!cost.cost) {
        const why = cost.error?.message ?? cost.reason ?? cost.match;
        throw new CliError(`Cannot price this call: ${why}`, {
          exitCode: cost.reason === 'invalid_input' || cost.reason === 'no_usage' ? 2 : 1,
          hint: 'Token counts follow OpenTelemetry: --input includes --cache-read and --cache-write; --output includes --reasoning.',
        });
      }
    }
    if (bool(ctx, 'json')) {
      ctx.io.stdout.write(
        `${JSON.stringify({ model, entry: explanationToJson(explanation), ...(cost ? { cost: cost.cost, requestedTier: cost.requestedTier } : {}) }, null, 2)}\n`,
      );
      return EXIT_OK;
    }
    const o = ctx.out;
    const e = explanation;
    const out: string[] = [];
    out.push(
      `${o.bold(model)}  priced as ${o.bold(`${e.provider} / ${e.modelId}`)}${e.name ? ` (${e.name})` : ''}, ${e.match} match`,
    );
    out.push(
      o.dim(
        `source: ${e.source} ${e.version} · prices in effect at ${e.at.slice(0, 10)}${e.constraint && 'start_date' in e.constraint ? ` (since ${e.constraint.start_date})` : ''}${e.contextWindow ? ` · context window ${formatInt(e.contextWindow)} tokens` : ''}`,
      ),
      '',
    );
    const rates = Object.entries(e.prices).map(([k, v]) => [PRICE_LABELS[k] ?? k, rateText(v)]);
    out.push(
      renderTable([{ header: 'price' }, { header: 'usd per 1m tokens' }], rates, { styles: o }).trimEnd(),
    );
    if (e.discount !== 1)
      out.push(`Your discount for ${e.provider}: ×${e.discount} (applied to these catalog prices)`);
    if (e.serviceTiers.length) {
      out.push('', o.bold('Service tiers'));
      for (const t of e.serviceTiers) {
        const rule =
          t.multiplier !== undefined
            ? `×${t.multiplier}`
            : Object.entries(t.prices ?? {})
                .map(([k, v]) => `${PRICE_LABELS[k] ?? k} ${rateText(v)}`)
                .join(', ');
        out.push(`  ${t.tier.padEnd(9)} ${rule}`);
      }
    }
    if (e.otherUnits.length)
      out.push(
        '',
        o.dim(`Also priced by the provider, not counted by tokenmeter: ${e.otherUnits.join(', ')}`),
      );
    if (e.priceComments) out.push(o.dim(`Note: ${e.priceComments}`));
    if (e.pricingUrls.length) out.push(o.dim(`Pricing page: ${e.pricingUrls[0]}`));
    if (cost?.cost) {
      const c = cost.cost;
      const u = {
        input: counts.input ?? 0,
        read: counts['cache-read'] ?? 0,
        write: counts['cache-write'] ?? 0,
        output: counts.output ?? 0,
        reasoning: counts.reasoning ?? 0,
      };
      out.push('', o.bold(`This call${c.serviceTier !== 'standard' ? ` (${c.serviceTier} tier)` : ''}`));
      const rows = [
        ['input (uncached)', formatInt(Math.max(0, u.input - u.read - u.write)), formatUsd(c.inputNanos)],
        ['cache read', formatInt(u.read), formatUsd(c.cacheReadNanos)],
        ['cache write', formatInt(u.write), formatUsd(c.cacheWriteNanos)],
        ['output', formatInt(u.output), formatUsd(c.outputNanos)],
      ];
      if (u.reasoning) rows.push(['  of which reasoning', formatInt(u.reasoning), '']);
      if (c.requestNanos) rows.push(['per-request fee', '', formatUsd(c.requestNanos)]);
      out.push(
        renderTable(
          [{ header: 'tokens' }, { header: 'count', align: 'right' }, { header: 'cost', align: 'right' }],
          rows,
          {
            styles: o,
            footer: ['total', formatInt(u.input + u.output), formatUsd(c.totalNanos)],
          },
        ).trimEnd(),
      );
      out.push(o.dim(`exactly ${formatInt(c.totalNanos)} nano-USD`));
      if (tier && tier !== 'standard' && c.serviceTier !== tier)
        out.push(o.yellow(`No ${tier} price for this model: priced at the ${c.serviceTier} rate.`));
    }
    ctx.io.stdout.write(`${out.join('\n')}\n`);
    return EXIT_OK;
  },
};
