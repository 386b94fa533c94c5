// The Prometheus pull endpoint: listens from the event loop's first turn (a scrape before the first
// LLM call gets a valid answer), while the exporter's reader, with the rest of the OpenTelemetry SDK,
// loads at the first scrape at the latest (late-providers.ts). The server never keeps the process
// alive, and neither does the wait for that turn: a process that ends without one (a script
// whose work is synchronous, `node -e 0`) loads no HTTP server and binds no port. Listening loads
// node:http, node:net, node:dns and node:cluster, and on Node 24+ compiles `net.isIPv6`'s regular
// expression: about 25 ms CPU at start-up (bench/RESULTS.md, start-up, ninth pass).
import type http from 'node:http';
import { type DiagLogger, diag } from '@opentelemetry/api';
import { requireForCaller } from '@tokenmeter/config';
import type { TokenmeterNodeConfig } from './types.js';

/** What the endpoint needs of the Prometheus exporter (its reader, which serves the text format). */
export interface PrometheusReaderLike {
  getMetricsRequestHandler(req: http.IncomingMessage, res: http.ServerResponse): void;
}

export interface PrometheusEndpoint {
  /** `http://host:port/metrics` once listening. */
  url: Promise<string | undefined>;
  close(): Promise<void>;
}

export const PROMETHEUS_PATH = '/metrics';

/**
 * Listens on OTEL_EXPORTER_PROMETHEUS_{HOST,PORT}. `reader` gives the exporter's reader, loading it
 * on the first scrape if nothing loaded it before; undefined when it cannot load (503).
 */
export function startPrometheusEndpoint(
  config: TokenmeterNodeConfig,
  reader: () => PrometheusReaderLike | undefined,
  warn: (line: string) => void,
  log: DiagLogger = diag,
): PrometheusEndpoint {
  const { host, port } = config.prometheus;
  let server: http.Server | undefined;
  let resolveUrl: (url: string | undefined) => void = () => {};
  const url = new Promise<string | undefined>((resolve) => {
    resolveUrl = resolve;
  });
  const listen = () => {
    try {
      server = listenOn(host, port, reader, warn, log, resolveUrl);
    } catch (e) {
      warn(
        `tokenmeter: the Prometheus endpoint on ${host}:${port} did not start: ${(e as Error)?.message ?? e}`,
      );
      resolveUrl(undefined);
    }
  };
  // Unreferenced: it runs at the loop's first turn, and never keeps a process alive for itself.
  // With `--import`, Node's ES module loader turns the loop while it reads the preload, so that first
  // turn can come right after a synchronous script (`node -e 0`) has run, with the process ending:
  // when nothing keeps the loop alive then, the listen waits one more turn, which an ending process
  // never takes (one that goes on listens then).
  let waiting = setImmediate(() => {
    if (ending()) waiting = setImmediate(listen).unref();
    else listen();
  }).unref();
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server) {
          clearImmediate(waiting);
          resolveUrl(undefined);
          return resolve();
        }
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

/** Whether nothing keeps the event loop alive (no referenced timer, handle or request): the process ends after this turn. */
function ending(): boolean {
  const active = (process as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo;
  return typeof active === 'function' && active.call(process).length === 0;
}

function listenOn(
  host: string,
  port: number,
  reader: () => PrometheusReaderLike | undefined,
  warn: (line: string) => void,
  log: DiagLogger,
  resolve: (url: string | undefined) => void,
): http.Server {
  const { createServer } = requireForCaller()('node:http') as typeof http;
  const server = createServer((req, res) => {
    let path = '';
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      // a malformed request line
    }
    if (req.method === 'GET' && path === PROMETHEUS_PATH) {
      const r = reader();
      if (r) {
        r.getMetricsRequestHandler(req, endWithNewline(res));
        return;
      }
      res.statusCode = 503;
      res.end('tokenmeter: the OpenTelemetry SDK did not load; no metrics are served\n');
      return;
    }
    res.statusCode = 404;
    res.end('Not found: tokenmeter serves Prometheus metrics at /metrics\n');
  });
  server.once('error', (err: NodeJS.ErrnoException) => {
    const why =
      err.code === 'EADDRINUSE'
        ? `port ${port} is in use (another process?); set OTEL_EXPORTER_PROMETHEUS_PORT to another port`
        : err.message;
    warn(
      `tokenmeter: the Prometheus endpoint on ${host}:${port} did not start: ${why}; metrics are not served`,
    );
    resolve(undefined);
  });
  server.listen({ host, port }, () => {
    const addr = server.address();
    const actualPort = typeof addr === 'object' && addr ? addr.port : port;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    const u = `http://${shownHost}:${actualPort}${PROMETHEUS_PATH}`;
    log.debug(`tokenmeter: Prometheus metrics at ${u}`);
    resolve(u);
  });
  // A scrape endpoint must not keep a script from exiting.
  server.unref();
  return server;
}

/**
 * The exporter answers a scrape with no metrics yet (before the first LLM call) with
 * `target_info` and a last line `# no registered metrics` without its newline, which the text
 * format's parsers (promtool check metrics) reject: end every text answer with one.
 */
function endWithNewline(res: http.ServerResponse): http.ServerResponse {
  const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => http.ServerResponse;
  res.end = ((chunk?: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && chunk !== '' && !chunk.endsWith('\n')
      ? end(`${chunk}\n`, ...rest)
      : end(chunk, ...rest)) as http.ServerResponse['end'];
  return res;
}
