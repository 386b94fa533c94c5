// `tokenmeter serve`: the dashboard, the REST API and /metrics of one store, on node:http.
// Binds 127.0.0.1:8766 by default. A bearer token is required to bind anything but loopback.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BudgetDefinition } from '@tokenmeter/budgets';
import { isLoopbackHost } from '@tokenmeter/config';
import { type CostStore, openStore, StoreError } from '@tokenmeter/store';
import { CliError } from '../errors/cli-error.js';
import { VERSION } from '../version.js';
import { type ApiContext, ENDPOINT_PARAMS, handleApi, paramSource, sendApiError } from './api.js';
import { authorized, hostAllowed, tokenCookie, tokensEqual } from './auth.js';
import { applySecurityHeaders, sendError, sendJson } from './http.js';
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from './metrics.js';
import { SseHub } from './sse.js';
import { type Asset, loadAssets } from './static.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8766;

export interface ServeOptions {
  /** The store file. Created (empty) when missing. */
  storePath: string;
  /** Default 127.0.0.1. Anything but a loopback address requires `token`. */
  host?: string;
  /** Default 8766; 0 picks a free port. */
  port?: number;
  /** Bearer token required on every request but /healthz (or the dashboard's cookie). */
  token?: string;
  /** Package root of @tokenmeter/cli (for the dashboard's files). */
  packageRoot: string;
  /** Budgets of the budgets file, shown after the store's (`GET /v1/budgets`). */
  budgets?: readonly BudgetDefinition[];
  /** How often a live stream polls the store. Default 500 ms. */
  pollMs?: number;
  /** Heartbeat comment interval of live streams. Default 15 s. */
  heartbeatMs?: number;
  /** Concurrent live streams. Default 32. */
  maxStreams?: number;
  now?: () => number;
  /** Where GET /v1/reconcile reads admin keys and base URLs. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Unexpected errors (500s) go here. Default: stderr. */
  log?: (line: string) => void;
  /** Time a connection has to send a request's headers; then it is answered 408 and closed. Default 10 s. */
  headersTimeoutMs?: number;
  /** Time a connection has to send a whole request. Default 30 s (at least headersTimeoutMs). */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open between requests. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** A connection with no traffic either way (a client that stopped reading) is closed. Default 2 min. */
  idleTimeoutMs?: number;
}

/** Requests served on one keep-alive connection before the server asks the client to reconnect. */
const MAX_REQUESTS_PER_CONNECTION = 1000;

export interface TokenmeterServer {
  /** `http://host:port` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly store: CostStore;
  /** Stops accepting, ends live streams and open connections, closes the store. */
  close(): Promise<void>;
}

/** Why serving with these options is refused, or undefined when it is fine. */
export function checkServeOptions(host: string, token: string | undefined): string | undefined {
  if (token !== undefined && token.length < 16)
    return 'the token is too short: use at least 16 characters (e.g. `openssl rand -hex 24`)';
  if (!isLoopbackHost(host) && token === undefined)
    return `binding ${host} exposes cost data to the network, so a token is required: pass --token or set TOKENMETER_SERVE_TOKEN (e.g. \`TOKENMETER_SERVE_TOKEN=$(openssl rand -hex 24)\`), or bind 127.0.0.1`;
  return undefined;
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  res.setHeader('Content-Type', asset.type);
  res.setHeader('ETag', asset.etag);
  res.setHeader('Cache-Control', 'no-cache');
  if (req.headers['if-none-match'] === asset.etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Length', asset.body.length);
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}

const LOGIN_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tokenmeter</title></head>
<body><main><h1>tokenmeter</h1><p>This server needs its token. Open the URL printed by <code>tokenmeter serve</code>
(it ends in <code>?token=…</code>) or send <code>Authorization: Bearer &lt;token&gt;</code>.</p></main></body></html>\n`;

export async function startServer(options: ServeOptions): Promise<TokenmeterServer> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  const token = options.token;
  const refused = checkServeOptions(host, token);
  if (refused) throw new CliError(`refusing to start: ${refused}`, { exitCode: 2 });
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const assets = loadAssets(options.packageRoot);

  if (!existsSync(options.storePath)) {
    try {
      openStore(options.storePath).close();
    } catch (e) {
      if (e instanceof StoreError) throw new CliError(e.message);
      throw e;
    }
  }
  let store: CostStore;
  try {
    store = openStore(options.storePath, { readonly: true });
  } catch (e) {
    if (e instanceof StoreError && e.kind === 'needs_migration') {
      openStore(options.storePath).close();
      store = openStore(options.storePath, { readonly: true });
    } else if (e instanceof StoreError) throw new CliError(e.message);
    else throw e;
  }

  const hub = new SseHub();
  const api: ApiContext = {
    store,
    now,
    hub,
    fileBudgets: options.budgets ?? [],
    pollMs: options.pollMs ?? 500,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    maxStreams: options.maxStreams ?? 32,
    env: options.env ?? process.env,
  };
  const checkHost = token === undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    applySecurityHeaders(res);
    if (checkHost && !hostAllowed(req)) {
      sendError(
        req,
        res,
        421,
        'misdirected_request',
        'this server answers only to localhost / 127.0.0.1 / [::1]',
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendError(
        req,
        res,
        405,
        'method_not_allowed',
        `${req.method} is not allowed: the API is read-only (GET)`,
      );
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendError(req, res, 400, 'bad_request', 'malformed URL');
      return;
    }
    const path = url.pathname;
    if (path === '/healthz') {
      paramSource(url, ENDPOINT_PARAMS.health!);
      const body: Record<string, unknown> = { status: 'ok', version: VERSION };
      if (authorized(req, token)) {
        const h = store.health({ quickCheck: false });
        body.status = h.ok ? 'ok' : 'error';
        body.store = h;
      }
      sendJson(req, res, body.status === 'ok' ? 200 : 503, body);
      return;
    }
    // The dashboard URL printed with a token: set the cookie, then drop the token from the address bar.
    if (token !== undefined && path === '/' && url.searchParams.has('token')) {
      const given = url.searchParams.get('token') ?? '';
      if (tokensEqual(given, token)) {
        url.searchParams.delete('token');
        res.statusCode = 303;
        res.setHeader('Set-Cookie', tokenCookie(token));
        res.setHeader('Location', `/${url.search}`);
        res.setHeader('Cache-Control', 'no-store');
        res.end();
        return;
      }
    }
    if (!authorized(req, token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="tokenmeter"');
      if (path === '/') {
        res.statusCode = 401;
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(req.method === 'HEAD' ? undefined : LOGIN_PAGE);
        return;
      }
      sendError(
        req,
        res,
        401,
        'unauthorized',
        'missing or wrong bearer token (Authorization: Bearer <token>)',
      );
      return;
    }
    if (path === '/metrics') {
      paramSource(url, ENDPOINT_PARAMS.metrics!);
      const text = renderMetrics(store, now());
      res.statusCode = 200;
      res.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
      res.setHeader('Cache-Control', 'no-store');
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    if (path.startsWith('/v1/')) {
      if (await handleApi(api, url, req, res)) return;
      sendError(
        req,
        res,
        404,
        'not_found',
        `no endpoint ${path} (see the API reference in the @tokenmeter/cli README)`,
      );
      return;
    }
    const asset = assets.get(path);
    if (asset) {
      sendAsset(req, res, asset);
      return;
    }
    sendError(req, res, 404, 'not_found', `not found: ${path}`);
  };

  // Slow or silent connections are closed: Node checks the header and request timeouts only every
  // connectionsCheckingInterval (30 s by default), so that check runs often enough for the bounds to hold.
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? 30_000, headersTimeout);
  const server: Server = createServer(
    {
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.min(1000, Math.ceil(headersTimeout / 4)),
    },
    (req, res) => {
      handle(req, res).catch((e: unknown) => {
        if (res.headersSent) {
          res.destroy(e as Error);
          return;
        }
        if (sendApiError(req, res, e)) return;
        log(`tokenmeter serve: ${req.method} ${req.url}: ${(e as Error)?.stack ?? e}`);
        sendError(req, res, 500, 'internal', 'internal error (logged by the server)');
      });
    },
  );
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5000;
  server.maxRequestsPerSocket = MAX_REQUESTS_PER_CONNECTION;
  server.setTimeout(options.idleTimeoutMs ?? 120_000); // the socket is destroyed (no 'timeout' listener)

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      store.close();
      if (e.code === 'EADDRINUSE')
        reject(
          new CliError(`port ${port} on ${host} is in use`, {
            hint: 'Pick another with --port, e.g. --port 8767 (or --port 0 for any free port).',
          }),
        );
      else if (e.code === 'EACCES')
        reject(new CliError(`not allowed to listen on ${host}:${port}`, { hint: 'Use a port above 1023.' }));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND')
        reject(new CliError(`cannot bind ${host}: no such address on this machine`));
      else reject(e);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${addr.port}`,
    host: addr.address,
    port: addr.port,
    store,
    close() {
      closing ??= new Promise<void>((resolve) => {
        hub.closeAll();
        server.close(() => {
          store.close();
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
