// The fetch wrapper made before the fetch path is loaded. TokenmeterInstrumentation wraps the global
// fetch at start-up and a patched client's fetch when the client is made, but what observes a call
// (instrument-fetch.js: request recognition, the adapters, the call and span code, the pricing glue:
// most of this package) loads with the first call through such a wrapper, synchronously, from this
// build's own files. The preload imports this package at start-up, where every millisecond is paid
// by every process, whether it makes LLM calls or not (bench/RESULTS.md, start-up).
import { requireForCaller } from '@tokenmeter/config';
import type { FetchFn, TokenmeterRuntime } from '../runtime.js';
import type * as FetchPathModule from './instrument-fetch.js';
import { INSTRUMENTED, isInstrumented } from './instrumented-mark.js';

type FetchPath = typeof FetchPathModule;

let fetchPath: FetchPath | undefined;
let requireHere: NodeJS.Require | undefined;

/** Hands over the fetch path where it is already imported (the package's main entry): no load at the first call. */
export function provideFetchPath(loaded: FetchPath): void {
  fetchPath ??= loaded;
}

/** The fetch path, loaded synchronously the first time (in the ES module build, through require(esm)). */
export function loadFetchPath(): FetchPath {
  if (fetchPath === undefined) {
    requireHere ??= requireForCaller();
    fetchPath = requireHere('./instrument-fetch.js') as FetchPath;
  }
  return fetchPath;
}

/**
 * Loads the fetch path as a patched SDK loads: the app is about to make LLM calls, and its first one
 * should not wait for it (a process that never loads an LLM SDK never pays for it; raw fetch calls
 * load it with the first). A failure here is left to that first call, which loads it again (through
 * `import()` where require(esm) is missing) and reports what fails.
 */
export function loadFetchPathForSdk(): void {
  try {
    loadFetchPath();
  } catch {
    // reported by the first call through a wrapper, as said above
  }
}

/** Wrappers made before the fetch path loaded, per runtime and kind (client-level or global). */
const early = new WeakMap<TokenmeterRuntime, [WeakMap<FetchFn, FetchFn>, WeakMap<FetchFn, FetchFn>]>();

/**
 * `instrumentFetch`, with the fetch path loaded by the wrapper's first call rather than now (once it
 * is loaded, the wrapper `instrumentFetch` makes). Idempotent as `instrumentFetch` is.
 */
export function instrumentFetchLazily<F extends FetchFn>(
  fetchImpl: F,
  runtime: TokenmeterRuntime,
  options: FetchPathModule.InstrumentFetchOptions = {},
): F {
  if (typeof fetchImpl !== 'function' || isInstrumented(fetchImpl)) return fetchImpl;
  let caches = early.get(runtime);
  if (caches === undefined) {
    caches = [new WeakMap(), new WeakMap()];
    early.set(runtime, caches);
  }
  const cache = caches[options.global === true ? 1 : 0];
  const made = cache.get(fetchImpl);
  if (made !== undefined) return made as F;
  if (fetchPath !== undefined) return fetchPath.instrumentFetch(fetchImpl, runtime, options);

  const original: FetchFn = fetchImpl;
  let real: FetchFn | undefined;
  function fetch(this: unknown, ...args: unknown[]): Promise<Response> {
    if (real === undefined) {
      // While disabled every call goes straight on, as it would through the real wrapper.
      if (!runtime.enabled) return Reflect.apply(original, this, args);
      try {
        real = loadFetchPath().instrumentFetch(original, runtime, options);
      } catch {
        return loadLater(this, args);
      }
    }
    return Reflect.apply(real, this, args);
  }
  // Where require(esm) is missing (Node before 20.19 and 22.12, in the ES module build): this call
  // waits for the fetch path's import; if that fails too (the same error as require's, or another),
  // it is logged and counted once and calls go on uninstrumented.
  function loadLater(self: unknown, args: unknown[]): Promise<Response> {
    return import('./instrument-fetch.js').then(
      (loaded) => {
        fetchPath ??= loaded;
        real ??= loaded.instrumentFetch(original, runtime, options);
        return Reflect.apply(real, self, args) as Promise<Response>;
      },
      (error) => {
        if (real === undefined) {
          runtime.internalError('fetch', error);
          real = original;
        }
        return Reflect.apply(real, self, args) as Promise<Response>;
      },
    );
  }
  Object.defineProperty(fetch, INSTRUMENTED, { value: original });
  cache.set(fetchImpl, fetch as FetchFn);
  return fetch as F;
}
