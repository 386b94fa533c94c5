// openai (4.x to 7.x): the client stores its fetch in `this.fetch` (the user's, or the global one
// resolved at construction) and calls `this.fetch.call(undefined, url, init)`. The setter on
// OpenAI.prototype makes that fetch the instrumented one, for OpenAI and AzureOpenAI alike.
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { instrumentFetchLazily, loadFetchPathForSdk } from '../fetch/lazy-fetch.js';
import type { FetchFn, TokenmeterRuntime } from '../runtime.js';
import { OPENAI_SDK, versionRange } from '../supported-sdks.js';
import { findClass, interceptProperty, restoreProperty } from './client-property.js';

export const OPENAI_MODULE = OPENAI_SDK.name;
export const OPENAI_VERSIONS = [versionRange(OPENAI_SDK)];

export function openaiModule(runtime: () => TokenmeterRuntime): InstrumentationNodeModuleDefinition {
  const transform = (value: unknown) =>
    typeof value === 'function' ? instrumentFetchLazily(value as FetchFn, runtime()) : value;
  return new InstrumentationNodeModuleDefinition(
    OPENAI_MODULE,
    OPENAI_VERSIONS,
    (exports) => {
      loadFetchPathForSdk();
      const OpenAI = findClass(exports, 'OpenAI');
      if (OpenAI !== undefined) interceptProperty(OpenAI.prototype, 'fetch', transform);
      return exports;
    },
    (exports) => {
      const OpenAI = findClass(exports, 'OpenAI');
      if (OpenAI !== undefined) restoreProperty(OpenAI.prototype, 'fetch');
    },
  );
}
