import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createH2cServer, type Http2Session } from 'node:http2';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import {
  type CacheMode,
  type Ctx,
  defaultReplyTokens,
  header,
  intHeader,
  type Provider,
  ServerState,
  str,
} from './context.js';
import { gatewayOfPath } from './gateways.js';
import { ADMIN_PATHS, adminReport } from './providers/admin.js';
import * as anthropic from './providers/anthropic.js';
import * as batches from './providers/batches.js';
import * as bedrock from './providers/bedrock.js';
import * as gemini from './providers/gemini.js';
import * as ollama from './providers/ollama.js';
import * as openai from './providers/openai.js';
import { sendRecorded } from './replay.js';
import {
  DEFAULT_SLOW_DELAY_MS,
  errorResponse,
  faultFromModel,
  gone,
  killConnection,
  parseFault,
  sendError,
  sleepUnlessClosed,
} from './respond.js';
import type {
  FaultKind,
  MockProvider,
  MockProviderOptions,
  RecordedRequest,
  RecordedResponse,
} from './types.js';

const REDACTED = '[REDACTED]';
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'x-amz-security-token',
  'ocp-apim-subscription-key',
]);

interface Route {
  name: string;
  provider: Provider;
  model: string | undefined;
  handle: (ctx: Ctx) => void | Promise<void>;
}

const GEMINI_PATH =
  /^\/(v1|v1beta|v1beta1|v1alpha)\/(?:projects\/[^/]+\/locations\/[^/]+\/)?(?:publishers\/[^/]+\/)?models\/([^:/]+):([A-Za-z]+)$/;
const BEDROCK_PATH = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/;
/** Ollama's native API (its legacy `/api/embeddings` too), under any prefix. */
const OLLAMA_PATH = /(?:^|\/)api\/(chat|generate|embed|embeddings)$/;
const AZURE_PATH = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings|responses)$/;

function matchRoute(
  method: string,
  path: string,
  query: URLSearchParams,
  body: Record<string, unknown> | undefined,
  req: IncomingMessage,
  options: MockProviderOptions,
): Route | undefined {
  const model = str(body?.model);
  const admin = ADMIN_PATHS[path];
  if (method === 'GET' && admin) {
    return {
      name: admin,
      provider: admin.startsWith('openai') ? 'openai' : 'anthropic',
      model: undefined,
      handle: (ctx) => adminReport(ctx, admin, ctx.state.billing, options.adminKey),
    };
  }
  if (method === 'GET' && /(^|\/)models$/.test(path) && !path.startsWith('/model/')) {
    return {
      name: 'openai.models',
      provider: 'openai',
      model: undefined,
      handle: (ctx) => openai.listModels(ctx),
    };
  }
  const batchRoute = matchBatchRoute(method, path);
  if (batchRoute) return batchRoute;
  if (method !== 'POST') return undefined;

  const az = AZURE_PATH.exec(path);
  if (az) {
    const deployment = decodeURIComponent(az[1]!);
    const kind = az[2]!;
    const opts = { azureDeployment: deployment };
    return {
      name: `azure.${kind.replace('/', '.')}`,
      provider: 'azure',
      model: deployment,
      handle: (ctx) => openaiHandler(kind)(ctx, opts),
    };
  }

  const br = BEDROCK_PATH.exec(path);
  if (br) {
    const modelId = decodeURIComponent(br[1]!);
    const op = br[2]!;
    const name = {
      converse: 'converse',
      'converse-stream': 'converseStream',
      invoke: 'invoke',
      'invoke-with-response-stream': 'invokeStream',
    }[op]!;
    return {
      name: `bedrock.${name}`,
      provider: 'bedrock',
      model: modelId,
      handle: (ctx) =>
        op.startsWith('converse')
          ? bedrock.converse(ctx, modelId, op === 'converse-stream')
          : bedrock.invoke(ctx, modelId, op === 'invoke-with-response-stream'),
    };
  }

  const g = GEMINI_PATH.exec(path);
  if (g) {
    const route: gemini.GeminiRoute = {
      model: decodeURIComponent(g[2]!),
      method: g[3]!,
      vertex: path.includes('/publishers/') || path.includes('/projects/'),
    };
    const handlers: Record<string, (ctx: Ctx) => void | Promise<void>> = {
      generateContent: (ctx) => gemini.generate(ctx, route, false),
      streamGenerateContent: (ctx) => gemini.generate(ctx, route, true),
      countTokens: (ctx) => gemini.countTokens(ctx, route),
      embedContent: (ctx) => gemini.embedContent(ctx, route),
      batchEmbedContents: (ctx) => gemini.batchEmbedContents(ctx, route),
      predict: (ctx) => gemini.predict(ctx, route),
    };
    const handle = handlers[route.method];
    if (!handle) return undefined;
    return { name: `gemini.${route.method}`, provider: 'gemini', model: route.model, handle };
  }

  if (path === '/v1/messages') {
    return {
      name: 'anthropic.messages',
      provider: 'anthropic',
      model,
      handle: (ctx) => anthropic.messages(ctx),
    };
  }
  if (path === '/v1/messages/count_tokens') {
    return {
      name: 'anthropic.countTokens',
      provider: 'anthropic',
      model,
      handle: (ctx) => anthropic.countTokens(ctx),
    };
  }

  const ol = OLLAMA_PATH.exec(path);
  if (ol) {
    const kind = ol[1]!;
    return {
      name: `ollama.${kind}`,
      provider: 'ollama',
      model,
      handle: (ctx) =>
        kind === 'chat' || kind === 'generate'
          ? ollama.generate(ctx, kind)
          : ollama.embed(ctx, kind === 'embeddings'),
    };
  }

  const oa = /(^|\/)(chat\/completions|completions|embeddings|responses)$/.exec(path);
  if (oa) {
    const kind = oa[2]!;
    // /openai/v1/... is both Azure's v1 API and Groq's base path: Azure when the request looks like
    // Azure (api-key header, api-version query, or a configured deployment name).
    const azure =
      path.startsWith('/openai/v1/') &&
      (req.headers['api-key'] !== undefined ||
        query.has('api-version') ||
        (model !== undefined && options.azureDeployments?.[model] !== undefined));
    return {
      name: `${azure ? 'azure' : 'openai'}.${kind.replace('/', '.')}`,
      provider: azure ? 'azure' : 'openai',
      model,
      handle: (ctx) => openaiHandler(kind)(ctx, azure && model ? { azureDeployment: model } : {}),
    };
  }
  return undefined;
}

const OPENAI_BATCH = /(?:^|\/)batches\/([^/]+)$/;
const OPENAI_FILE_CONTENT = /(?:^|\/)files\/([^/]+)\/content$/;
const ANTHROPIC_BATCH = /^\/v1\/messages\/batches\/([^/]+)(\/results)?$/;

/** Batches (OpenAI Batch API and files, Anthropic Message Batches): see providers/batches.ts. */
function matchBatchRoute(method: string, path: string): Route | undefined {
  const route = (name: string, provider: Provider, handle: Route['handle']): Route => ({
    name,
    provider,
    model: undefined,
    handle,
  });
  if (method === 'POST') {
    if (path === '/v1/messages/batches')
      return route('anthropic.batches.create', 'anthropic', batches.createAnthropicBatch);
    if (/(?:^|\/)v1\/batches$/.test(path))
      return route('openai.batches.create', 'openai', batches.createOpenAIBatch);
    if (/(?:^|\/)v1\/files$/.test(path)) return route('openai.files.create', 'openai', batches.uploadFile);
    return undefined;
  }
  if (method !== 'GET') return undefined;
  const a = ANTHROPIC_BATCH.exec(path);
  if (a) {
    const id = a[1]!;
    return a[2]
      ? route('anthropic.batches.results', 'anthropic', (ctx) => batches.anthropicBatchResults(ctx, id))
      : route('anthropic.batches.retrieve', 'anthropic', (ctx) => batches.retrieveAnthropicBatch(ctx, id));
  }
  const f = OPENAI_FILE_CONTENT.exec(path);
  if (f) return route('openai.files.content', 'openai', (ctx) => batches.fileContent(ctx, f[1]!));
  const b = OPENAI_BATCH.exec(path);
  if (b) return route('openai.batches.retrieve', 'openai', (ctx) => batches.retrieveOpenAIBatch(ctx, b[1]!));
  if (/(?:^|\/)v1\/batches$/.test(path))
    return route('openai.batches.list', 'openai', batches.listOpenAIBatches);
  return undefined;
}

function openaiHandler(kind: string): (ctx: Ctx, opts: openai.OpenAIRouteOptions) => void | Promise<void> {
  switch (kind) {
    case 'chat/completions':
      return openai.chatCompletions;
    case 'completions':
      return openai.completions;
    case 'responses':
      return openai.responses;
    default:
      return openai.embeddings;
  }
}

/** The provider whose error shape an unknown path gets. */
function guessProvider(path: string): Provider {
  if (path.startsWith('/model/')) return 'bedrock';
  if (/^\/v1(beta1?|alpha)?\/(models|projects|publishers)\//.test(path) || path.startsWith('/v1beta'))
    return 'gemini';
  if (path.startsWith('/v1/messages') || path.startsWith('/v1/complete')) return 'anthropic';
  if (path.startsWith('/openai/deployments/')) return 'azure';
  return 'openai';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('request aborted')));
  });
}

function redactHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || k.startsWith(':')) continue; // HTTP/2 pseudo-headers
    out[k] = SECRET_HEADERS.has(k) ? REDACTED : Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Starts the mock provider on loopback. */
export async function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  const state = new ServerState(options);
  const maxRecorded = options.maxRecordedRequests ?? 1000;
  let recorded: RecordedRequest[] = [];
  let replays: RecordedResponse[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const startTime = Date.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://mock.local');
    // `/gateway/<name>/...`: the same provider path, answered as that AI gateway would.
    const through = gatewayOfPath(url.pathname);
    const path = through?.path ?? url.pathname;
    const raw = await readBody(req);
    let parsed: unknown;
    let invalidJson = false;
    if (raw.length > 0) {
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = raw;
        // A multipart upload (OpenAI files) is not JSON, and is not meant to be.
        invalidJson = !String(req.headers['content-type'] ?? '').startsWith('multipart/form-data');
      }
    }
    const body =
      parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = k === 'key' ? REDACTED : v;

    const route = matchRoute(method, path, url.searchParams, body, req, options);
    recorded.push({
      method,
      path,
      query,
      headers: redactHeaders(req.headers),
      body: parsed,
      route: route?.name ?? 'unknown',
      time: startTime,
    });
    if (recorded.length > maxRecorded) recorded = recorded.slice(recorded.length - maxRecorded);
    const replay = replays.shift();
    if (replay !== undefined) {
      sendRecorded(res, replay);
      return;
    }

    const cacheHeader = header({ req }, 'x-mock-cache');
    const ctx: Ctx = {
      req,
      res,
      method,
      path,
      query: url.searchParams,
      body,
      rawBody: raw,
      state,
      provider: route?.provider ?? guessProvider(path),
      fault: undefined,
      delayMs: intHeader({ req }, 'x-mock-delay-ms') ?? DEFAULT_SLOW_DELAY_MS,
      replyTokens: intHeader({ req }, 'x-mock-output-tokens') ?? defaultReplyTokens(options),
      streamBytes: intHeader({ req }, 'x-mock-stream-bytes'),
      cacheMode:
        cacheHeader === 'read' || cacheHeader === 'write' || cacheHeader === 'none'
          ? (cacheHeader as CacheMode)
          : undefined,
      bytesSent: 0,
      startTime,
    };
    if (through !== undefined) ctx.gateway = through.gateway;

    const faultHeader = header(ctx, 'x-mock-fault');
    if (faultHeader !== undefined && parseFault(faultHeader) === undefined) {
      sendError(ctx, 400, `mock provider: unknown x-mock-fault '${faultHeader}'`);
      return;
    }
    let fault: FaultKind | undefined = parseFault(faultHeader) ?? faultFromModel(route?.model);
    const times = intHeader(ctx, 'x-mock-fault-times');
    if (fault && times !== undefined) {
      const key = `${fault}|${path}|${route?.model ?? ''}`;
      const seen = state.faultCounts.get(key) ?? 0;
      state.faultCounts.set(key, seen + 1);
      if (seen >= times) fault = undefined;
    }
    ctx.fault = fault;

    if (fault === 'reset') {
      killConnection(res);
      return;
    }
    if (fault === 'hang') return; // never answers; close() drops the connection
    const latency = intHeader(ctx, 'x-mock-latency-ms') ?? options.latencyMs ?? 0;
    if (latency > 0) await sleepUnlessClosed(res, latency);
    if (fault === 'slow-stream' && route && ctx.body?.stream !== true && !/stream/i.test(route.name)) {
      await sleepUnlessClosed(res, ctx.delayMs);
    }
    if (fault?.startsWith('status-')) {
      sendError(ctx, Number(fault.slice(7)));
      return;
    }
    if (!route) {
      const e = errorResponse(ctx, ctx.provider, 404, notFoundMessage(ctx.provider, method, path));
      res.writeHead(e.status, e.headers);
      res.end(e.body);
      return;
    }
    if (invalidJson) {
      sendError(ctx, 400, 'We could not parse the JSON body of your request.');
      return;
    }
    await route.handle(ctx);
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !gone(res)) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { message: `mock provider error: ${String(err)}`, type: 'server_error' } }),
        );
      } else {
        killConnection(res);
      }
    });
  };
  // One port speaks HTTP/1.1 and HTTP/2 with prior knowledge (h2c): the AWS SDK's Bedrock client
  // uses HTTP/2 by default. The first bytes of a connection tell which.
  const http1 = createServer(listener);
  // Idle keep-alive sockets stay open longer than any client keeps them (undici: the server's hint
  // minus 1 s). At 5 s, a client process starved of CPU for a second on a loaded machine reused a
  // socket the server had just closed: "Connection error." in tests that run with maxRetries 0.
  // close() ends every connection, so a long idle time holds nothing open.
  http1.keepAliveTimeout = 60_000;
  const http2 = createH2cServer();
  http2.on('request', (req, res) =>
    listener(req as unknown as IncomingMessage, res as unknown as ServerResponse),
  );
  http2.on('sessionError', () => {});
  const sessions = new Set<Http2Session>();
  http2.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    // Sockets are handed to the HTTP servers by hand, which skips their noDelay and error handling
    // until then: without TCP_NODELAY a stream's small writes wait on Nagle (20+ ms per call).
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first.toString('latin1', 0, 3) === 'PRI') http2.emit('connection', socket);
      else http1.emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    geminiBaseURL: url,
    bedrockEndpoint: url,
    azureEndpoint: url,
    billing: {
      add: (usage) => state.billing.add(usage),
      failNext: (fault, times) => state.billing.failNext(fault, times),
    },
    get requests() {
      return recorded;
    },
    replayNext(recording) {
      replays.push(recording);
    },
    reset() {
      recorded = [];
      replays = [];
      state.reset();
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        http1.closeAllConnections();
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

function notFoundMessage(provider: Provider, method: string, path: string): string {
  switch (provider) {
    case 'openai':
    case 'azure':
      return `Invalid URL (${method} ${path})`;
    case 'anthropic':
      return `Not Found: ${method} ${path}`;
    case 'gemini':
      return `The requested URL ${path} was not found on this server.`;
    case 'bedrock':
      return 'UnknownOperationException';
    case 'ollama':
      return '404 page not found';
  }
}
