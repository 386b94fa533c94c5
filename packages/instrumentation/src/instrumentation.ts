// TokenmeterInstrumentation: one InstrumentationBase with one module definition per SDK, plus the
// global fetch. Each SDK patch does one small thing: the fetch the client uses becomes the
// instrumented one (Bedrock, which has no fetch, gets a middleware). The global fetch catches raw
// fetch calls and clients that look it up at call time (the Vercel AI SDK, @google/genai). What
// observes a call (the fetch path, Bedrock's middleware) loads with the first call, not with this
// class: the preload makes one at start-up.
import type { MeterProvider } from '@opentelemetry/api';
import {
  InstrumentationBase,
  type InstrumentationNodeModuleDefinition,
} from '@opentelemetry/instrumentation';
import { completeEndedCalls } from './call-endings.js';
import { coverage } from './coverage.js';
import { isInstrumented } from './fetch/instrumented-mark.js';
import { instrumentFetchLazily } from './fetch/lazy-fetch.js';
import { readPackageVersionsOnce } from './package-versions.js';
import { anthropicModule } from './patches/anthropic.js';
import { bedrockModule } from './patches/bedrock-module.js';
import { googleGenaiModule } from './patches/google-genai.js';
import { openaiModule } from './patches/openai.js';
import { type FetchFn, TokenmeterRuntime } from './runtime.js';
import type { PreSendHook, TokenmeterInstrumentationConfig } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

export class TokenmeterInstrumentation extends InstrumentationBase<TokenmeterInstrumentationConfig> {
  // Not initialised by a field initialiser: InstrumentationBase calls init() and enable() from its
  // constructor, before subclass fields would be set.
  declare private _tokenmeterRuntime: TokenmeterRuntime | undefined;

  constructor(config: TokenmeterInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
    // Before any hooked module loads: the hooks registered above run on the app's later requires.
    readPackageVersionsOnce(this);
  }

  /** The runtime every capture point of this instrumentation reports to. */
  get runtime(): TokenmeterRuntime {
    if (this._tokenmeterRuntime === undefined) {
      this._tokenmeterRuntime = new TokenmeterRuntime(this._config, () => this.tracer);
    }
    return this._tokenmeterRuntime;
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    const runtime = () => this.runtime;
    return [
      openaiModule(runtime),
      anthropicModule(runtime),
      googleGenaiModule(runtime),
      bedrockModule(runtime),
    ];
  }

  override enable(): void {
    if (!this.runtime.enabled || !this.isEnabled()) coverage().instrumenting++;
    this.runtime.enabled = true;
    super.enable();
    if (this.runtime.config.instrumentGlobalFetch) this.wrapGlobalFetch();
  }

  override disable(): void {
    completeEndedCalls();
    if (this.isEnabled()) coverage().instrumenting = Math.max(0, coverage().instrumenting - 1);
    super.disable();
    this.runtime.enabled = false;
    this.unwrapGlobalFetch();
  }

  override setConfig(config: TokenmeterInstrumentationConfig = {}): void {
    super.setConfig(config);
    if (this._tokenmeterRuntime === undefined) return;
    const wasGlobal = this.runtime.config.instrumentGlobalFetch;
    this.runtime.setConfig(config);
    if (this.isEnabled() && wasGlobal !== this.runtime.config.instrumentGlobalFetch) {
      if (this.runtime.config.instrumentGlobalFetch) this.wrapGlobalFetch();
      else this.unwrapGlobalFetch();
    }
  }

  /**
   * Set (or remove, with undefined) the hook asked before each LLM request is sent, without touching
   * the rest of the config: the distro installs its budget check when budgets appear.
   */
  setBeforeSend(hook: PreSendHook | undefined): void {
    super.setConfig({ ...this.getConfig(), beforeSend: hook });
    if (this._tokenmeterRuntime !== undefined) this.runtime.beforeSend = hook;
  }

  override setMeterProvider(meterProvider: MeterProvider): void {
    super.setMeterProvider(meterProvider);
    this.runtime.metrics.setMeterProvider(meterProvider);
  }

  /** Wrap a fetch of your own (a client this instrumentation does not patch). Idempotent. */
  instrumentFetch<F extends FetchFn>(fetchImpl: F): F {
    return instrumentFetchLazily(fetchImpl, this.runtime);
  }

  private wrapGlobalFetch(): void {
    const runtime = this.runtime;
    const current = globalThis.fetch;
    if (typeof current !== 'function' || runtime.globalWrapper !== undefined) return;
    if (isInstrumented(current)) return; // another tokenmeter instance already did
    const wrapper = instrumentFetchLazily(current, runtime, { global: true });
    runtime.globalOriginal = current;
    runtime.globalWrapper = wrapper;
    globalThis.fetch = wrapper;
  }

  private unwrapGlobalFetch(): void {
    const runtime = this.runtime;
    if (runtime.globalWrapper === undefined) return;
    // Restore only if nobody wrapped fetch on top of ours; otherwise ours passes calls through.
    if (globalThis.fetch === runtime.globalWrapper && runtime.globalOriginal !== undefined) {
      globalThis.fetch = runtime.globalOriginal;
    }
    runtime.globalWrapper = undefined;
    runtime.globalOriginal = undefined;
  }
}
