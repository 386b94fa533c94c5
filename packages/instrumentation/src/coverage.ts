// Which calls tokenmeter's own spans already cover, so that the CostSpanProcessor never prices the
// same call twice: the parent span of each tokenmeter span (an SDK's self-trace such as the
// Anthropic SDK's, or a peer instrumentation's span around the SDK method, which our fetch span
// runs under) and the response ids tokenmeter saw. Both are bounded FIFO sets, and nothing is
// recorded until a CostSpanProcessor exists in the process. Shared through a global symbol so the
// ESM and CJS copies of this package see one registry.

const MAX_ENTRIES = 20_000;

class BoundedSet {
  private readonly items = new Set<string>();
  add(value: string): void {
    if (this.items.size >= MAX_ENTRIES) {
      const oldest = this.items.values().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
    this.items.add(value);
  }
  has(value: string): boolean {
    return this.items.has(value);
  }
  delete(value: string): boolean {
    return this.items.delete(value);
  }
  clear(): void {
    this.items.clear();
  }
}

export class Coverage {
  /** Set once a CostSpanProcessor is constructed; until then nothing is recorded. */
  active = false;
  /** How many TokenmeterInstrumentation instances are enabled in the process. */
  instrumenting = 0;
  readonly parentSpans = new BoundedSet();
  readonly responseIds = new BoundedSet();
  clear(): void {
    this.parentSpans.clear();
    this.responseIds.clear();
  }
}

const KEY = Symbol.for('tokenmeter.instrumentation.coverage');

export function coverage(): Coverage {
  const g = globalThis as { [KEY]?: Coverage };
  let c = g[KEY];
  if (c === undefined) {
    c = new Coverage();
    g[KEY] = c;
  }
  return c;
}
