// tokenmeter budget set|list|rm|status: spending limits per day, week, month (in a time zone) or
// rolling window, for all calls or a scope (provider, model, feature, user, tenant, service, or a
// combination), with an action the preload takes before a call leaves: warn, block or route-cheap.
// `budget status` exits 3 when a budget is exceeded (for CI and cron).
import { ANOMALY_DEFAULTS, budgetOutlook, seasonalForecast } from '@tokenmeter/alerts';
import {
  BudgetDefinitionError,
  describeScope,
  listBudgets,
  parseAlertAt,
  parseBudgetAction,
  parseBudgetPeriod,
  parseRoute,
  parseTimeZone,
  parseUsdToNanos,
  parseWarnAt,
} from '@tokenmeter/budgets';
import { type Budget, type BudgetInput, localTimeZone } from '@tokenmeter/store';
import { BUDGETS_FLAG, readBudgetsFile } from '../alerting/budgets-file.js';
import { bool, type CommandContext, type CommandSpec, renderHelp, STORE_FLAG, str } from '../command.js';
import { CliError, EXIT_BUDGET_EXCEEDED, EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { formatUsd, nanosToUsd } from '../format/money.js';
import { renderTable } from '../format/table.js';
import { flagSource, RANGE_FLAGS, withFlagErrors } from '../query/flags.js';
import { budgetOutlookToJson } from '../query/json.js';
import { parseTimeZone as parseTzFlag } from '../query/params.js';
import { formatDate } from '../query/time.js';
import { openForRead, openForWrite } from '../store-access.js';

const SCOPE_FLAGS = ['provider', 'model', 'feature', 'user', 'tenant', 'service'] as const;

function budgetJson(b: Budget) {
  return { ...b, limitUsd: nanosToUsd(b.limitNanos), scope: describeScope(b) };
}

/** `--flag: message` from a budgets parser, as a usage error (exit 2). */
function flag<T>(ctx: CommandContext, name: string, parse: (text: string) => T): T | undefined {
  const text = str(ctx, name);
  if (text === undefined) return undefined;
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof BudgetDefinitionError) throw new UsageError(`--${name}: ${e.message}`, ctx.name);
    throw e;
  }
}

function percent(p: number): string {
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

function routeText(route: Readonly<Record<string, string>>): string {
  return Object.entries(route)
    .map(([from, to]) => `${from}→${to}`)
    .join(', ');
}

function periodText(b: { period: string; timeZone: string | null }, fallbackZone: string): string {
  return b.period.startsWith('rolling:')
    ? `rolling ${b.period.slice(8)}`
    : `${b.period} (${b.timeZone ?? fallbackZone})`;
}

export const budgetSetCommand: CommandSpec = {
  name: 'budget set',
  summary: 'Create a budget, or update the one with the same period and scope',
  usage:
    'budget set <amount-usd> --period day|week|month|rolling:<N>h [--provider P] [--model M] [--feature F] [--user U] [--tenant T] [--service S] [--tz ZONE] [--action warn|block|route-cheap] [--route a=b,c=d] [--alert-at 50,80,100] [--warn-at 0.8] [--name NAME]',
  description:
    'A budget limits the spend of a calendar day, ISO week (Monday first) or month in a time zone, or\n' +
    'of a rolling window of N hours, for all calls or those matching every scope flag given. Apps\n' +
    'under the preload enforce it before each request is sent (read from this store within 5 s):\n' +
    '  warn         the call goes on; one diag line and the alerts of `tokenmeter serve`/`watch`\n' +
    "  block        the call is answered locally with the provider's own 429 (the SDK raises its\n" +
    '               rate-limit error, without retrying); nothing is sent\n' +
    '  route-cheap  the model is replaced per --route, and the cheaper model answers\n' +
    'Setting a budget with the same period and scope again updates it (flags not given are kept).',
  flags: {
    period: { type: 'string', value: 'PERIOD', description: 'day, week, month or rolling:<N>h (required)' },
    provider: {
      type: 'string',
      value: 'NAME',
      description: 'only calls to this provider (openai, anthropic, gcp.gemini, aws.bedrock, ...)',
    },
    model: { type: 'string', value: 'MODEL', description: 'only calls to this model' },
    feature: { type: 'string', value: 'NAME', description: 'only calls of this feature' },
    user: { type: 'string', value: 'ID', description: 'only calls of this user' },
    tenant: { type: 'string', value: 'ID', description: 'only calls of this tenant' },
    service: {
      type: 'string',
      value: 'NAME',
      description: 'only calls made by this service (OTEL_SERVICE_NAME)',
    },
    tz: {
      type: 'string',
      value: 'ZONE',
      description: "time zone of a day, week or month (default: this machine's)",
    },
    action: { type: 'string', value: 'ACTION', description: 'warn (default), block or route-cheap' },
    route: {
      type: 'string',
      value: 'A=B,...',
      description: 'route-cheap: model asked for = model sent instead',
    },
    'alert-at': {
      type: 'string',
      value: 'PCTS',
      description: 'alert thresholds, percent of the limit (default: warn-at and 100)',
    },
    'warn-at': {
      type: 'string',
      value: 'FRACTION',
      description: 'state is "warning" from this fraction of the limit (default 0.8)',
    },
    name: { type: 'string', value: 'NAME', description: 'a name shown in block messages, logs and alerts' },
    json: { type: 'boolean', description: 'print the budget as JSON' },
    store: STORE_FLAG,
  },
  positionals: { min: 1, max: 1, names: 'the amount in USD, e.g. `tokenmeter budget set 50 --period day`' },
  examples: [
    'tokenmeter budget set 50 --period day',
    'tokenmeter budget set 1000 --period month --tenant acme --tz Europe/Paris --warn-at 0.9',
    'tokenmeter budget set 20 --period rolling:24h --provider openai --action block',
    'tokenmeter budget set 100 --period week --model gpt-4o --action route-cheap --route gpt-4o=gpt-4o-mini',
    'tokenmeter budget set 200 --period month --feature support-chat --alert-at 50,80,100',
  ],
  async run(ctx) {
    const amount = ctx.positionals[0]!;
    let limitNanos: number;
    try {
      limitNanos = parseUsdToNanos(amount);
    } catch {
      throw new UsageError(`"${amount}" is not an amount: expected USD above 0, like 50 or 12.5`, ctx.name);
    }
    if (str(ctx, 'period') === undefined)
      throw new UsageError('--period is required: day, week, month or rolling:<N>h', ctx.name);
    const input: BudgetInput = { period: flag(ctx, 'period', parseBudgetPeriod)!, limitNanos };
    for (const f of SCOPE_FLAGS) {
      const v = str(ctx, f);
      if (v === undefined) continue;
      if (v.trim() === '') throw new UsageError(`--${f} must not be empty`, ctx.name);
      input[f] = v.trim();
    }
    const tz = flag(ctx, 'tz', parseTimeZone);
    if (tz !== undefined) input.timeZone = tz;
    const action = flag(ctx, 'action', parseBudgetAction);
    if (action !== undefined) input.action = action;
    const route = flag(ctx, 'route', parseRoute);
    if (route !== undefined) input.route = route;
    const alertAt = flag(ctx, 'alert-at', parseAlertAt);
    if (alertAt !== undefined) input.alertAt = alertAt;
    const warnAt = flag(ctx, 'warn-at', parseWarnAt);
    if (warnAt !== undefined) input.warnAt = warnAt;
    const name = str(ctx, 'name');
    if (name !== undefined) input.name = name.trim();
    if (route !== undefined && action !== undefined && action !== 'route-cheap')
      throw new UsageError('--route is for --action route-cheap', ctx.name);
    const store = openForWrite(ctx);
    try {
      const existing = store.listBudgets();
      // A new budget gets this machine's zone, so every process reading it counts the same days.
      const isNew = !existing.some(
        (b) => b.period === input.period && SCOPE_FLAGS.every((f) => (b[f] ?? undefined) === input[f]),
      );
      if (isNew && input.timeZone === undefined && !input.period.startsWith('rolling:'))
        input.timeZone = localTimeZone();
      if (isNew && input.action === 'route-cheap' && input.route === undefined)
        throw new UsageError('--action route-cheap needs --route, like --route gpt-4o=gpt-4o-mini', ctx.name);
      let b: Budget;
      try {
        b = store.setBudget(input);
      } catch (e) {
        if ((e as Error).name === 'StoreQueryError') throw new UsageError((e as Error).message, ctx.name);
        throw e;
      }
      if (bool(ctx, 'json')) ctx.io.stdout.write(`${JSON.stringify(budgetJson(b), null, 2)}\n`);
      else {
        const label = b.name ? ` "${b.name}"` : '';
        const per = b.period.startsWith('rolling:') ? `per rolling ${b.period.slice(8)}` : `per ${b.period}`;
        const zone = b.timeZone && !b.period.startsWith('rolling:') ? ` in ${b.timeZone}` : '';
        const route = b.action === 'route-cheap' ? ` (${routeText(b.route)})` : '';
        ctx.io.stdout.write(
          `${ctx.out.green('✓')} Budget ${b.id}${label}: ${formatUsd(b.limitNanos)} ${per} for ${describeScope(b)} (warning at ${Math.round(b.warnAt * 100)}%)${zone}; ` +
            `action ${b.action}${route}; alerts at ${b.alertAt.map(percent).join(', ')}\n` +
            ctx.out.dim(
              'Apps under the preload apply it within 5 s. See spend against it with `tokenmeter budget status`.\n',
            ),
        );
      }
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
      const zone = localTimeZone();
      ctx.io.stdout.write(
        renderTable(
          [
            { header: 'id', align: 'right' },
            { header: 'period' },
            { header: 'scope' },
            { header: 'limit', align: 'right' },
            { header: 'warn at', align: 'right' },
            { header: 'action' },
            { header: 'alerts at' },
            { header: 'name' },
          ],
          budgets.map((b) => [
            String(b.id),
            periodText(b, zone),
            describeScope(b),
            formatUsd(b.limitNanos),
            `${Math.round(b.warnAt * 100)}%`,
            b.action === 'route-cheap' ? `route-cheap ${routeText(b.route)}` : b.action,
            b.alertAt.map(percent).join(' '),
            b.name ?? '',
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
  summary: 'Spend, reservations and forecast of each budget this period',
  usage: 'budget status [--json] [--tz ZONE] [--budgets FILE]',
  description:
    'Spent (from the store), reserved (by calls in flight on this host), the limit, the state, and a\n' +
    'forecast to the end of the period by hour of day and day of week from the last weeks of the\n' +
    "budget's scope, with its p10–p90 band (the method column says which: seasonal-weekly, seasonal-daily\n" +
    'under a week of history, linear-burn under two days). Budgets of the budgets file (--budgets, else\n' +
    "$TOKENMETER_BUDGETS) are listed after the store's. --tz is the zone of budgets stored without one.\n" +
    'Exit code 3 when at least one budget is exceeded, so a cron job or CI step can act on it:\n' +
    '  tokenmeter budget status || notify "LLM budget exceeded"',
  flags: {
    json: { type: 'boolean', description: 'print JSON' },
    tz: RANGE_FLAGS.tz!,
    budgets: BUDGETS_FLAG,
    store: STORE_FLAG,
  },
  examples: [
    'tokenmeter budget status',
    'tokenmeter budget status --json --tz UTC',
    'tokenmeter budget status || echo over budget',
  ],
  async run(ctx) {
    const timeZone = withFlagErrors(ctx, () => parseTzFlag(flagSource(ctx)));
    const file = readBudgetsFile(ctx, timeZone);
    const store = openForRead(ctx);
    try {
      const now = ctx.now;
      const outlooks = listBudgets(store, { timeZone, file: file.budgets }).map((b) =>
        budgetOutlook(store, b, now, seasonalForecast, ANOMALY_DEFAULTS.burn.recentWindowMs),
      );
      const exceeded = outlooks.some((o) => o.state === 'exceeded');
      if (bool(ctx, 'json')) {
        ctx.io.stdout.write(
          `${JSON.stringify({ timeZone, exceeded, budgets: outlooks.map(budgetOutlookToJson) }, null, 2)}\n`,
        );
        return exceeded ? EXIT_BUDGET_EXCEEDED : EXIT_OK;
      }
      if (outlooks.length === 0) {
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
            { header: 'action' },
            { header: 'spent', align: 'right' },
            { header: 'reserved', align: 'right' },
            { header: 'limit', align: 'right' },
            { header: 'used', align: 'right' },
            { header: 'forecast', align: 'right' },
            { header: 'p10–p90', align: 'right' },
            { header: 'method' },
            { header: 'state' },
          ],
          outlooks.map((x) => {
            const b = x.budget;
            const f = x.forecast;
            const period = b.period.startsWith('rolling:')
              ? `rolling ${b.period.slice(8)}`
              : `${b.period} ${formatDate(x.periodStartMs, b.timeZone)}`;
            return [
              b.storeId !== undefined ? String(b.storeId) : b.label,
              period,
              describeScope(b),
              b.action,
              formatUsd(x.spentNanos),
              formatUsd(x.reservedNanos),
              formatUsd(x.limitNanos),
              `${((x.spentNanos / x.limitNanos) * 100).toFixed(0)}%`,
              formatUsd(f.expectedNanos),
              `${formatUsd(f.lowNanos)}–${formatUsd(f.highNanos)}`,
              f.method,
              state(x.state),
            ];
          }),
          { styles: o },
        ),
      );
      ctx.io.stdout.write(
        o.dim(
          '\nforecast: spend at the end of the period (a rolling window: over the next window). seasonal-weekly: by hour\n' +
            "of week from the last 4 weeks, at the last week's level; seasonal-daily: by hour of day (under a week of\n" +
            'history); linear-burn: a straight line (under 2 days of history). p10–p90 from back-tested days.\n',
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
  summary: 'Spending limits per day, week, month or rolling window, enforced before calls leave',
  usage: 'budget <set|list|rm|status> [flags]',
  description:
    'Subcommands:\n' +
    '  set <usd> --period P   create or update a budget (scope, time zone, action, route, alerts)\n' +
    '  list                   list budgets\n' +
    '  rm <id>                remove a budget\n' +
    '  status                 spend, reserved, forecast and state of each budget (exit 3 when exceeded)',
  flags: { store: STORE_FLAG },
  positionals: { min: 0, max: 1, names: 'a subcommand' },
  examples: [
    'tokenmeter budget set 50 --period day',
    'tokenmeter budget set 1000 --period month --tenant acme --action block',
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
