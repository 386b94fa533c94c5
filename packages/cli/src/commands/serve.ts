// tokenmeter serve: dashboard, REST API and /metrics for the store, and the alert loop over it.
import type { AlertRunner, SinkTarget } from '@tokenmeter/alerts';
import { readEnv } from '@tokenmeter/config';
import { BUDGETS_FLAG, type BudgetsFile, readBudgetsFile } from '../alerting/budgets-file.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { bool, STORE_FLAG, str } from '../command.js';
import { EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { DEFAULT_HOST, DEFAULT_PORT, startServer, type TokenmeterServer } from '../server/server.js';
import { storePath } from '../store-access.js';
import { DASHBOARD_URL_FLAG, dashboardUrl } from './alerts.js';
import { startAlertRunner } from './watch.js';

export function parsePort(text: string | undefined, ctx: CommandContext): number {
  if (text === undefined) return DEFAULT_PORT;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(
      `--port: "${text}" is not a port: use a whole number from 1 to 65535 (0 = any free port)`,
      ctx.name,
    );
  return n;
}

export interface Serving {
  server: TokenmeterServer;
  /** The alert loop (undefined with --no-alerts). */
  alerts: AlertRunner | undefined;
  close(): Promise<void>;
}

/** Starts the server and the alert loop, and prints where they are. */
export async function serveStore(
  ctx: CommandContext,
  file: string,
  options: { sinks?: SinkTarget[]; budgetsFile?: BudgetsFile } = {},
): Promise<Serving> {
  const host = str(ctx, 'host') ?? DEFAULT_HOST;
  const port = parsePort(str(ctx, 'port'), ctx);
  const token =
    str(ctx, 'token') ?? readEnv(ctx.io.env, ['TOKENMETER_SERVE_TOKEN']).values.TOKENMETER_SERVE_TOKEN;
  const budgetsFile = options.budgetsFile ?? readBudgetsFile(ctx);
  const server = await startServer({
    budgets: budgetsFile.budgets,
    storePath: file,
    host,
    port,
    ...(token ? { token } : {}),
    packageRoot: ctx.io.packageRoot,
    env: ctx.io.env,
  });
  let alerts: AlertRunner | undefined;
  if (!bool(ctx, 'no-alerts')) {
    try {
      alerts = startAlertRunner(ctx, file, budgetsFile, {
        dashboardUrl: dashboardUrl(ctx, budgetsFile.settings.dashboardUrl ?? server.url),
        ...(options.sinks ? { sinks: options.sinks } : {}),
      });
    } catch (e) {
      // The dashboard is still useful without alerts (a read-only store, say): say why and go on.
      ctx.io.stderr.write(`${ctx.err.yellow('warning:')} alerts are off: ${(e as Error).message}\n`);
    }
  }
  const o = ctx.out;
  const dashboard = token ? `${server.url}/?token=${encodeURIComponent(token)}` : `${server.url}/`;
  const sinks = alerts?.sinks().length ?? 0;
  ctx.io.stdout.write(
    `${o.green('✓')} tokenmeter is serving ${file}\n\n` +
      `  Dashboard  ${o.cyan(dashboard)}\n` +
      `  REST API   ${server.url}/v1/telemetry/summary   (see the README for every endpoint)\n` +
      `  Metrics    ${server.url}/metrics\n` +
      `  Alerts     ${alerts ? `evaluated every minute, ${sinks} sink${sinks === 1 ? '' : 's'}${sinks === 0 ? ' (tokenmeter alerts add ...)' : ''}` : 'off'}\n` +
      (token ? `  Auth       Authorization: Bearer <token> on every request\n` : '') +
      `\n${o.dim('Press Ctrl+C to stop.')}\n`,
  );
  alerts?.start();
  return {
    server,
    alerts,
    async close() {
      await alerts?.stop();
      await server.close();
    },
  };
}

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Serve the dashboard, the REST API and /metrics for the store',
  usage: 'serve [--host 127.0.0.1] [--port 8766] [--token T] [--store PATH] [--budgets FILE] [--no-alerts]',
  description:
    'Binds 127.0.0.1:8766 by default. Binding any other address needs a bearer token (--token, or\n' +
    'TOKENMETER_SERVE_TOKEN): every request then needs `Authorization: Bearer <token>`, and the\n' +
    'dashboard URL printed at start carries it once to set a cookie. The API is read-only.\n' +
    'Alerts are evaluated every minute and sent to the sinks of `tokenmeter alerts add` (as\n' +
    '`tokenmeter watch` does); one line is printed per alert fired, resolved or delivered.',
  flags: {
    host: { type: 'string', value: 'ADDRESS', description: `address to bind (default ${DEFAULT_HOST})` },
    port: { type: 'string', value: 'PORT', description: `port (default ${DEFAULT_PORT}; 0 = any free port)` },
    token: {
      type: 'string',
      value: 'TOKEN',
      description: 'bearer token (default $TOKENMETER_SERVE_TOKEN); required off loopback',
    },
    'dashboard-url': {
      ...DASHBOARD_URL_FLAG,
      description: 'base URL of the dashboard in alert links (default: the URL served)',
    },
    'no-alerts': { type: 'boolean', description: 'do not evaluate or send alerts' },
    budgets: BUDGETS_FLAG,
    store: STORE_FLAG,
  },
  examples: [
    'tokenmeter serve',
    'tokenmeter serve --port 9000 --store ./calls.db',
    'TOKENMETER_SERVE_TOKEN=$(openssl rand -hex 24) tokenmeter serve --host 0.0.0.0',
    'curl -s localhost:8766/v1/telemetry/summary?period=today\\&groupBy=model | jq',
  ],
  async run(ctx) {
    // Listen for Ctrl+C before saying where we listen: a signal right after that line must stop us.
    const stopped = ctx.io.waitForSignal?.() ?? new Promise<string>(() => {});
    const serving = await serveStore(ctx, storePath(ctx));
    const signal = await stopped;
    ctx.io.stderr.write(`\n${signal}: stopping\n`);
    await serving.close();
    return EXIT_OK;
  },
};
