// The bounded queue of accepted trace batches and their delivery to the next hop. A batch stays
// counted in the queue from the moment it is accepted until the next hop takes it (2xx) or it is
// given up on; `offer` refuses a batch that would take the queue past its bounds, which the server
// turns into 429 + Retry-After for the sender (the OTLP spec's backpressure). Deliveries run a few at
// a time; a retryable failure waits for the next hop's Retry-After or a jittered backoff.

import type { Poster, PostResult } from './post.js';
import { backoffMs, isRetryableStatus, retryAfterMs } from './retry.js';

export interface Batch {
  /** The body to send (already priced). */
  body: Uint8Array;
  headers: Record<string, string>;
  spans: number;
}

export interface ForwarderOptions {
  url: URL;
  poster: Poster;
  maxQueueSpans: number;
  maxQueueBytes: number;
  /** Deliveries in flight at once. */
  concurrency: number;
  timeoutMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Give a batch up after retrying this long. */
  retryMaxElapsedMs: number;
  onForwarded(spans: number): void;
  onDropped(spans: number, why: string): void;
}

interface Entry {
  batch: Batch;
  bytes: number;
  firstTry: number;
  attempts: number;
  /** Given up on while its delivery was in flight: its outcome no longer counts. */
  abandoned?: boolean;
}

export class Forwarder {
  private readonly waiting: Entry[] = [];
  private head = 0;
  private inFlight = 0;
  private readonly retrying = new Map<Entry, ReturnType<typeof setTimeout>>();
  private readonly sending = new Set<Entry>();
  private spans = 0;
  private bytes = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly options: ForwarderOptions) {}

  /** Spans accepted and not yet delivered or dropped. */
  get queuedSpans(): number {
    return this.spans;
  }

  get queuedBytes(): number {
    return this.bytes;
  }

  /** Whether a batch of this size would be refused now. */
  wouldRefuse(spans: number, bytes: number): boolean {
    if (this.spans === 0 && this.bytes === 0) return false; // an empty queue takes any one batch
    return this.spans + spans > this.options.maxQueueSpans || this.bytes + bytes > this.options.maxQueueBytes;
  }

  /** Whether the queue is at its bounds (readiness). */
  get full(): boolean {
    return this.spans >= this.options.maxQueueSpans || this.bytes >= this.options.maxQueueBytes;
  }

  /** Queue a batch for delivery; false (and nothing queued) when the queue is full. */
  offer(batch: Batch): boolean {
    if (this.closed || this.wouldRefuse(batch.spans, batch.body.length)) return false;
    this.spans += batch.spans;
    this.bytes += batch.body.length;
    this.waiting.push({ batch, bytes: batch.body.length, firstTry: Date.now(), attempts: 0 });
    this.pump();
    return true;
  }

  /**
   * Resolves once every accepted batch is delivered or dropped, or at `deadline` (epoch ms), when
   * what is left is dropped (and counted). Retries waiting for a backoff are sent at once.
   */
  async drain(deadline: number): Promise<void> {
    for (const [entry, timer] of this.retrying) {
      clearTimeout(timer);
      this.retrying.delete(entry);
      this.waiting.push(entry);
    }
    this.pump();
    const idle = new Promise<void>((resolve) => {
      if (this.spans === 0) resolve();
      else this.idleWaiters.push(resolve);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    });
    const outcome = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.abandon('the shutdown drain timed out');
  }

  /** Drop everything still queued (shutdown). */
  abandon(why: string): void {
    this.closed = true;
    for (const [entry, timer] of this.retrying) {
      clearTimeout(timer);
      this.give(entry, why);
    }
    this.retrying.clear();
    for (const entry of this.sending) {
      entry.abandoned = true;
      this.give(entry, why);
    }
    this.sending.clear();
    while (this.head < this.waiting.length) this.give(this.waiting[this.head++]!, why);
    this.waiting.length = 0;
    this.head = 0;
  }

  private give(entry: Entry, why: string): void {
    this.release(entry);
    this.options.onDropped(entry.batch.spans, why);
  }

  private release(entry: Entry): void {
    this.spans -= entry.batch.spans;
    this.bytes -= entry.bytes;
    if (this.spans === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.head < this.waiting.length) {
      const entry = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined as unknown as Entry;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      this.inFlight++;
      void this.send(entry);
    }
  }

  private async send(entry: Entry): Promise<void> {
    entry.attempts++;
    this.sending.add(entry);
    let result: PostResult;
    try {
      result = await this.options.poster.post(
        this.options.url,
        entry.batch.body,
        entry.batch.headers,
        this.options.timeoutMs,
      );
    } catch (e) {
      result = { status: 0, headers: {}, body: Buffer.alloc(0), error: (e as Error).message };
    }
    this.inFlight--;
    this.sending.delete(entry);
    if (!entry.abandoned) this.settle(entry, result);
    this.pump();
  }

  private settle(entry: Entry, result: PostResult): void {
    const { status } = result;
    if (status >= 200 && status < 300) {
      this.release(entry);
      this.options.onForwarded(entry.batch.spans);
      return;
    }
    const retryable = status === 0 || isRetryableStatus(status);
    if (!retryable) {
      this.give(entry, `the next hop refused the batch for good: HTTP ${status} ${snippet(result.body)}`);
      return;
    }
    const now = Date.now();
    const header = result.headers['retry-after'];
    const hinted = retryAfterMs(Array.isArray(header) ? header[0] : header, now);
    const delay = Math.min(
      this.options.retryMaxMs,
      hinted ??
        backoffMs(entry.attempts, { initialMs: this.options.retryInitialMs, maxMs: this.options.retryMaxMs }),
    );
    if (this.closed && this.idleWaiters.length === 0) {
      this.give(entry, 'the gateway stopped');
      return;
    }
    if (now + delay - entry.firstTry > this.options.retryMaxElapsedMs) {
      const why = status === 0 ? (result.error ?? 'no answer') : `HTTP ${status}`;
      this.give(
        entry,
        `the next hop kept failing (${why}) for ${Math.round((now - entry.firstTry) / 1000)} s`,
      );
      return;
    }
    // While draining, no long waits (but still spaced out).
    const wait = this.idleWaiters.length > 0 ? Math.min(delay, 1000) : delay;
    const timer = setTimeout(() => {
      this.retrying.delete(entry);
      this.waiting.push(entry);
      this.pump();
    }, wait);
    this.retrying.set(entry, timer);
  }
}

function snippet(body: Buffer): string {
  const text = body.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
