import type { ServerResponse } from 'node:http';
import { constants as h2constants } from 'node:http2';
import { type Ctx, header, type Provider } from './context.js';
import { gatewayHeaders, usageOfBody } from './gateways.js';
import type { FaultKind } from './types.js';

/** Streams fail (truncated-sse, cut-stream, malformed-json) at this chunk: two whole events get through first. */
export const STREAM_FAULT_AT = 3;
/** Default slow-stream delay between events. */
export const DEFAULT_SLOW_DELAY_MS = 50;

const FAULT_NAMES = new Set([
  'malformed-json',
  'truncated-sse',
  'cut-stream',
  'slow-stream',
  'hang',
  'reset',
  'no-usage',
]);

/** Parses a fault name (`status-429`, `cut-stream`, ...); undefined when it is not one. */
export function parseFault(value: string | undefined): FaultKind | undefined {
  if (!value) return undefined;
  const v = value.trim().toLowerCase();
  if (FAULT_NAMES.has(v)) return v as FaultKind;
  const m = /^status-(\d{3})$/.exec(v);
  if (m) {
    const code = Number(m[1]);
    if (code >= 400 && code <= 599) return `status-${code}`;
  }
  return undefined;
}

/** The fault a model name asks for: `mock-error-429` → status-429, `mock-fault-cut-stream` → cut-stream. */
export function faultFromModel(model: string | undefined): FaultKind | undefined {
  if (!model) return undefined;
  const e = /mock-error-(\d{3})/.exec(model);
  if (e) return parseFault(`status-${e[1]}`);
  const f = /mock-fault-([a-z0-9-]+)/.exec(model);
  if (f) return parseFault(f[1]);
  return undefined;
}

/** The HTTP/2 stream behind a response served over h2c (Bedrock's client), if any. */
function h2stream(res: ServerResponse): { destroyed: boolean; close(code?: number): void } | undefined {
  return (res as unknown as { stream?: { destroyed: boolean; close(code?: number): void } }).stream;
}

/** True once the response can no longer be written (client gone, stream reset). */
export function gone(res: ServerResponse): boolean {
  const stream = h2stream(res);
  return stream ? stream.destroyed : res.destroyed;
}

/** Drops the connection abruptly: the TCP socket for HTTP/1.1, an RST_STREAM for HTTP/2. */
export function killConnection(res: ServerResponse): void {
  const stream = h2stream(res);
  if (stream) stream.close(h2constants.NGHTTP2_INTERNAL_ERROR);
  else res.socket?.destroy();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { sleep };

/** Sleeps, but wakes early when the response closes (client gone, server closing), so no timer outlives it. */
export function sleepUnlessClosed(res: ServerResponse, ms: number): Promise<void> {
  if (gone(res)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on('close', done);
  });
}

// ---------- error bodies in each provider's real shape ----------

const OPENAI_ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request (mock fault).' },
  401: {
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message:
      'Incorrect API key provided: sk-mock. You can find your API key at https://platform.openai.com/account/api-keys.',
  },
  403: {
    type: 'invalid_request_error',
    code: 'unsupported_country_region_territory',
    message: 'Forbidden (mock fault).',
  },
  404: {
    type: 'invalid_request_error',
    code: 'model_not_found',
    message: 'The model does not exist or you do not have access to it.',
  },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message:
      'Rate limit reached in organization org-mock on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.',
  },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  },
  503: {
    type: 'server_error',
    code: null,
    message: 'The engine is currently overloaded, please try again later.',
  },
};

const ANTHROPIC_ERRORS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request (mock fault).' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  403: {
    type: 'permission_error',
    message: 'Your API key does not have permission to use the specified resource.',
  },
  404: { type: 'not_found_error', message: 'Not found (mock fault).' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: {
    type: 'rate_limit_error',
    message: 'This request would exceed the rate limit for your organization of 50 requests per minute.',
  },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

const GEMINI_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const GEMINI_MESSAGES: Record<number, string> = {
  400: 'Request contains an invalid argument.',
  401: 'Request had invalid authentication credentials.',
  403: 'The caller does not have permission',
  404: 'Requested entity was not found.',
  429: 'Resource has been exhausted (e.g. check quota).',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
};

const BEDROCK_ERRORS: Record<number, { status: number; type: string; message: string }> = {
  400: { status: 400, type: 'ValidationException', message: 'Invalid request (mock fault).' },
  // A bad credential: the real service answers 403 UnrecognizedClientException, not 401.
  401: {
    status: 403,
    type: 'UnrecognizedClientException',
    message: 'The security token included in the request is invalid.',
  },
  403: {
    status: 403,
    type: 'AccessDeniedException',
    message: "You don't have access to the model with the specified model ID.",
  },
  404: {
    status: 404,
    type: 'ResourceNotFoundException',
    message: 'Could not resolve the foundation model from the provided model identifier.',
  },
  408: {
    status: 408,
    type: 'ModelTimeoutException',
    message: 'Model has timed out in processing the request.',
  },
  424: { status: 424, type: 'ModelErrorException', message: 'The model returned an error (mock fault).' },
  429: {
    status: 429,
    type: 'ThrottlingException',
    message: 'Too many requests, please wait before trying again.',
  },
  500: {
    status: 500,
    type: 'InternalServerException',
    message: 'The server encountered an internal error (mock fault).',
  },
  503: {
    status: 503,
    type: 'ServiceUnavailableException',
    message: 'Bedrock is unable to process your request.',
  },
  529: {
    status: 503,
    type: 'ServiceUnavailableException',
    message: 'Bedrock is unable to process your request.',
  },
};

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An error response as the provider really shapes it. `message` overrides the stock message. */
export function errorResponse(
  ctx: Ctx,
  provider: Provider,
  status: number,
  message?: string,
  param?: string,
): ErrorResponse {
  const headers: Record<string, string> = {};
  if (status === 429 || status === 529 || status === 503) {
    headers['retry-after'] = header(ctx, 'x-mock-retry-after') ?? '1';
  }
  switch (provider) {
    case 'openai': {
      const e = OPENAI_ERRORS[status] ?? OPENAI_ERRORS[status >= 500 ? 500 : 400]!;
      headers['content-type'] = 'application/json; charset=utf-8';
      headers['x-request-id'] = ctx.state.id('req_', 32);
      const body = {
        error: { message: message ?? e.message, type: e.type, param: param ?? null, code: e.code },
      };
      return { status, headers, body: `${JSON.stringify(body, null, 4)}\n` };
    }
    case 'azure': {
      headers['content-type'] = 'application/json';
      headers['apim-request-id'] = ctx.state.id('', 32);
      const msg =
        message ??
        (status === 401
          ? 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.'
          : status === 429
            ? 'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second.'
            : (OPENAI_ERRORS[status]?.message ?? 'Error (mock fault).'));
      return { status, headers, body: JSON.stringify({ error: { code: String(status), message: msg } }) };
    }
    case 'anthropic': {
      const e = ANTHROPIC_ERRORS[status] ?? ANTHROPIC_ERRORS[status >= 500 ? 500 : 400]!;
      headers['content-type'] = 'application/json';
      const requestId = ctx.state.id('req_', 24);
      headers['request-id'] = requestId;
      headers['x-should-retry'] = status === 429 || status >= 500 ? 'true' : 'false';
      return {
        status,
        headers,
        body: JSON.stringify({
          type: 'error',
          error: { type: e.type, message: message ?? e.message },
          request_id: requestId,
        }),
      };
    }
    case 'gemini': {
      headers['content-type'] = 'application/json; charset=UTF-8';
      const body = {
        error: {
          code: status,
          message: message ?? GEMINI_MESSAGES[status] ?? 'Error (mock fault).',
          status: GEMINI_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT'),
        },
      };
      return { status, headers, body: `${JSON.stringify(body, null, 2)}\n` };
    }
    case 'ollama': {
      headers['content-type'] = 'application/json; charset=utf-8';
      return { status, headers, body: JSON.stringify({ error: message ?? `mock fault (${status})` }) };
    }
    case 'bedrock': {
      const e = BEDROCK_ERRORS[status] ?? BEDROCK_ERRORS[status >= 500 ? 500 : 400]!;
      headers['content-type'] = 'application/json';
      headers['x-amzn-requestid'] = ctx.state.id('', 36);
      headers['x-amzn-errortype'] = `${e.type}:http://internal.amazon.com/coral/com.amazon.bedrock/`;
      return { status: e.status, headers, body: JSON.stringify({ message: message ?? e.message }) };
    }
  }
}

export function sendError(ctx: Ctx, status: number, message?: string, param?: string): void {
  const e = errorResponse(ctx, ctx.provider, status, message, param);
  writeHead(ctx.res, e.status, e.headers);
  ctx.res.end(e.body);
}

function writeHead(res: ServerResponse, status: number, headers: Record<string, string>): void {
  if (res.headersSent || gone(res)) return;
  res.writeHead(status, headers);
}

// ---------- JSON responses with fault injection ----------

/** Sends a whole JSON response; malformed-json, truncated-sse and cut-stream break it. */
export function sendJson(ctx: Ctx, status: number, headers: Record<string, string>, body: string): void {
  const { res, fault } = ctx;
  if (gone(res)) return;
  if (fault === 'malformed-json') {
    const broken = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
    writeHead(res, status, { ...headers, 'content-length': String(Buffer.byteLength(broken)) });
    res.end(broken);
    return;
  }
  if (fault === 'truncated-sse' || fault === 'cut-stream') {
    writeHead(res, status, headers);
    const half = body.slice(0, Math.floor(body.length / 2));
    if (fault === 'truncated-sse') {
      res.end(half);
    } else {
      res.write(half, () => killConnection(res));
    }
    return;
  }
  const extra = ctx.gateway === undefined ? undefined : gatewayHeaders(ctx, usageOfBody(body));
  writeHead(res, status, { ...headers, ...extra, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

// ---------- streams with backpressure and fault injection ----------

function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export interface StreamOptions {
  /** What a malformed-json fault sends instead of the chunk at STREAM_FAULT_AT. */
  malformed: string | Buffer;
}

/**
 * Writes a lazily generated stream, waiting for `drain` whenever `write` returns false, so a huge
 * stream holds one chunk at a time. Applies the stream faults at chunk STREAM_FAULT_AT.
 */
export async function pump(
  ctx: Ctx,
  status: number,
  headers: Record<string, string>,
  chunks: Iterable<string | Buffer>,
  options: StreamOptions,
): Promise<void> {
  const { res, fault } = ctx;
  if (gone(res)) return;
  writeHead(res, status, ctx.gateway === undefined ? headers : { ...headers, ...gatewayHeaders(ctx) });
  res.flushHeaders();
  let n = 0;
  for (const chunk of chunks) {
    if (gone(res) || res.writableEnded) return;
    n++;
    if (n === STREAM_FAULT_AT && (fault === 'truncated-sse' || fault === 'cut-stream')) {
      const half =
        typeof chunk === 'string'
          ? chunk.slice(0, Math.floor(chunk.length / 2))
          : chunk.subarray(0, Math.floor(chunk.length / 2));
      if (fault === 'truncated-sse') {
        res.end(half);
      } else {
        res.write(half, () => killConnection(res));
      }
      return;
    }
    const out = n === STREAM_FAULT_AT && fault === 'malformed-json' ? options.malformed : chunk;
    ctx.bytesSent += typeof out === 'string' ? Buffer.byteLength(out) : out.length;
    if (!res.write(out)) await waitDrain(res);
    if (fault === 'slow-stream') await sleepUnlessClosed(res, ctx.delayMs);
  }
  if (!gone(res)) res.end();
}

/** Indices of the reply words to stream: all of them, or as many as fit in x-mock-stream-bytes. */
export function* wordIndices(ctx: Ctx, count: number): Generator<number> {
  if (ctx.streamBytes !== undefined) {
    const limit = ctx.streamBytes;
    for (let i = 0; ctx.bytesSent < limit; i++) yield i;
    return;
  }
  for (let i = 0; i < count; i++) yield i;
}

/** `data: {json}\n\n` */
export function sseData(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/** `event: name\ndata: {json}\n\n` */
export function sseEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
