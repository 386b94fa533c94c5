// How a fetch made by tokenmeter is told apart (a property under a registered symbol, so every copy
// of the package agrees): apart from the fetch path itself, which loads with the first call.
import type { FetchFn } from '../runtime.js';

/** Marks a fetch made by tokenmeter (value: the fetch it wraps). */
export const INSTRUMENTED = Symbol.for('tokenmeter.instrumentation.fetch');

type Instrumented = FetchFn & { [INSTRUMENTED]?: FetchFn };

/** Whether `fn` is a fetch wrapped by tokenmeter. */
export function isInstrumented(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as Instrumented)[INSTRUMENTED] !== undefined;
}

/** The fetch a tokenmeter wrapper wraps, or `fn` itself. */
export function unwrapFetch<T>(fn: T): T {
  return (typeof fn === 'function' && ((fn as Instrumented)[INSTRUMENTED] as T | undefined)) || fn;
}
