// Which calls tokenmeter's own spans already cover, so that the CostSpanProcessor never prices the
// same call twice: the parent span of each tokenmeter span (an SDK's self-trace such as the
// Anthropic SDK's, or a peer instrumentation's span around the SDK method, which our fetch span
// runs under) and the response ids tokenmeter saw. Both are bounded FIFO sets, and nothing is
// recorded until a CostSpanProcessor has seen a span that is not tokenmeter's start. Shared through a global symbol so the
// ESM and CJS copies of this package see one registry.
import { processSingleton } from './process-singleton.js';

const MAX_ENTRIES = 20_000;

/**
 * Remembers at least the last MAX_ENTRIES values added (at most twice that): values go into the
 * current generation; when it is full, it becomes the previous one and the one before is dropped.
 * O(1) per add. (Evicting the oldest entry of one Set on every add, once full, walked over the
 * deleted entries at the front of the Set's table: tens of µs per call in a long-running process.)
 */
export class BoundedSet {
  private current = new Set<string>();
  private previous = new Set<string>();
  constructor(private readonly max: number = MAX_ENTRIES) {}
  add(value: string): void {
    if (this.current.size >= this.max) {
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(value);
  }
  has(value: string): boolean {
    return this.current.has(value) || this.previous.has(value);
  }
  delete(value: string): boolean {
    const a = this.current.delete(value);
    return this.previous.delete(value) || a;
  }
  clear(): void {
    this.current.clear();
    this.previous.clear();
  }
}

export class Coverage {
  /** Set once a CostSpanProcessor sees a span other than tokenmeter's start; until then nothing is recorded. */
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

const make = () => new Coverage();
/** The process's registry, once looked up (a keyed read of globalThis on every call was measurable). */
let shared: Coverage | undefined;

export function coverage(): Coverage {
  shared ??= processSingleton(KEY, make);
  return shared;
}
