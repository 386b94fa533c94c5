// @anthropic-ai/sdk (0.x and 1.x): like openai, the client stores its fetch in `this.fetch` (in
// BaseAnthropic's constructor in 1.x). The setter goes on the base class when it is exported.
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { instrumentFetchLazily, loadFetchPathForSdk } from '../fetch/lazy-fetch.js';
import type { FetchFn, TokenmeterRuntime } from '../runtime.js';
import { ANTHROPIC_SDK, versionRange } from '../supported-sdks.js';
import { findClass, interceptProperty, restoreProperty } from './client-property.js';

export const ANTHROPIC_MODULE = ANTHROPIC_SDK.name;
export const ANTHROPIC_VERSIONS = [versionRange(ANTHROPIC_SDK)];

/** The Anthropic SDK's own tracer scope (1.x self-tracing); its spans are not priced again. */
export const ANTHROPIC_SDK_SCOPE = 'com.anthropic.sdk.typescript';

export function anthropicModule(runtime: () => TokenmeterRuntime): InstrumentationNodeModuleDefinition {
  const transform = (value: unknown) =>
    typeof value === 'function' ? instrumentFetchLazily(value as FetchFn, runtime()) : value;
  return new InstrumentationNodeModuleDefinition(
    ANTHROPIC_MODULE,
    ANTHROPIC_VERSIONS,
    (exports) => {
      loadFetchPathForSdk();
      const Base = findClass(exports, 'BaseAnthropic', 'Anthropic');
      if (Base !== undefined) interceptProperty(Base.prototype, 'fetch', transform);
      return exports;
    },
    (exports) => {
      const Base = findClass(exports, 'BaseAnthropic', 'Anthropic');
      if (Base !== undefined) restoreProperty(Base.prototype, 'fetch');
    },
  );
}
