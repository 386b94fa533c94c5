// Checks and defaults of GatewayOptions; every problem is one GatewayConfigError naming the option
// and the fix.

import { isLoopbackHost } from '@tokenmeter/config';
import { GatewayConfigError } from './errors/gateway-error.js';
import type { GatewayOptions } from './types.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4319;
export const DEFAULT_MAX_QUEUE_SPANS = 100_000;
export const DEFAULT_MAX_QUEUE_BYTES = 256 * 1024 * 1024;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

export type ResolvedGatewayOptions = Required<
  Pick<
    GatewayOptions,
    | 'host'
    | 'port'
    | 'maxQueueSpans'
    | 'maxQueueBytes'
    | 'maxBodyBytes'
    | 'concurrency'
    | 'forwardTimeoutMs'
    | 'retryInitialMs'
    | 'retryMaxMs'
    | 'retryMaxElapsedMs'
    | 'costAttributes'
  >
> &
  Omit<GatewayOptions, 'token'> & {
    forwardBase: string;
    /** The bearer token; undefined when none is required (loopback, or an empty token). */
    token: string | undefined;
  };

/** The next hop's base URL, without a trailing slash. */
export function parseForwardUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GatewayConfigError(
      `forward: "${text}" is not a URL; give the next hop's OTLP/HTTP base URL, e.g. http://collector:4318`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new GatewayConfigError(
      `forward: "${text}" must be an http:// or https:// URL (the gateway forwards OTLP/HTTP; gRPC is not supported)`,
    );
  if (url.search || url.hash)
    throw new GatewayConfigError(`forward: "${text}" must not have a query or fragment`);
  if (url.username || url.password)
    throw new GatewayConfigError(
      `forward: "${text}" must not carry credentials; pass them as headers (OTEL_EXPORTER_OTLP_HEADERS)`,
    );
  const path = url.pathname.replace(/\/+$/, '');
  if (/\/v1\/(traces|metrics|logs)$/.test(path))
    throw new GatewayConfigError(
      `forward: give the base URL without ${path.slice(path.lastIndexOf('/v1/'))} (the gateway appends /v1/traces, /v1/metrics and /v1/logs)`,
    );
  return `${url.origin}${path}`;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0 || !Number.isInteger(value))
    throw new GatewayConfigError(`${name}: ${value} must be a whole number above 0`);
  return value;
}

export function resolveOptions(options: GatewayOptions): ResolvedGatewayOptions {
  if (typeof options.forward !== 'string' || options.forward === '')
    throw new GatewayConfigError(
      'forward: the next hop is required, e.g. --forward http://collector:4318 (where priced spans go)',
    );
  const forwardBase = parseForwardUrl(options.forward);
  const host = options.host ?? DEFAULT_HOST;
  const token = options.token === '' ? undefined : options.token;
  if (!isLoopbackHost(host) && token === undefined)
    throw new GatewayConfigError(
      `host: binding ${host} (off loopback) needs a token: set --token or TOKENMETER_GATEWAY_TOKEN, and have senders send "Authorization: Bearer <token>"`,
    );
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new GatewayConfigError(`port: ${port} is not a port (0 to 65535)`);
  return {
    ...options,
    token,
    forwardBase,
    host,
    port,
    maxQueueSpans: positive('maxQueueSpans', options.maxQueueSpans, DEFAULT_MAX_QUEUE_SPANS),
    maxQueueBytes: positive('maxQueueBytes', options.maxQueueBytes, DEFAULT_MAX_QUEUE_BYTES),
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    concurrency: positive('concurrency', options.concurrency, 8),
    forwardTimeoutMs: positive('forwardTimeoutMs', options.forwardTimeoutMs, 10_000),
    retryInitialMs: positive('retryInitialMs', options.retryInitialMs, 500),
    retryMaxMs: positive('retryMaxMs', options.retryMaxMs, 30_000),
    retryMaxElapsedMs: positive('retryMaxElapsedMs', options.retryMaxElapsedMs, 300_000),
    costAttributes: options.costAttributes ?? 'tokenmeter',
  };
}
