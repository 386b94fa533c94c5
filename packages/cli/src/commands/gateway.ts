// tokenmeter gateway: the OTLP/HTTP hop that prices other services' GenAI spans (@tokenmeter/gateway),
// configured from flags and the usual OTEL_* / TOKENMETER_* variables.

import { envVarIsSet, readEnv } from '@tokenmeter/config';
import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  GatewayConfigError,
  type GatewayOptions,
  parseForwardUrl,
  startGateway,
} from '@tokenmeter/gateway';
import { parseConfig } from '@tokenmeter/node';
import { configurePricing, loadPricingFile } from '@tokenmeter/pricing';
import type { CommandContext, CommandSpec } from '../command.js';
import { str } from '../command.js';
import { CliError, EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { parsePort } from './serve.js';

/** The gateway's bearer token when --token is not given. */
export const GATEWAY_TOKEN_ENV = 'TOKENMETER_GATEWAY_TOKEN' as const;

function count(ctx: CommandContext, flag: string): number | undefined {
  const text = str(ctx, flag);
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--${flag}: "${text}" must be a whole number of 1 or more`, ctx.name);
  return n;
}

/** GatewayOptions from the command line and the environment. */
export function gatewayOptions(ctx: CommandContext, warn: (line: string) => void): GatewayOptions {
  const forward = str(ctx, 'forward');
  if (forward === undefined)
    throw new UsageError(
      '--forward is required: the next OTLP/HTTP hop, e.g. --forward http://collector:4318',
      ctx.name,
    );
  const env = ctx.io.env;
  const { config, problems } = parseConfig(env);
  const own = readEnv(env, ['OTEL_SERVICE_NAME', GATEWAY_TOKEN_ENV]).values;
  for (const p of problems) warn(`tokenmeter gateway: ${p}`);
  let forwardBase: string;
  try {
    forwardBase = parseForwardUrl(forward);
  } catch (e) {
    throw new UsageError(`--${(e as Error).message}`, ctx.name);
  }
  const options: GatewayOptions = {
    forward: forwardBase,
    host: str(ctx, 'host') ?? DEFAULT_HOST,
    port: str(ctx, 'port') === undefined ? DEFAULT_PORT : parsePort(str(ctx, 'port'), ctx),
    costAttributes: config.costAttributes,
    metricLabels: config.metricLabels,
    maxMetricSeries: config.maxMetricSeries,
    serviceName: own.OTEL_SERVICE_NAME ?? 'tokenmeter-gateway',
    warn,
  };
  const token = str(ctx, 'token') ?? own[GATEWAY_TOKEN_ENV];
  if (token !== undefined) options.token = token;
  const maxQueueSpans = count(ctx, 'max-queue-spans');
  if (maxQueueSpans !== undefined) options.maxQueueSpans = maxQueueSpans;
  const store = str(ctx, 'store');
  if (store !== undefined) options.storePath = store;
  // The next hop's own credentials, as any OTLP exporter takes them.
  if (Object.keys(config.otlpTraces.headers).length > 0) options.forwardHeaders = config.otlpTraces.headers;
  if (config.metricsExporters.includes('otlp')) {
    // Unlike the distro's (localhost:4318), the gateway's default metrics endpoint is its next hop.
    const explicit =
      envVarIsSet(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') ||
      envVarIsSet(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    options.otlpMetrics = {
      url: explicit ? config.otlpMetrics.url : `${forwardBase}/v1/metrics`,
      protocol: config.otlpMetrics.protocol,
      headers: config.otlpMetrics.headers,
      intervalMs: config.metricExportIntervalMs,
      timeoutMs: config.otlpMetrics.timeoutMs,
      temporality: config.otlpMetrics.temporality === 'delta' ? 'delta' : 'cumulative',
    };
  }
  if (config.pricingFile !== undefined) {
    const { overrides, problems: fileProblems } = loadPricingFile(config.pricingFile);
    for (const p of fileProblems)
      warn(
        `tokenmeter gateway: TOKENMETER_PRICING_FILE ${p.file}${p.path ? ` at ${p.path}` : ''}: ${p.reason}`,
      );
    configurePricing({ overrides });
  }
  return options;
}

export const gatewayCommand: CommandSpec = {
  name: 'gateway',
  summary: 'Price the GenAI spans of any language in an OTLP pipeline, and forward them',
  usage: 'gateway --forward URL [--host 127.0.0.1] [--port 4319] [--max-queue-spans N] [--store PATH]',
  description:
    'An OTLP/HTTP receiver for POST /v1/traces (protobuf or JSON, gzip or not): every GenAI inference\n' +
    'span (OpenLLMetry, OpenInference, OpenLIT, OTel contrib, Vercel AI SDK, Spring AI, Semantic Kernel)\n' +
    'gets its cost attributes, and every batch goes on to --forward (/v1/metrics and /v1/logs pass\n' +
    'through untouched). Cost metrics at /metrics on the same port; OTLP metrics to the next hop too\n' +
    'with OTEL_METRICS_EXPORTER=otlp. Binding off loopback needs a bearer token (--token or\n' +
    `${GATEWAY_TOKEN_ENV}). SIGTERM stops accepting and delivers everything accepted first.`,
  flags: {
    forward: {
      type: 'string',
      value: 'URL',
      description: 'the next OTLP/HTTP hop (base URL), e.g. http://collector:4318',
    },
    host: { type: 'string', value: 'ADDRESS', description: `address to bind (default ${DEFAULT_HOST})` },
    port: { type: 'string', value: 'PORT', description: `port (default ${DEFAULT_PORT}; 0 = any free port)` },
    'max-queue-spans': {
      type: 'string',
      value: 'N',
      description: 'spans waiting for the next hop, at most; past it senders get 429 (default 100000)',
    },
    store: {
      type: 'string',
      value: 'PATH',
      description: 'also write the priced calls into this tokenmeter store',
    },
    token: {
      type: 'string',
      value: 'TOKEN',
      description: `bearer token senders must send (default $${GATEWAY_TOKEN_ENV}); required off loopback`,
    },
  },
  examples: [
    'tokenmeter gateway --forward http://localhost:4318',
    'OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4319 python app.py   # send a service through it',
    `${GATEWAY_TOKEN_ENV}=$(openssl rand -hex 24) tokenmeter gateway --host 0.0.0.0 --forward http://collector:4318`,
    'tokenmeter gateway --forward http://localhost:4318 --store ./fleet.db   # then: tokenmeter serve --store ./fleet.db',
  ],
  async run(ctx) {
    const warn = (line: string) => ctx.io.stderr.write(`${line}\n`);
    const options = gatewayOptions(ctx, warn);
    const stopped = ctx.io.waitForSignal?.() ?? new Promise<string>(() => {});
    let gateway: Awaited<ReturnType<typeof startGateway>>;
    try {
      gateway = await startGateway(options);
    } catch (e) {
      if (e instanceof GatewayConfigError) throw new UsageError(e.message, ctx.name);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new CliError(`port ${options.port} is in use`, { hint: 'Pick another with --port.' });
      throw e;
    }
    const o = ctx.out;
    ctx.io.stdout.write(
      `${o.green('✓')} tokenmeter gateway on ${gateway.url}, forwarding to ${options.forward}\n\n` +
        `  OTLP/HTTP  ${gateway.url}/v1/traces   (point OTEL_EXPORTER_OTLP_ENDPOINT at ${gateway.url})\n` +
        `  Metrics    ${gateway.url}/metrics\n` +
        `  Health     ${gateway.url}/healthz, ${gateway.url}/readyz\n` +
        (options.storePath ? `  Store      ${options.storePath}\n` : '') +
        (options.token ? '  Auth       Authorization: Bearer <token> on every request\n' : '') +
        `\n${o.dim('SIGTERM or Ctrl+C drains the queue, then stops.')}\n`,
    );
    const signal = await stopped;
    ctx.io.stderr.write(`\n${signal}: draining ${gateway.queuedSpans} queued spans, then stopping\n`);
    await gateway.close();
    return EXIT_OK;
  },
};
