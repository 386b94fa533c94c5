import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Billing } from './billing.js';
import type { MockGateway } from './gateways.js';
import type { FaultKind, MockProviderOptions } from './types.js';
import {
  type CacheTtl,
  DEFAULT_REPLY_TOKENS,
  explicitPrefix,
  implicitPrefix,
  type PromptItem,
} from './usage.js';

export type Provider = 'openai' | 'azure' | 'anthropic' | 'gemini' | 'bedrock' | 'ollama';
export type CacheMode = 'read' | 'write' | 'none';

/** State shared by all requests of one server instance (cleared by reset()). */
export class ServerState {
  readonly seenPrefixes = new Set<string>();
  readonly faultCounts = new Map<string, number>();
  /** The organisation's bill, read by the admin cost and usage endpoints. */
  readonly billing: Billing;
  constructor(readonly options: MockProviderOptions) {
    this.billing = new Billing(options.billingPrices);
  }

  reset(): void {
    this.seenPrefixes.clear();
    this.faultCounts.clear();
    this.billing.reset();
  }

  /** An id like real ones: `prefix` + `length` random base62 characters. */
  id(prefix: string, length = 24): string {
    const bytes = randomBytes(length);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let s = prefix;
    for (let i = 0; i < length; i++) s += alphabet[bytes[i]! % alphabet.length];
    return s;
  }

  /**
   * Explicit caching (Anthropic cache_control, Bedrock cachePoint): the first request with a prefix
   * writes it, later ones read it. `x-mock-cache` overrides. Without a breakpoint, only a forced
   * mode caches, and then the whole prompt is the prefix.
   */
  explicitCache(
    scope: string,
    items: readonly PromptItem[],
    mode: CacheMode | undefined,
  ): { read: number; write: number; ttl: CacheTtl } {
    const none = { read: 0, write: 0, ttl: '5m' as CacheTtl };
    if (mode === 'none') return none;
    let prefix = explicitPrefix(items);
    if (!prefix) {
      if (!mode) return none;
      const all = items.map((i) => ({ ...i }));
      if (all.length === 0) return none;
      all[all.length - 1]!.breakpoint = '5m';
      prefix = explicitPrefix(all)!;
    }
    const key = `${scope}\u0001${prefix.key}`;
    const seen = this.seenPrefixes.has(key);
    this.seenPrefixes.add(key);
    if (mode === 'write' || (!mode && !seen)) return { read: 0, write: prefix.tokens, ttl: prefix.ttl };
    return { read: prefix.tokens, write: 0, ttl: prefix.ttl };
  }

  /**
   * Implicit caching (OpenAI, Gemini): all items but the last form the prefix; once a prefix of at
   * least 1024 tokens was seen, later requests read it. `x-mock-cache: read` reads the prefix (half
   * the prompt when there is a single item) whatever its size; `write` and `none` read nothing.
   */
  implicitCache(
    scope: string,
    items: readonly PromptItem[],
    total: number,
    mode: CacheMode | undefined,
  ): number {
    if (mode === 'none') return 0;
    const prefix = implicitPrefix(items);
    const key = `${scope}\u0001${prefix.key}`;
    if (mode === 'read') return prefix.tokens > 0 ? prefix.tokens : Math.floor(total / 2);
    if (prefix.tokens < 1024) return 0;
    const seen = this.seenPrefixes.has(key);
    this.seenPrefixes.add(key);
    if (mode === 'write') return 0;
    return seen ? prefix.tokens : 0;
  }
}

/** Everything a route handler needs about one request. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body (an object), or undefined. */
  body: Record<string, unknown> | undefined;
  /** The body as text (a multipart upload, which `body` does not hold). */
  rawBody: string;
  state: ServerState;
  provider: Provider;
  fault: FaultKind | undefined;
  /** Delay between stream events for slow-stream (x-mock-delay-ms, default 50). */
  delayMs: number;
  /** Requested reply length in tokens. */
  replyTokens: number;
  /** x-mock-stream-bytes: stream until about this many bytes were sent. */
  streamBytes: number | undefined;
  cacheMode: CacheMode | undefined;
  /** Bytes written to the response body so far. */
  bytesSent: number;
  /** The AI gateway the request came through (`/gateway/<name>/...`). */
  gateway?: MockGateway;
  startTime: number;
}

export function header(ctx: { req: IncomingMessage }, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function intHeader(ctx: { req: IncomingMessage }, name: string): number | undefined {
  const v = header(ctx, name);
  if (v === undefined) return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function defaultReplyTokens(options: MockProviderOptions): number {
  return options.replyTokens ?? DEFAULT_REPLY_TOKENS;
}

/** Output split between visible reply and reasoning under an optional cap (which covers both). */
export function planOutput(
  replyTokens: number,
  limit: number | undefined,
  reasoning: number,
): { visible: number; reasoning: number; truncated: boolean } {
  if (limit === undefined || !Number.isFinite(limit))
    return { visible: replyTokens, reasoning, truncated: false };
  const r = Math.min(reasoning, Math.floor(limit / 2));
  const visible = Math.max(0, Math.min(replyTokens, limit - r));
  return { visible, reasoning: r, truncated: visible < replyTokens };
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
