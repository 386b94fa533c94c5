// tokenmeter watch: the alert loop without the dashboard, for a server without cron. Evaluates the
// store every minute, delivers notices from the outbox, prints one line per event; `--once` does one
// round and exits (for cron).
import { AlertRunner, type AlertRunnerOptions } from '@tokenmeter/alerts';
import { StoreError } from '@tokenmeter/store';
import { BUDGETS_FLAG, type BudgetsFile, readBudgetsFile } from '../alerting/budgets-file.js';
import { eventLine } from '../alerting/events.js';
import { bool, type CommandContext, type CommandSpec, STORE_FLAG, str } from '../command.js';
import { CliError, EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { machineTimeZone } from '../query/time.js';
import { storePath } from '../store-access.js';
import { DASHBOARD_URL_FLAG, dashboardUrl } from './alerts.js';

/** "60s", "5m", "1h" → ms (10 s to 1 h). */
function parseInterval(ctx: CommandContext): number {
  const text = str(ctx, 'interval') ?? '60s';
  const m = /^(\d+)\s*(s|m|h)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 3_600_000) : Number.NaN;
  if (!(ms >= 10_000 && ms <= 3_600_000))
    throw new UsageError(`--interval: "${text}" is not a duration from 10s to 1h (like 60s or 5m)`, ctx.name);
  return ms;
}

/**
 * Starts an alert runner on `file` with the budgets file's budgets, sinks and settings, printing its
 * events to stdout and its failures to stderr.
 */
export function startAlertRunner(
  ctx: CommandContext,
  file: string,
  budgetsFile: BudgetsFile,
  options: Partial<AlertRunnerOptions> = {},
): AlertRunner {
  const timeZone = machineTimeZone();
  const now = ctx.io.now ?? Date.now;
  const s = budgetsFile.settings;
  try {
    return new AlertRunner({
      storePath: file,
      now,
      budgets: budgetsFile.budgets,
      onEvent: (e) => ctx.io.stdout.write(`${eventLine(e, ctx.out, timeZone, now())}\n`),
      log: (line) => ctx.io.stderr.write(`${ctx.err.yellow('warning:')} ${line}\n`),
      ...(s.cooldownMs !== undefined || s.resolveAfterMs !== undefined
        ? {
            notify: {
              ...(s.cooldownMs !== undefined ? { cooldownMs: s.cooldownMs } : {}),
              ...(s.resolveAfterMs !== undefined ? { resolveAfterMs: s.resolveAfterMs } : {}),
            },
          }
        : {}),
      ...options,
      sinks: [...budgetsFile.sinks, ...(options.sinks ?? [])],
    });
  } catch (e) {
    if (e instanceof StoreError) throw new CliError(e.message, { cause: e });
    throw e;
  }
}

export const watchCommand: CommandSpec = {
  name: 'watch',
  summary: 'Evaluate alerts every minute and deliver them, without the dashboard',
  usage: 'watch [--store PATH] [--budgets FILE] [--dashboard-url URL] [--interval 60s] [--once]',
  description:
    'The alert loop of `tokenmeter serve`, headless: budget thresholds, burn rate and anomalies are\n' +
    'evaluated over the store every minute, and notices go to the sinks of `tokenmeter alerts add`\n' +
    'from the outbox in the store (retried; delivered once, also across a restart). One line per\n' +
    'alert fired, resolved, delivered, retried or given up. Only one process per store evaluates:\n' +
    'a second `watch` (or a `serve`) waits and takes over when the first stops. The budgets file\n' +
    '(--budgets, or TOKENMETER_BUDGETS) adds its budgets and its `sinks:`.',
  flags: {
    'dashboard-url': DASHBOARD_URL_FLAG,
    budgets: BUDGETS_FLAG,
    interval: {
      type: 'string',
      value: 'DURATION',
      description: 'evaluation interval, 10s to 1h (default 60s)',
    },
    once: { type: 'boolean', description: 'evaluate once, deliver what is due, and exit (for cron)' },
    store: STORE_FLAG,
  },
  examples: [
    'tokenmeter watch',
    'tokenmeter watch --dashboard-url https://tokenmeter.internal',
    '*/5 * * * * tokenmeter watch --once   # from cron',
  ],
  async run(ctx) {
    const interval = parseInterval(ctx);
    const budgetsFile = readBudgetsFile(ctx);
    const base = dashboardUrl(ctx, budgetsFile.settings.dashboardUrl);
    const file = storePath(ctx);
    const once = bool(ctx, 'once');
    const stopped = once ? undefined : (ctx.io.waitForSignal?.() ?? new Promise<string>(() => {}));
    const runner = startAlertRunner(ctx, file, budgetsFile, { dashboardUrl: base, intervalMs: interval });
    if (once) {
      try {
        await runner.evaluateOnce();
      } finally {
        await runner.stop();
      }
      const st = runner.stats();
      ctx.io.stderr.write(
        ctx.err.dim(
          `tokenmeter watch --once: ${st.findings} condition${st.findings === 1 ? '' : 's'} found, ${st.delivered} notice${st.delivered === 1 ? '' : 's'} delivered, ${st.retried} to retry, ${st.failed} given up\n`,
        ),
      );
      return EXIT_OK;
    }
    const sinks = runner.sinks().length;
    ctx.io.stderr.write(
      `${ctx.err.green('✓')} tokenmeter is watching ${file}: alerts every ${interval / 1000} s, ${sinks} sink${sinks === 1 ? '' : 's'}${sinks === 0 ? ' (add one with `tokenmeter alerts add`)' : ''}\n` +
        `${ctx.err.dim('Press Ctrl+C to stop.')}\n`,
    );
    runner.start();
    const signal = await stopped!;
    ctx.io.stderr.write(`\n${signal}: stopping\n`);
    await runner.stop();
    return EXIT_OK;
  },
};
