// tokenmeter serve: dashboard, REST API and /metrics for the store.
import type { CommandContext, CommandSpec } from '../command.js';
import { STORE_FLAG, str } from '../command.js';
import { EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { DEFAULT_HOST, DEFAULT_PORT, startServer, type TokenmeterServer } from '../server/server.js';
import { storePath } from '../store-access.js';

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

/** Starts the server and prints where it is. */
export async function serveStore(ctx: CommandContext, file: string): Promise<TokenmeterServer> {
  const host = str(ctx, 'host') ?? DEFAULT_HOST;
  const port = parsePort(str(ctx, 'port'), ctx);
  const token = str(ctx, 'token') ?? (ctx.io.env.TOKENMETER_SERVE_TOKEN || undefined);
  const server = await startServer({
    storePath: file,
    host,
    port,
    ...(token ? { token } : {}),
    packageRoot: ctx.io.packageRoot,
  });
  const o = ctx.out;
  const dashboard = token ? `${server.url}/?token=${encodeURIComponent(token)}` : `${server.url}/`;
  ctx.io.stdout.write(
    `${o.green('✓')} tokenmeter is serving ${file}\n\n` +
      `  Dashboard  ${o.cyan(dashboard)}\n` +
      `  REST API   ${server.url}/v1/telemetry/summary   (see the README for every endpoint)\n` +
      `  Metrics    ${server.url}/metrics\n` +
      (token ? `  Auth       Authorization: Bearer <token> on every request\n` : '') +
      `\n${o.dim('Press Ctrl+C to stop.')}\n`,
  );
  return server;
}

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Serve the dashboard, the REST API and /metrics for the store',
  usage: 'serve [--host 127.0.0.1] [--port 8766] [--token T] [--store PATH]',
  description:
    'Binds 127.0.0.1:8766 by default. Binding any other address needs a bearer token (--token, or\n' +
    'TOKENMETER_SERVE_TOKEN): every request then needs `Authorization: Bearer <token>`, and the\n' +
    'dashboard URL printed at start carries it once to set a cookie. The API is read-only.',
  flags: {
    host: { type: 'string', value: 'ADDRESS', description: `address to bind (default ${DEFAULT_HOST})` },
    port: { type: 'string', value: 'PORT', description: `port (default ${DEFAULT_PORT}; 0 = any free port)` },
    token: {
      type: 'string',
      value: 'TOKEN',
      description: 'bearer token (default $TOKENMETER_SERVE_TOKEN); required off loopback',
    },
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
    const server = await serveStore(ctx, storePath(ctx));
    const signal = await stopped;
    ctx.io.stderr.write(`\n${signal}: stopping\n`);
    await server.close();
    return EXIT_OK;
  },
};
