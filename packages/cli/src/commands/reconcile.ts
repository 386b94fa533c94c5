// tokenmeter reconcile: the provider's own cost and usage reports beside the store, per day × model.
import { bool, type CommandContext, type CommandSpec, STORE_FLAG, str } from '../command.js';
import { EXIT_DRIFT_EXCEEDED, EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { csvRow } from '../format/csv.js';
import { formatUsd, nanosToDecimal } from '../format/money.js';
import { formatInt } from '../format/numbers.js';
import { renderTable } from '../format/table.js';
import { adminApi, RECONCILE_PROVIDERS, type ReconcileProvider } from '../money/provider-bill.js';
import { driftExceeds, type ReconcileBy, type ReconcileRow } from '../money/reconcile.js';
import { reconcileJson } from '../money/reconcile-json.js';
import {
  MAX_RECONCILE_DAYS,
  type ReconcileRun,
  reconcileRange,
  runReconcile,
} from '../money/reconcile-period.js';
import { flagSource, RANGE_FLAGS, withFlagErrors } from '../query/flags.js';
import { formatDate } from '../query/time.js';
import { openForRead } from '../store-access.js';
import { signedUsd } from './reprice.js';
import { signedPercent } from './whatif.js';

/** Drift beyond this is highlighted when no --fail-above is given. */
const HIGHLIGHT_PERCENT = 5;

const tokens = (s: { inputTokens: number; outputTokens: number }) => s.inputTokens + s.outputTokens;

export function driftText(r: ReconcileRow): string {
  if (r.driftPercent === null) return r.tokenmeter.costNanos > 0 ? 'not billed' : '—';
  return signedPercent(r.driftNanos, r.provider.costNanos);
}

/** The people's table of a run (also used by `demo --reconcile`). */
export function reconcileTable(
  run: ReconcileRun,
  ctx: Pick<CommandContext, 'out' | 'io'>,
  highlight: number,
): string {
  const { result } = run;
  const dayCol = result.by !== 'model';
  const modelCol = result.by !== 'day';
  const paint = (r: ReconcileRow, s: string) =>
    r.driftPercent === null
      ? r.tokenmeter.costNanos > 0
        ? ctx.out.yellow(s)
        : s
      : Math.abs(r.driftPercent) > highlight
        ? ctx.out.red(s)
        : s;
  const row = (r: ReconcileRow, total: boolean) => [
    ...(dayCol ? [total ? 'TOTAL' : formatDate(r.dayMs!, 'UTC')] : []),
    ...(modelCol ? [total ? (dayCol ? '' : 'TOTAL') : (r.model ?? '(not per model)')] : []),
    formatUsd(r.provider.costNanos),
    formatUsd(r.tokenmeter.costNanos),
    paint(r, signedUsd(r.driftNanos)),
    paint(r, driftText(r)),
    formatInt(tokens(r.provider)),
    formatInt(tokens(r.tokenmeter)),
    formatInt(r.tokenmeter.calls),
    r.neverSawNanos > 0 ? formatUsd(r.neverSawNanos) : '—',
  ];
  return renderTable(
    [
      ...(dayCol ? [{ header: 'day (UTC)' }] : []),
      ...(modelCol ? [{ header: 'model' }] : []),
      { header: run.provider, align: 'right' as const },
      { header: 'tokenmeter', align: 'right' as const },
      { header: 'drift', align: 'right' as const },
      { header: 'drift %', align: 'right' as const },
      { header: `${run.provider} tok`, align: 'right' as const },
      { header: 'tokenmeter tok', align: 'right' as const },
      { header: 'calls', align: 'right' as const },
      { header: 'never saw', align: 'right' as const },
    ],
    result.rows.map((r) => row(r, false)),
    {
      styles: ctx.out,
      maxWidth: ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined,
      footer: row(result.totals, true),
    },
  );
}

const CSV_COLUMNS = [
  'day',
  'model',
  'provider_cost_usd',
  'tokenmeter_cost_usd',
  'drift_usd',
  'drift_percent',
  'never_saw_usd',
  'provider_input_tokens',
  'provider_cache_read_tokens',
  'provider_cache_write_tokens',
  'provider_output_tokens',
  'provider_requests',
  'tokenmeter_input_tokens',
  'tokenmeter_cache_read_tokens',
  'tokenmeter_cache_write_tokens',
  'tokenmeter_output_tokens',
  'tokenmeter_calls',
  'provider_cost_nanos',
  'tokenmeter_cost_nanos',
  'never_saw_nanos',
];

export function reconcileCsv(run: ReconcileRun): string {
  let text = csvRow(CSV_COLUMNS);
  for (const r of run.result.rows)
    text += csvRow([
      r.dayMs === null ? null : formatDate(r.dayMs, 'UTC'),
      r.model,
      nanosToDecimal(r.provider.costNanos),
      nanosToDecimal(r.tokenmeter.costNanos),
      nanosToDecimal(r.driftNanos),
      r.driftPercent === null ? null : r.driftPercent.toFixed(4),
      nanosToDecimal(r.neverSawNanos),
      r.provider.inputTokens,
      r.provider.cacheReadTokens,
      r.provider.cacheWriteTokens,
      r.provider.outputTokens,
      r.provider.requests,
      r.tokenmeter.inputTokens,
      r.tokenmeter.cacheReadTokens,
      r.tokenmeter.cacheWriteTokens,
      r.tokenmeter.outputTokens,
      r.tokenmeter.calls,
      r.provider.costNanos,
      r.tokenmeter.costNanos,
      r.neverSawNanos,
    ]);
  return text;
}

/** The sentence under the table. */
export function reconcileSummary(run: ReconcileRun): string {
  const t = run.result.totals;
  return (
    `tokenmeter recorded ${formatUsd(t.tokenmeter.costNanos)}; ${run.provider} reports ${formatUsd(t.provider.costNanos)}` +
    ` (drift ${signedUsd(t.driftNanos)}, ${driftText(t)})` +
    (t.neverSawNanos > 0 ? `; about ${formatUsd(t.neverSawNanos)} of it on calls tokenmeter never saw.` : '.')
  );
}

/** What the figures mean, under the table. */
export function reconcileNotes(run: ReconcileRun): string[] {
  const t = run.result.totals;
  const out = [
    `${run.provider}'s reports are per UTC day and lag (usage by minutes, cost by up to a day): today's row may be short on the provider side.`,
    'never saw: provider spend on tokens tokenmeter has no record of (processes without the preload, other keys, the console, batch jobs), estimated from token counts.',
    'Models are matched without their date stamp (gpt-4o-2024-08-06 = gpt-4o).',
  ];
  if (run.provider === 'openai')
    out.push(
      "Provider tokens are the completions usage report's; embeddings, images and audio appear in its cost only.",
    );
  if (t.tokenmeter.unpricedCalls > 0)
    out.push(
      `${formatInt(t.tokenmeter.unpricedCalls)} calls in the store have no price (see \`tokenmeter price --unpriced\`, then \`tokenmeter reprice\`).`,
    );
  return out;
}

export const reconcileCommand: CommandSpec = {
  name: 'reconcile',
  summary: "Compare the store with the provider's own cost and usage reports, per day and model",
  usage:
    'reconcile --provider openai|anthropic [--today|--week|--month|--since WHEN --until WHEN] [--by day|model] [--json|--csv] [--fail-above PCT]',
  description:
    "Reads the provider's organisation cost and usage reports with an admin key from the\n" +
    'environment (OPENAI_ADMIN_KEY: /organization/costs and /organization/usage/completions;\n' +
    'ANTHROPIC_ADMIN_KEY: /v1/organizations/cost_report and /usage_report/messages) at OPENAI_BASE_URL\n' +
    '(default https://api.openai.com/v1) or ANTHROPIC_BASE_URL (default https://api.anthropic.com), and\n' +
    'compares them with the store per UTC day × model: both costs, the drift, tokens on both sides,\n' +
    'and the spend tokenmeter never saw. Default: this month (UTC days), one row per day and model.\n' +
    `Exit code 4 when the total drift is beyond --fail-above. At most ${MAX_RECONCILE_DAYS} days at once.`,
  flags: {
    provider: { type: 'string', value: 'openai|anthropic', description: 'whose reports to read (required)' },
    ...RANGE_FLAGS,
    by: {
      type: 'string',
      value: 'day|model',
      description: 'one row per day or per model (default: day × model)',
    },
    json: { type: 'boolean', description: 'print JSON' },
    csv: { type: 'boolean', description: 'print CSV (one row per line of the table)' },
    'fail-above': {
      type: 'string',
      value: 'PCT',
      description: 'exit 4 when the total drift is more than PCT percent either way (e.g. 2)',
    },
    store: STORE_FLAG,
  },
  examples: [
    'OPENAI_ADMIN_KEY=sk-admin-… tokenmeter reconcile --provider openai      # this month, day × model',
    'tokenmeter reconcile --provider anthropic --since 7d --by model',
    'tokenmeter reconcile --provider openai --month --fail-above 2         # in CI: exit 4 beyond 2%',
    "tokenmeter reconcile --provider openai --json | jq '.totals.driftPercent'",
  ],
  async run(ctx) {
    if (bool(ctx, 'json') && bool(ctx, 'csv'))
      throw new UsageError('--json and --csv cannot be used together', ctx.name);
    const providerText = str(ctx, 'provider');
    if (providerText === undefined)
      throw new UsageError('--provider is required: --provider openai or --provider anthropic', ctx.name);
    const provider = providerText.trim().toLowerCase();
    if (!(RECONCILE_PROVIDERS as readonly string[]).includes(provider))
      throw new UsageError(
        `--provider: "${providerText}" has no admin cost API tokenmeter reads: use openai or anthropic`,
        ctx.name,
      );
    const byText = str(ctx, 'by');
    if (byText !== undefined && byText !== 'day' && byText !== 'model')
      throw new UsageError(
        `--by: "${byText}" is not a breakdown here: use day or model (default: both)`,
        ctx.name,
      );
    const by: ReconcileBy = byText === 'day' ? 'day' : byText === 'model' ? 'model' : 'day-model';
    const failText = str(ctx, 'fail-above');
    let failAbove: number | null = null;
    if (failText !== undefined) {
      const n = Number(failText.trim().replace(/%$/, ''));
      if (failText.trim() === '' || !Number.isFinite(n) || n < 0)
        throw new UsageError(
          `--fail-above: "${failText}" is not a percentage: use a number like 2 or 0.5`,
          ctx.name,
        );
      failAbove = n;
    }
    const range = withFlagErrors(ctx, () => reconcileRange(flagSource(ctx), ctx.now));
    const api = adminApi(provider as ReconcileProvider, ctx.io.env);
    const store = openForRead(ctx);
    let run: ReconcileRun;
    try {
      run = await runReconcile(api, provider as ReconcileProvider, range, by, store);
    } finally {
      store.close();
    }
    const exceeded = failAbove !== null && driftExceeds(run.result.totals, failAbove);
    const code = exceeded ? EXIT_DRIFT_EXCEEDED : EXIT_OK;
    if (bool(ctx, 'json')) {
      ctx.io.stdout.write(`${JSON.stringify(reconcileJson(run, failAbove), null, 2)}\n`);
      return code;
    }
    if (bool(ctx, 'csv')) {
      ctx.io.stdout.write(reconcileCsv(run));
      return code;
    }
    const o = ctx.out;
    ctx.io.stdout.write(
      `${o.bold(`Reconcile ${provider}: ${formatDate(range.since, 'UTC')} → ${formatDate(range.until - 1, 'UTC')} (UTC days)`)}\n\n`,
    );
    if (run.result.rows.length === 0) {
      ctx.io.stdout.write(`Neither ${provider} nor the store has any spend in this period.\n`);
      return code;
    }
    ctx.io.stdout.write(reconcileTable(run, ctx, failAbove ?? HIGHLIGHT_PERCENT));
    ctx.io.stdout.write(`\n${reconcileSummary(run)}\n`);
    if (failAbove !== null)
      ctx.io.stdout.write(
        exceeded
          ? `${o.red(`Drift is beyond --fail-above ${failAbove}%: exit code 4.`)}\n`
          : `${o.green(`Drift is within --fail-above ${failAbove}%.`)}\n`,
      );
    ctx.io.stdout.write(
      `\n${o.dim(
        reconcileNotes(run)
          .map((n) => `- ${n}`)
          .join('\n'),
      )}\n`,
    );
    if (run.result.rows.some((r) => r.model === null && r.provider.costNanos > 0))
      ctx.io.stdout.write(
        `${o.dim(`- (not per model): ${provider} spend without a model (tools, web search, ...).`)}\n`,
      );
    return code;
  },
};
