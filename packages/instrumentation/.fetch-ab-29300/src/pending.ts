// Calls whose non-streamed response has arrived but whose body nobody has read yet. If the app
// never reads it, the call is ended without usage after a bounded time, so neither a span nor its
// state outlives the response. One unref'd interval serves every pending call; adding and removing
// a call is a Set operation.

export interface PendingCall {
  /** performance.now() when the response headers arrived. */
  readonly headersAt: number;
  /** End the call now, without a body. */
  expire(): void;
}

export class PendingBodies {
  private readonly calls = new Set<PendingCall>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private period = 0;

  constructor(private readonly timeoutMs: () => number) {}

  add(call: PendingCall): void {
    this.calls.add(call);
    if (this.timer === undefined || this.periodFor() < this.period) this.start();
  }

  delete(call: PendingCall): void {
    this.calls.delete(call);
  }

  get size(): number {
    return this.calls.size;
  }

  /** End every call pending longer than the timeout (the interval calls this). */
  sweep(now: number = performance.now()): void {
    const limit = now - this.timeoutMs();
    for (const call of this.calls) {
      if (call.headersAt > limit) continue;
      this.calls.delete(call);
      try {
        call.expire();
      } catch {
        // expire never throws; keep sweeping if it did
      }
    }
    if (this.calls.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private periodFor(): number {
    return Math.max(50, Math.min(10_000, Math.floor(this.timeoutMs() / 2)));
  }

  private start(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.period = this.periodFor();
    this.timer = setInterval(() => this.sweep(), this.period);
    this.timer.unref?.();
  }
}
