// @google/genai: requests go through ApiClient#apiCall(url, init, retryOptions, timeout, signal,
// fetchFn), which calls `fetchFn ?? fetch` (the global, looked up at call time). A custom fetch
// comes from `httpOptions.fetch` (client or per request). ApiClient is not exported: the setter of
// GoogleGenAI#apiClient finds its prototype on the first client, and apiCall is wrapped there so
// the fetch it uses is the instrumented one. The request itself is not changed (setting
// httpOptions.fetch would make the SDK skip its own undici dispatcher).
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { isInstrumented } from '../fetch/instrumented-mark.js';
import { instrumentFetchLazily, loadFetchPathForSdk } from '../fetch/lazy-fetch.js';
import { reportInternalError } from '../internal-error.js';
import type { FetchFn, TokenmeterRuntime } from '../runtime.js';
import { GOOGLE_GENAI_SDK, versionRange } from '../supported-sdks.js';
import { findClass, interceptProperty, PATCH_COMPONENT, restoreProperty } from './client-property.js';

export const GOOGLE_GENAI_MODULE = GOOGLE_GENAI_SDK.name;
export const GOOGLE_GENAI_VERSIONS = [versionRange(GOOGLE_GENAI_SDK)];

/** Position of `fetchFn` in ApiClient#apiCall (3.x). */
const FETCH_ARG = 5;

const WRAPPED = Symbol.for('tokenmeter.instrumentation.genai.apiCall');

type ApiCall = ((this: unknown, ...args: unknown[]) => unknown) & { [WRAPPED]?: ApiCall };

function wrapApiCall(proto: Record<string, unknown>, runtime: () => TokenmeterRuntime): void {
  const original = proto.apiCall as ApiCall | undefined;
  if (typeof original !== 'function' || original[WRAPPED] !== undefined) return;
  if (original.length < FETCH_ARG + 1) return; // an older signature: the global fetch covers it
  const wrapped: ApiCall = function (this: unknown, ...args: unknown[]): unknown {
    try {
      const rt = runtime();
      if (rt.enabled) {
        const fetchFn = args[FETCH_ARG];
        if (typeof fetchFn === 'function') {
          args[FETCH_ARG] = instrumentFetchLazily(fetchFn as FetchFn, rt);
        } else if (fetchFn === undefined && !isInstrumented(globalThis.fetch)) {
          args[FETCH_ARG] = instrumentFetchLazily(globalThis.fetch, rt);
        }
      }
    } catch (error) {
      reportInternalError(
        PATCH_COMPONENT,
        "instrumenting @google/genai's apiCall failed; the call goes on unobserved",
        error,
      ); // and the SDK is called as it was called
    }
    return original.apply(this, args);
  };
  wrapped[WRAPPED] = original;
  Object.defineProperty(wrapped, 'length', { value: original.length });
  proto.apiCall = wrapped;
}

function unwrapApiCall(proto: Record<string, unknown>): void {
  const current = proto.apiCall as ApiCall | undefined;
  if (typeof current === 'function' && current[WRAPPED] !== undefined) proto.apiCall = current[WRAPPED];
}

export function googleGenaiModule(runtime: () => TokenmeterRuntime): InstrumentationNodeModuleDefinition {
  const patched = new Set<Record<string, unknown>>();
  const transform = (value: unknown) => {
    if (typeof value === 'object' && value !== null) {
      const proto = Object.getPrototypeOf(value) as Record<string, unknown> | null;
      if (proto !== null && proto !== Object.prototype && !patched.has(proto)) {
        patched.add(proto);
        wrapApiCall(proto, runtime);
      }
    }
    return value;
  };
  return new InstrumentationNodeModuleDefinition(
    GOOGLE_GENAI_MODULE,
    GOOGLE_GENAI_VERSIONS,
    (exports) => {
      loadFetchPathForSdk();
      const GoogleGenAI = findClass(exports, 'GoogleGenAI');
      if (GoogleGenAI !== undefined) interceptProperty(GoogleGenAI.prototype, 'apiClient', transform);
      return exports;
    },
    (exports) => {
      const GoogleGenAI = findClass(exports, 'GoogleGenAI');
      if (GoogleGenAI !== undefined) restoreProperty(GoogleGenAI.prototype, 'apiClient');
      for (const proto of patched) unwrapApiCall(proto);
      patched.clear();
    },
  );
}
