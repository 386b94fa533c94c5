// Spend over the last 24 hours per tenant, for the llm.cost_usd_rolling_24h gauge: per tenant a
// queue of (minute, nano-dollars) pairs, one per minute that had spend, oldest first. Memory is at
// most 1440 pairs per tenant, and a tenant without spend for a day is forgotten. Integer
// nano-dollars keep the running total exact.

const MINUTE_MS = 60_000;
const WINDOW_MINUTES = 24 * 60;

class MinuteQueue {
  minutes: number[] = [];
  sums: number[] = [];
  head = 0;
  total = 0;

  add(minute: number, nanos: number): void {
    const last = this.minutes.length - 1;
    if (last >= this.head && this.minutes[last] === minute) this.sums[last]! += nanos;
    else {
      this.minutes.push(minute);
      this.sums.push(nanos);
    }
    this.total += nanos;
  }

  /** Drop minutes older than the window ending at `minute`. */
  prune(minute: number): void {
    const oldest = minute - WINDOW_MINUTES + 1;
    while (this.head < this.minutes.length && this.minutes[this.head]! < oldest) {
      this.total -= this.sums[this.head]!;
      this.head++;
    }
    if (this.head > 256 && this.head * 2 > this.minutes.length) {
      this.minutes = this.minutes.slice(this.head);
      this.sums = this.sums.slice(this.head);
      this.head = 0;
    }
    if (this.head === this.minutes.length) {
      this.minutes.length = 0;
      this.sums.length = 0;
      this.head = 0;
      this.total = 0;
    }
  }

  empty(): boolean {
    return this.head === this.minutes.length;
  }
}

export class RollingSpend {
  private readonly tenants = new Map<string, MinuteQueue>();

  /** @param tenant '' for calls without a tenant. */
  add(tenant: string, nanos: number, nowMs: number): void {
    let q = this.tenants.get(tenant);
    if (q === undefined) {
      q = new MinuteQueue();
      this.tenants.set(tenant, q);
    }
    q.add(Math.floor(nowMs / MINUTE_MS), nanos);
  }

  has(tenant: string): boolean {
    return this.tenants.has(tenant);
  }

  get size(): number {
    return this.tenants.size;
  }

  /**
   * Calls `observe(tenant, nanos)` with each tenant's spend over the 24 hours ending at `nowMs`.
   * A tenant whose window is empty is reported once with 0, then forgotten.
   */
  forEach(nowMs: number, observe: (tenant: string, nanos: number) => void): void {
    const minute = Math.floor(nowMs / MINUTE_MS);
    for (const [tenant, q] of this.tenants) {
      q.prune(minute);
      observe(tenant, q.empty() ? 0 : q.total);
      if (q.empty()) this.tenants.delete(tenant);
    }
  }

  clear(): void {
    this.tenants.clear();
  }
}
