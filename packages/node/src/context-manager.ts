// The distro's context manager: OpenTelemetry's AsyncLocalStorageContextManager, except for one
// case. On Node 20 and 22 the first AsyncLocalStorage#run turns on promise hooks for the whole
// process, and from then on every promise of the app costs more (about 6 µs per openai SDK call,
// measured on Node 20; Node 24's AsyncContextFrame has no such cost). In a process where nothing
// else propagates a context, the only `context.with` is the span processor's export wrapped in
// "suppress tracing": that one is applied for the synchronous part of the call only, which is where
// an exporter starts its request. The first context that really needs propagating (withAttribution,
// an instrumentation's span, the app's own) switches to AsyncLocalStorage for good.
import { type Context, type ContextManager, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { isTracingSuppressed } from './suppress-tracing.js';

/** Only "suppress tracing": no span, no baggage. */
function isSuppressionOnly(ctx: Context): boolean {
  return (
    isTracingSuppressed(ctx) && trace.getSpan(ctx) === undefined && propagation.getBaggage(ctx) === undefined
  );
}

export class LazyAsyncLocalStorageContextManager implements ContextManager {
  private readonly inner = new AsyncLocalStorageContextManager();
  /** Set once a context was entered through AsyncLocalStorage (then every context is). */
  private propagating = false;
  /** The context of a synchronous `with` in progress (before `propagating`). */
  private sync: Context | undefined;

  /** Whether contexts are propagated through AsyncLocalStorage yet (tests, diagnostics). */
  get asyncPropagation(): boolean {
    return this.propagating;
  }

  active(): Context {
    return this.sync ?? this.inner.active();
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    if (!this.propagating) {
      if (this.sync === undefined && this.inner.active() === ROOT_CONTEXT && isSuppressionOnly(context)) {
        this.sync = context;
        try {
          return fn.call(thisArg, ...args);
        } finally {
          this.sync = undefined;
        }
      }
      this.propagating = true;
    }
    // A synchronous context in progress is the outer one of this call: AsyncLocalStorage's wins inside.
    const outer = this.sync;
    this.sync = undefined;
    try {
      return this.inner.with(context, fn, thisArg, ...args);
    } finally {
      this.sync = outer;
    }
  }

  bind<T>(context: Context, target: T): T {
    this.propagating = true;
    return this.inner.bind(context, target);
  }

  enable(): this {
    this.inner.enable();
    return this;
  }

  disable(): this {
    this.inner.disable();
    this.propagating = false;
    this.sync = undefined;
    return this;
  }
}
