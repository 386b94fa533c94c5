// Sends OTLP export bodies over HTTP without ever keeping the app's process alive.
//
// The stock OTLP/HTTP transport holds the event loop open while an export is in flight: its
// sockets are referenced, its retry back-off timers too, and the batch span processor and the
// periodic metric reader each arm a referenced timer for as long as an export has not answered.
// Against a collector that accepts connections and never answers, an app that finished its work
// stayed alive for 16-50 s after traces, and forever with OTLP metrics every second, so the bounded
// flush on 'beforeExit' never ran. This transport:
// - answers `send` at once (the export is handed over, not delivered), so no timer of the SDK
//   waits on the network;
// - delivers in the background on sockets and timers that are `unref`'d, with the stock exporter's
//   retry policy (retryable statuses and network errors, exponential back-off with jitter,
//   Retry-After, all within the export timeout);
// - keeps at most MAX_IN_FLIGHT exports in flight; an export beyond that is refused (its batch is
//   dropped, counted, and logged through diag);
// - lets `drain()` wait for the exports in flight (forceFlush and shutdown deliver what they flush),
//   and `abort()` end them (at the shutdown deadline).
import type http from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { diag } from '@opentelemetry/api';
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';

const gzip = promisify(gzipCallback);

/** Exports in flight per exporter; more are refused (the batch span processor sends one at a time). */
export const MAX_IN_FLIGHT = 4;
const MAX_ATTEMPTS = 5;
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;
/** The most of a response body read (a collector's answer is a few bytes). */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const RETRYABLE_NETWORK_ERRORS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

export interface OtlpHttpTransportOptions {
  url: string;
  headers: () => Promise<Record<string, string>>;
  compression: 'gzip' | 'none';
  /** Makes the agent (the exporter configuration's, with its TLS files); its sockets are made not to hold the process. */
  agentFactory: (protocol: string) => http.Agent | Promise<http.Agent>;
  userAgent?: string;
  /** What is exported, for messages: `traces`, `metrics`. */
  signal: string;
  /** Called with a successful response's body (partial success). */
  onResponse?: (body: Uint8Array) => void;
  maxInFlight?: number;
}

export interface OtlpHttpTransportStats {
  /** Exports the collector accepted. */
  delivered: number;
  /** Exports that failed after their retries, or were aborted. */
  failed: number;
  /** Exports refused because MAX_IN_FLIGHT were already in flight. */
  refused: number;
  inFlight: number;
}

/**
 * Makes an http(s).Agent's sockets never keep the process alive: new sockets are unref'd, and so is
 * a kept-alive socket when the agent hands it to the next request (the agent's default `ref()`s it).
 */
export function unrefAgentSockets<A extends http.Agent>(agent: A): A {
  type Create = (options: unknown, callback?: (err: Error | null, socket?: unknown) => void) => unknown;
  const target = agent as unknown as {
    createConnection: Create;
    reuseSocket: (s: unknown, r: unknown) => void;
  };
  const unref = (socket: unknown) => (socket as { unref?: () => void } | undefined)?.unref?.();
  const create = target.createConnection.bind(agent);
  target.createConnection = (options, callback) => {
    const socket = create(
      options,
      callback &&
        ((err, s) => {
          unref(s);
          callback(err, s);
        }),
    );
    unref(socket);
    return socket;
  };
  const reuse = target.reuseSocket.bind(agent);
  target.reuseSocket = (socket, req) => {
    reuse(socket, req);
    unref(socket);
  };
  return agent;
}

function jittered(ms: number): number {
  return Math.max(0, ms * (1 + (Math.random() * 2 - 1) * JITTER));
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export class OtlpHttpTransport implements IExporterTransport {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly requests = new Set<http.ClientRequest>();
  private readonly sleeps = new Set<() => void>();
  private readonly maxInFlight: number;
  private readonly stats_: Omit<OtlpHttpTransportStats, 'inFlight'> = { delivered: 0, failed: 0, refused: 0 };
  private aborted = false;
  private refusedSinceLog = 0;
  private agent: Promise<http.Agent> | undefined;

  constructor(private readonly options: OtlpHttpTransportOptions) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? MAX_IN_FLIGHT);
  }

  /** Hands the body over for delivery and answers at once (see the header). */
  send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    if (this.aborted) {
      return Promise.resolve({
        status: 'failure',
        error: new Error(`OTLP ${this.options.signal} exporter is shut down`),
      });
    }
    if (this.inFlight.size >= this.maxInFlight) {
      this.stats_.refused++;
      if (this.refusedSinceLog++ === 0) {
        diag.warn(
          `tokenmeter: ${this.maxInFlight} OTLP ${this.options.signal} exports to ${this.options.url} are still in flight; dropping this batch (the collector is slow or not answering)`,
        );
      }
      return Promise.resolve({
        status: 'failure',
        error: new Error(`${this.maxInFlight} OTLP exports still in flight to ${this.options.url}`),
      });
    }
    const delivery = this.deliver(data, timeoutMillis).then(
      (result) => this.settle(result),
      (err: unknown) =>
        this.settle({ status: 'failure', error: err instanceof Error ? err : new Error(String(err)) }),
    );
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
    return Promise.resolve({ status: 'success' });
  }

  /** Resolves when every export handed over so far has been delivered or has failed. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Ends every export in flight now and refuses new ones. */
  abort(): void {
    this.aborted = true;
    for (const wake of this.sleeps) wake();
    for (const req of this.requests) req.destroy(new Error('aborted at the shutdown deadline'));
  }

  shutdown(): void {
    this.abort();
    void this.agent?.then(
      (a) => a.destroy(),
      (e: unknown) => diag.debug(`tokenmeter: no OTLP agent to close: ${(e as Error)?.message ?? e}`),
    );
  }

  stats(): OtlpHttpTransportStats {
    return { ...this.stats_, inFlight: this.inFlight.size };
  }

  private settle(result: ExportResponse): void {
    if (result.status === 'success') {
      this.stats_.delivered++;
      if (this.refusedSinceLog > 1) {
        diag.warn(
          `tokenmeter: the OTLP ${this.options.signal} collector answers again; ${this.refusedSinceLog - 1} more batches were dropped meanwhile`,
        );
      }
      this.refusedSinceLog = 0;
      if (result.data?.length) {
        try {
          this.options.onResponse?.(result.data);
        } catch (e) {
          diag.debug(`tokenmeter: unreadable OTLP ${this.options.signal} response: ${(e as Error).message}`);
        }
      }
      return;
    }
    this.stats_.failed++;
    diag.warn(
      `tokenmeter: OTLP ${this.options.signal} export to ${this.options.url} failed: ${result.error?.message ?? 'retries exhausted'}`,
    );
  }

  /** The stock exporter's retry policy, on timers that do not keep the process alive. */
  private async deliver(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const deadline = Date.now() + timeoutMillis;
    const body = this.options.compression === 'gzip' ? await gzip(data) : data;
    const headers = { ...(await this.options.headers()) };
    headers['User-Agent'] =
      `${this.options.userAgent ? `${this.options.userAgent} ` : ''}tokenmeter OTLP/HTTP`;
    if (this.options.compression === 'gzip') headers['Content-Encoding'] = 'gzip';
    headers['Content-Length'] = String(body.byteLength);
    this.agent ??= Promise.resolve(this.options.agentFactory(new URL(this.options.url).protocol)).then(
      unrefAgentSockets,
    );
    const agent = await this.agent;
    let backoff = INITIAL_BACKOFF_MS;
    for (let attempt = 1; ; attempt++) {
      if (this.aborted) return { status: 'failure', error: new Error('aborted at the shutdown deadline') };
      const result = await this.post(agent, body, headers, deadline - Date.now());
      if (result.status !== 'retryable' || attempt >= MAX_ATTEMPTS) return result;
      const wait = result.retryInMillis ?? jittered(Math.min(backoff, MAX_BACKOFF_MS));
      backoff *= BACKOFF_MULTIPLIER;
      if (wait > deadline - Date.now()) return result;
      await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.sleeps.add(wake);
    });
  }

  /** One POST, bounded by `timeoutMs` from start to the end of the response. */
  private post(
    agent: http.Agent,
    body: Uint8Array,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<ExportResponse> {
    if (timeoutMs <= 0) return Promise.resolve({ status: 'retryable', error: new Error('export timed out') });
    const url = new URL(this.options.url);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<ExportResponse>((resolve) => {
      let done = false;
      const finish = (result: ExportResponse) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.requests.delete(req);
        resolve(result);
      };
      const req = request(url, { method: 'POST', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            finish({ status: 'failure', error: new Error('OTLP response body over 4 MB') });
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        const status = res.statusCode ?? 0;
        const classify = (error?: Error): ExportResponse => {
          if (status >= 200 && status <= 299) return { status: 'success', data: Buffer.concat(chunks) };
          if (RETRYABLE_STATUS.has(status)) {
            const retryInMillis = retryAfterMs(res.headers['retry-after']);
            return retryInMillis === undefined
              ? { status: 'retryable', error: error ?? new Error(`HTTP ${status}`) }
              : { status: 'retryable', error: error ?? new Error(`HTTP ${status}`), retryInMillis };
          }
          return {
            status: 'failure',
            error:
              error ??
              new Error(
                `HTTP ${status} ${res.statusMessage ?? ''}: ${Buffer.concat(chunks).toString().slice(0, 200)}`.trim(),
              ),
          };
        };
        res.on('end', () => finish(classify()));
        res.on('error', (err) => finish(classify(err)));
      });
      this.requests.add(req);
      // A bound on the whole exchange; unref'd like the socket, so it never keeps the process alive.
      const timer = setTimeout(() => {
        req.destroy();
        finish({ status: 'retryable', error: new Error(`no answer within ${Math.round(timeoutMs)} ms`) });
      }, timeoutMs);
      timer.unref();
      req.on('error', (err: NodeJS.ErrnoException) => {
        finish(
          err.code && RETRYABLE_NETWORK_ERRORS.has(err.code) && !this.aborted
            ? { status: 'retryable', error: err }
            : { status: 'failure', error: err },
        );
      });
      req.end(body);
    });
  }
}
