// The gateway: an OTLP/HTTP receiver that prices GenAI spans and forwards every request to the next
// hop. POST /v1/traces is priced, queued (bounded) and delivered with retries; /v1/metrics and
// /v1/logs are passed through untouched, the next hop's answer relayed; GET /metrics, /healthz and
// /readyz serve the gateway's own state. It keeps no state a second instance would need, so a
// fleet of them scales behind a load balancer (see README: the collector's loadbalancing exporter).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { diag } from '@opentelemetry/api';
import {
  TOKENMETER_GATEWAY_RESULT_VALUE_ACCEPTED,
  TOKENMETER_GATEWAY_RESULT_VALUE_DRAINING,
  TOKENMETER_GATEWAY_RESULT_VALUE_DROPPED,
  TOKENMETER_GATEWAY_RESULT_VALUE_FORWARDED,
  TOKENMETER_GATEWAY_RESULT_VALUE_MALFORMED,
  TOKENMETER_GATEWAY_RESULT_VALUE_QUEUE_FULL,
  TOKENMETER_GATEWAY_RESULT_VALUE_UNAUTHORIZED,
  TOKENMETER_GATEWAY_RESULT_VALUE_UNSUPPORTED,
  TOKENMETER_GATEWAY_RESULT_VALUE_UPSTREAM_ERROR,
} from '@tokenmeter/semconv';
import { resolveOptions } from './config.js';
import { MalformedPayloadError } from './errors/malformed-payload-error.js';
import { RequestError } from './errors/request-error.js';
import { Forwarder } from './forward/forwarder.js';
import { createPoster } from './forward/post.js';
import { hasToken } from './http/auth.js';
import { decodeBody, readBody } from './http/body.js';
import { forwardHeaders } from './http/forward-headers.js';
import { type Encoding, encodingOf, sendFailure, sendSuccess } from './http/responses.js';
import { priceTraces } from './price-traces.js';
import { SpanPricer } from './span-pricer.js';
import { openStoreSink } from './store-sink.js';
import { type Signal, startTelemetry } from './telemetry.js';
import type { Gateway, GatewayOptions } from './types.js';

const gzip = promisify(zlib.gzip);

/** Passed-through requests in flight at once; past it, 503 + Retry-After. */
const MAX_PASSTHROUGH = 64;
const DEFAULT_DRAIN_MS = 30_000;

const PATHS: Record<string, Signal> = {
  '/v1/traces': 'traces',
  '/v1/metrics': 'metrics',
  '/v1/logs': 'logs',
};

export async function startGateway(input: GatewayOptions): Promise<Gateway> {
  const options = resolveOptions(input);
  const warn = options.warn ?? ((line: string) => diag.warn(line));
  const poster = createPoster(options.concurrency + MAX_PASSTHROUGH);
  let lastDelivery = 0;
  const forwarder: Forwarder = new Forwarder({
    url: new URL(`${options.forwardBase}/v1/traces`),
    poster,
    maxQueueSpans: options.maxQueueSpans,
    maxQueueBytes: options.maxQueueBytes,
    concurrency: options.concurrency,
    timeoutMs: options.forwardTimeoutMs,
    retryInitialMs: options.retryInitialMs,
    retryMaxMs: options.retryMaxMs,
    retryMaxElapsedMs: options.retryMaxElapsedMs,
    onForwarded: (spans) => {
      lastDelivery = Date.now();
      telemetry.countSpans(TOKENMETER_GATEWAY_RESULT_VALUE_FORWARDED, spans);
    },
    onDropped: (spans, why) => {
      telemetry.countSpans(TOKENMETER_GATEWAY_RESULT_VALUE_DROPPED, spans);
      warn(`tokenmeter gateway: dropped ${spans} spans: ${why}`);
    },
  });
  const telemetry = startTelemetry(options, () => forwarder.queuedSpans, warn);
  const store = options.storePath !== undefined ? openStoreSink(options.storePath, warn) : undefined;
  const pricer = new SpanPricer(options.costAttributes);

  let draining = false;
  let passthrough = 0;
  let handling = 0;
  let idle: (() => void) | undefined;

  /** Seconds a refused sender should wait: short while the next hop takes batches, longer while it does not. */
  const retryAfter = () => (Date.now() - lastDelivery < 2000 ? 1 : 5);

  function authorize(req: http.IncomingMessage): boolean {
    return options.token === undefined || hasToken(req, options.token);
  }

  async function traces(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const encoding = encodingOf(req.headers['content-type']);
    const answer: Encoding = encoding ?? 'json';
    try {
      if (!authorize(req))
        throw new RequestError(
          401,
          TOKENMETER_GATEWAY_RESULT_VALUE_UNAUTHORIZED,
          'missing or wrong bearer token: send "Authorization: Bearer <token>" (the gateway\'s --token)',
        );
      if (draining)
        throw new RequestError(
          503,
          TOKENMETER_GATEWAY_RESULT_VALUE_DRAINING,
          'the gateway is shutting down; retry (another instance will take it)',
          5,
        );
      if (encoding === undefined)
        throw new RequestError(
          415,
          TOKENMETER_GATEWAY_RESULT_VALUE_UNSUPPORTED,
          `Content-Type "${req.headers['content-type'] ?? ''}" is not OTLP: send application/x-protobuf or application/json`,
        );
      if (forwarder.full)
        throw new RequestError(
          429,
          TOKENMETER_GATEWAY_RESULT_VALUE_QUEUE_FULL,
          'the gateway queue is full (the next hop is slow or down); retry later',
          retryAfter(),
        );
      const raw = await readBody(req, options.maxBodyBytes);
      const contentEncoding = req.headers['content-encoding'];
      const body = await decodeBody(raw, contentEncoding, options.maxBodyBytes);
      let result: ReturnType<typeof priceTraces>;
      try {
        result = priceTraces(body, encoding, pricer);
      } catch (e) {
        if (e instanceof MalformedPayloadError)
          throw new RequestError(400, TOKENMETER_GATEWAY_RESULT_VALUE_MALFORMED, e.message);
        throw e;
      }
      if (result.spans === 0) {
        telemetry.countRequest('traces', TOKENMETER_GATEWAY_RESULT_VALUE_ACCEPTED);
        sendSuccess(res, encoding);
        return;
      }
      const compressed = contentEncoding !== undefined && raw !== body;
      let out: Uint8Array = result.body;
      const headers = forwardHeaders(req.headers, options.token !== undefined, options.forwardHeaders);
      headers['content-type'] = encoding === 'json' ? 'application/json' : 'application/x-protobuf';
      if (compressed) {
        // Unpriced: the bytes as received; priced: compressed again, as the sender chose.
        out = result.body === body ? raw : await gzip(result.body);
        headers['content-encoding'] = result.body === body ? String(contentEncoding) : 'gzip';
      }
      if (!forwarder.offer({ body: out, headers, spans: result.spans }))
        throw new RequestError(
          429,
          TOKENMETER_GATEWAY_RESULT_VALUE_QUEUE_FULL,
          `the gateway queue is full (${forwarder.queuedSpans} spans waiting for the next hop); retry later`,
          retryAfter(),
        );
      // Counted only once accepted: a refused batch comes back and must not be counted twice.
      for (const p of result.priced) {
        telemetry.recorder.record(p.record);
        store?.write(p.record, p.service);
      }
      telemetry.countRequest('traces', TOKENMETER_GATEWAY_RESULT_VALUE_ACCEPTED);
      sendSuccess(res, encoding);
    } catch (e) {
      fail(res, answer, 'traces', e, req);
    }
  }

  function fail(
    res: http.ServerResponse,
    encoding: Encoding,
    signal: Signal,
    e: unknown,
    req: http.IncomingMessage,
  ): void {
    if (!req.complete) req.resume(); // the body is not needed; keep the connection usable
    if (e instanceof RequestError) {
      telemetry.countRequest(signal, e.result);
      if (!res.headersSent) sendFailure(res, encoding, e.status, e.message, e.retryAfterSeconds);
      return;
    }
    telemetry.recorder.internalError('gateway');
    warn(`tokenmeter gateway: a ${signal} request failed inside the gateway: ${(e as Error)?.message ?? e}`);
    if (!res.headersSent) sendFailure(res, encoding, 500, 'internal error in the gateway');
    else res.destroy();
  }

  async function passThrough(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    signal: Signal,
    path: string,
  ): Promise<void> {
    const answer = encodingOf(req.headers['content-type']) ?? 'json';
    let counted = false;
    try {
      if (!authorize(req))
        throw new RequestError(
          401,
          TOKENMETER_GATEWAY_RESULT_VALUE_UNAUTHORIZED,
          'missing or wrong bearer token',
        );
      if (draining)
        throw new RequestError(
          503,
          TOKENMETER_GATEWAY_RESULT_VALUE_DRAINING,
          'the gateway is shutting down',
          5,
        );
      if (passthrough >= MAX_PASSTHROUGH)
        throw new RequestError(
          503,
          TOKENMETER_GATEWAY_RESULT_VALUE_QUEUE_FULL,
          'too many requests in flight to the next hop; retry later',
          1,
        );
      passthrough++;
      counted = true;
      const raw = await readBody(req, options.maxBodyBytes);
      const headers = forwardHeaders(req.headers, options.token !== undefined, options.forwardHeaders);
      for (const name of ['content-type', 'content-encoding'] as const) {
        const v = req.headers[name];
        if (v !== undefined) headers[name] = v;
      }
      const r = await poster.post(
        new URL(`${options.forwardBase}${path}`),
        raw,
        headers,
        options.forwardTimeoutMs,
      );
      if (r.status === 0)
        throw new RequestError(
          502,
          TOKENMETER_GATEWAY_RESULT_VALUE_UPSTREAM_ERROR,
          `the next hop could not be reached: ${r.error ?? 'no answer'}`,
        );
      const relay: Record<string, string> = { 'content-length': String(r.body.length) };
      for (const name of ['content-type', 'content-encoding', 'retry-after']) {
        const v = r.headers[name];
        if (typeof v === 'string') relay[name] = v;
      }
      telemetry.countRequest(
        signal,
        r.status >= 200 && r.status < 300
          ? TOKENMETER_GATEWAY_RESULT_VALUE_ACCEPTED
          : TOKENMETER_GATEWAY_RESULT_VALUE_UPSTREAM_ERROR,
      );
      res.writeHead(r.status, relay);
      res.end(r.body);
    } catch (e) {
      fail(res, answer, signal, e, req);
    } finally {
      if (counted) passthrough--;
    }
  }

  function plain(res: http.ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${text}\n`);
  }

  function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void {
    let path = '';
    try {
      path = new URL(req.url ?? '/', 'http://gateway').pathname;
    } catch {
      // a malformed request line: answered 404 below
    }
    const signal = PATHS[path];
    if (signal !== undefined) {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        return plain(res, 405, `${path} takes POST (OTLP/HTTP)`);
      }
      return signal === 'traces' ? traces(req, res) : passThrough(req, res, signal, path);
    }
    if (req.method === 'GET' && path === '/healthz') return plain(res, 200, 'ok');
    if (req.method === 'GET' && path === '/readyz') {
      if (draining) return plain(res, 503, 'draining');
      if (forwarder.full) return plain(res, 503, 'queue full');
      return plain(res, 200, 'ready');
    }
    if (req.method === 'GET' && path === '/metrics') {
      if (!authorize(req)) return plain(res, 401, 'missing or wrong bearer token');
      return telemetry.serveMetrics(req, res);
    }
    return plain(
      res,
      404,
      'not found: the gateway serves POST /v1/traces, /v1/metrics, /v1/logs and GET /metrics, /healthz, /readyz',
    );
  }

  const server = http.createServer((req, res) => {
    handling++;
    const done = () => {
      handling--;
      if (handling === 0 && idle) idle();
    };
    let settled = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        done();
      }
    };
    res.on('close', settle);
    try {
      const p = route(req, res);
      if (p) p.then(settle, settle);
      else settle();
    } catch (e) {
      settle();
      fail(res, 'json', 'traces', e, req);
    }
  });
  server.keepAliveTimeout = 65_000; // longer than the usual load balancer's idle timeout

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;

  let closing: Promise<void> | undefined;
  const gateway: Gateway = {
    url: `http://${shownHost}:${port}`,
    port,
    get queuedSpans() {
      return forwarder.queuedSpans;
    },
    close(drainTimeoutMs = DEFAULT_DRAIN_MS) {
      closing ??= (async () => {
        draining = true;
        const deadline = Date.now() + drainTimeoutMs;
        const listening = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Requests being read finish first: what they bring is accepted and must be delivered.
        if (handling > 0) await new Promise<void>((resolve) => (idle = resolve));
        await forwarder.drain(deadline);
        store?.close();
        await telemetry.shutdown();
        poster.close();
        server.closeAllConnections();
        await listening;
      })();
      return closing;
    },
  };
  return gateway;
}
