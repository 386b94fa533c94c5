// tokenmeter budget set|list|rm|status: spending limits per day, week or month, for all calls or a
// tenant / feature / provider. `budget status` exits 3 when a budget is exceeded (for CI and cron).
import type { Budget, BudgetPeriod } from '@tokenmeter/store';
import { bool, type CommandContext, type CommandSpec, renderHelp, STORE_FLAG, str } from '../command.js';
import { CliError, EXIT_BUDGET_EXCEEDED, EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { formatUsd, nanosToUsd, parseUsdToNanos } from '../format/money.js';
import { renderTable } from '../format/table.js';
import { flagSource, RANGE_FLAGS, withFlagErrors } from '../query/flags.js';
import { budgetScope, budgetToJson } from '../query/json.js';
import { parseTimeZone } from '../query/params.js';
import { formatDate } from '../query/time.js';
import { openForRead, openForWrite } from '../store-access.js';

const PERIODS: BudgetPeriod[] = ['day', 'week', 'month'];

function budgetJson(b: Budget) {
  return { ...b, limitUsd: nanosToUsd(b.limitNanos), scope: budgetScope(b) };
}

export const budgetSetCommand: CommandSpec = {
  name: 'budget set',
  summary: 'Create a budget, or update the one with the same period and scope',
  usage:
    'budget set <amount-usd> --period day|week|month [--tenant T] [--feature F] [--provider P] [--warn-at 0.8]',
  description:
    'A budget is a limit on the spend of a calendar day, ISO week (Monday first) or month, for all\n' +
    'calls or those of one tenant / feature / provider. Setting a budget with the same period and\n' +
    'scope again updates its amount.',
  flags: {
    period: { type: 'string', value: 'PERIOD', description: 'day, week or month (required)' },
    tenant: { type: 'string', value: 'ID', description: 'only calls of this tenant' },
    feature: { type: 'string', value: 'NAME', description: 'only calls of this feature' },
    provider: { type: 'string', value: 'NAME', description: 'only calls to this provider' },
    'warn-at': {
      type: 'string',
      value: 'FRACTION',
      description: 'state is "warning" from this fraction of the limit (default 0.8)',
    },
    json: { type: 'boolean', description: 'print the budget as JSON' },
    store: STORE_FLAG,
  },
  positionals: { min: 1, max: 1, names: 'the amount in USD, e.g. `tokenmeter budget set 50 --period day`' },
  examples: [
    'tokenmeter budget set 50 --period day',
    'tokenmeter budget set 1000 --period month --tenant acme --warn-at 0.9',
    'tokenmeter budget set 200 --period week --feature support-chat --provider openai',
  ],
  async run(ctx) {
    const amount = ctx.positionals[0]!;
    const limitNanos = parseUsdToNanos(amount);
    if (limitNanos === undefined || limitNanos <= 0)
      throw new UsageError(`"${amount}" is not an amount: expected USD above 0, like 50 or 12.5`, ctx.name);
    const period = str(ctx, 'period');
    if (period === undefined) throw new UsageError('--period is required: day, week or month', ctx.name);
    if (!PERIODS.includes(period as BudgetPeriod))
      throw new UsageError(`--period: "${period}" is not a period: use day, week or month`, ctx.name);
    let warnAt: number | undefined;
    const warnText = str(ctx, 'warn-at');
    if (warnText !== undefined) {
      warnAt = /^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(warnText) ? Number(warnText) : Number.NaN;
      if (!(warnAt >= 0 && warnAt <= 1))
        throw new UsageError(`--warn-at: "${warnText}" is not a fraction from 0 to 1, like 0.8`, ctx.name);
    }
    for (const f of ['tenant', 'feature', 'provider']) {
      const v = str(ctx, f);
      if (v !== undefined && v.trim() === '') throw new UsageError(`--${f} must not be empty`, ctx.name);
    }
    const store = openForWrite(ctx);
    try {
      const b = store.setBudget({
        period: period as BudgetPeriod,
        limitNanos,
        tenant: str(ctx, 'tenant') ?? null,
        feature: str(ctx, 'feature') ?? null,
        provider: str(ctx, 'provider') ?? null,
        ...(warnAt !== undefined ? { warnAt } : {}),
      });
      if (bool(ctx, 'json')) ctx.io.stdout.write(`${JSON.stringify(budgetJson(b), null, 2)}\n`);
      else
        ctx.io.stdout.write(
          `${ctx.out.green('✓')} Budget ${b.id}: ${formatUsd(b.limitNanos)} per ${b.period} for ${budgetScope(b)} (warning at ${Math.round(b.warnAt * 100)}%)\n` +
            ctx.out.dim('See spend against it with `tokenmeter budget status`.\n'),
        );
      return EXIT_OK;
    } finally {
      store.close();
    }
  },
};

export const budgetListCommand: CommandSpec = {
  name: 'budget list',
  summary: 'List budgets',
  usage: 'budget list [--json]',
  flags: { json: { type: 'boolean', description: 'print JSON' }, store: STORE_FLAG },
  examples: ['tokenmeter budget list', 'tokenmeter budget list --json'],
  async run(ctx) {
    const store = openForRead(ctx);
    try {
      const budgets = store.listBudgets();
      if (bool(ctx, 'json')) {
        ctx.io.stdout.write(`${JSON.stringify({ budgets: budgets.map(budgetJson) }, null, 2)}\n`);
        return EXIT_OK;
      }
      if (budgets.length === 0) {
        ctx.io.stdout.write('No budgets. Set one with `tokenmeter budget set 50 --period day`.\n');
        return EXIT_OK;
      }
      ctx.io.stdout.write(
        renderTable(
          [
            { header: 'id', align: 'right' },
            { header: 'period' },
            { header: 'scope' },
            { header: 'limit', align: 'right' },
            { header: 'warn at', align: 'right' },
          ],
          budgets.map((b) => [
            String(b.id),
            b.period,
            budgetScope(b),
            formatUsd(b.limitNanos),
            `${Math.round(b.warnAt * 100)}%`,
          ]),
          { styles: ctx.out },
        ),
      );
      return EXIT_OK;
    } finally {
      store.close();
    }
  },
};

export const budgetRmCommand: CommandSpec = {
  name: 'budget rm',
  summary: 'Remove a budget',
  usage: 'budget rm <id>',
  flags: { store: STORE_FLAG },
  positionals: { min: 1, max: 1, names: 'the budget id (see `tokenmeter budget list`)' },
  examples: ['tokenmeter budget rm 2'],
  async run(ctx) {
    const text = ctx.positionals[0]!;
    if (!/^\d+$/.test(text))
      throw new UsageError(`"${text}" is not a budget id: expected a whole number`, ctx.name);
    const store = openForWrite(ctx);
    try {
      if (!store.removeBudget(Number(text)))
        throw new CliError(`No budget with id ${text}.`, {
          hint: 'See the ids with `tokenmeter budget list`.',
        });
      ctx.io.stdout.write(`${ctx.out.green('✓')} Removed budget ${text}\n`);
      return EXIT_OK;
    } finally {
      store.close();
    }
  },
};

export const budgetStatusCommand: CommandSpec = {
  name: 'budget status',
  summary: 'Spend against each budget this period, and a projection to its end',
  usage: 'budget status [--json] [--tz ZONE]',
  description:
    'Exit code 3 when at least one budget is exceeded, so a cron job or CI step can act on it:\n' +
    '  tokenmeter budget status || notify "LLM budget exceeded"',
  flags: { json: { type: 'boolean', description: 'print JSON' }, tz: RANGE_FLAGS.tz!, store: STORE_FLAG },
  examples: [
    'tokenmeter budget status',
    'tokenmeter budget status --json --tz UTC',
    'tokenmeter budget status || echo over budget',
  ],
  async run(ctx) {
    const timeZone = withFlagErrors(ctx, () => parseTimeZone(flagSource(ctx)));
    const store = openForRead(ctx);
    try {
      const status = store.budgetStatus(ctx.now, timeZone);
      const exceeded = status.some((s) => s.state === 'exceeded');
      if (bool(ctx, 'json')) {
        ctx.io.stdout.write(
          `${JSON.stringify({ timeZone, exceeded, budgets: status.map(budgetToJson) }, null, 2)}\n`,
        );
        return exceeded ? EXIT_BUDGET_EXCEEDED : EXIT_OK;
      }
      if (status.length === 0) {
        ctx.io.stdout.write('No budgets. Set one with `tokenmeter budget set 50 --period day`.\n');
        return EXIT_OK;
      }
      const o = ctx.out;
      const state = (s: string) => (s === 'exceeded' ? o.red(s) : s === 'warning' ? o.yellow(s) : o.green(s));
      ctx.io.stdout.write(
        renderTable(
          [
            { header: 'id', align: 'right' },
            { header: 'period' },
            { header: 'scope' },
            { header: 'spent', align: 'right' },
            { header: 'limit', align: 'right' },
            { header: 'used', align: 'right' },
            { header: 'projected', align: 'right' },
            { header: 'state' },
          ],
          status.map((s) => [
            String(s.id),
            `${s.period} ${formatDate(s.periodStartMs, timeZone)}`,
            budgetScope(s),
            formatUsd(s.spentNanos),
            formatUsd(s.limitNanos),
            `${((s.spentNanos / s.limitNanos) * 100).toFixed(0)}%`,
            formatUsd(s.projectedNanos),
            state(s.state),
          ]),
          { styles: o },
        ),
      );
      if (exceeded) ctx.io.stdout.write(`\n${o.red('A budget is exceeded')} (exit code 3).\n`);
      return exceeded ? EXIT_BUDGET_EXCEEDED : EXIT_OK;
    } finally {
      store.close();
    }
  },
};

export const budgetCommand: CommandSpec = {
  name: 'budget',
  summary: 'Spending limits per day, week or month',
  usage: 'budget <set|list|rm|status> [flags]',
  description:
    'Subcommands:\n' +
    '  set <usd> --period P   create or update a budget\n' +
    '  list                   list budgets\n' +
    '  rm <id>                remove a budget\n' +
    '  status                 spend, projection and state of each budget (exit 3 when exceeded)',
  flags: { store: STORE_FLAG },
  positionals: { min: 0, max: 1, names: 'a subcommand' },
  examples: [
    'tokenmeter budget set 50 --period day',
    'tokenmeter budget set 1000 --period month --tenant acme',
    'tokenmeter budget status',
  ],
  async run(ctx: CommandContext) {
    const sub = ctx.positionals[0];
    if (sub !== undefined)
      throw new UsageError(`unknown budget subcommand "${sub}": use set, list, rm or status`, 'budget');
    ctx.io.stdout.write(renderHelp(budgetCommand, ctx.out));
    return EXIT_OK;
  },
};
