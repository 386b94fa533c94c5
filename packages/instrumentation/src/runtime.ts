// What every capture point shares: the resolved config, the tracer, the metrics recorder, and the
// state of the global fetch wrapper. `TokenmeterInstrumentation` owns one; `instrumentFetch` used on
// its own gets the default one (config from env vars, the global tracer and meter providers).
import { diag, type Tracer, trace } from '@opentelemetry/api';
import type { RecognizeOptions } from './adapters/index.js';
import { setAttributionDefaults } from './attribution.js';
import { type ResolvedConfig, resolveConfig } from './config.js';
import { type MetricsRecorder, sharedMetrics } from './metrics/recorder.js';
import { OnceLog } from './once-log.js';
import { PendingBodies } from './pending.js';
import type { PreSendHook, TokenmeterInstrumentationConfig } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

export type FetchFn = typeof globalThis.fetch;

const log = diag.createComponentLogger({ namespace: PACKAGE_NAME });

export class TokenmeterRuntime {
  /** When false every capture point passes calls straight through. */
  enabled = true;
  config: ResolvedConfig;
  recognizeOptions: RecognizeOptions;
  readonly metrics: MetricsRecorder;
  readonly pending: PendingBodies;
  /** The global fetch wrapper, while `globalThis.fetch` is instrumented. */
  globalWrapper: FetchFn | undefined;
  /** The fetch `globalThis.fetch` held before it was instrumented. */
  globalOriginal: FetchFn | undefined;
  /**
   * End calls in batches (call-endings.ts): spans, prices, metrics and records of the calls that
   * ended in the last few milliseconds are made together. Only where every reader drains the batch
   * first: the distro turns it on with its own tracer provider (whose CostSpanProcessor drains).
   */
  endCallsInBatches = false;
  /** Asked before each LLM request is sent (budgets); undefined: nothing is asked. */
  beforeSend: PreSendHook | undefined;
  private tracerSource: () => Tracer;
  private readonly logs = new OnceLog(log);
  /** Origins whose responses named an AI gateway (a LiteLLM proxy's headers): origin → gateway. */
  private readonly gatewayOrigins = new Map<string, string>();
  /** OpenAI batch output and error files the app has seen a batch name: file id → batch id. */
  private readonly batchFiles = new Map<string, string>();

  constructor(config: TokenmeterInstrumentationConfig = {}, tracer?: () => Tracer) {
    this.config = resolveConfig(config);
    setAttributionDefaults(this.config.defaultAttribution);
    this.recognizeOptions = { providers: this.config.providers };
    this.beforeSend = config.beforeSend;
    this.metrics = sharedMetrics();
    this.metrics.configure(this.config);
    this.pending = new PendingBodies(
      () => this.config.unreadBodyTimeoutMs,
      (error) => this.internalError('pending', error),
    );
    const fallback = trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
    this.tracerSource = tracer ?? (() => fallback);
  }

  get tracer(): Tracer {
    return this.tracerSource();
  }

  setTracerSource(tracer: () => Tracer): void {
    this.tracerSource = tracer;
  }

  setConfig(config: TokenmeterInstrumentationConfig): void {
    this.config = resolveConfig(config);
    setAttributionDefaults(this.config.defaultAttribution);
    this.recognizeOptions = { providers: this.config.providers };
    this.beforeSend = config.beforeSend;
    this.metrics.configure(this.config);
  }

  /** Whether `fn` calls `globalThis.fetch` while it is instrumented (so a wrapper of fn must suppress it). */
  isGlobalFetch(fn: unknown): boolean {
    return fn === this.globalWrapper || fn === this.globalOriginal || fn === NATIVE_FETCH;
  }

  /** The gateway an earlier response from `origin` named, if any. */
  gatewayAt(origin: string): string | undefined {
    return this.gatewayOrigins.get(origin);
  }

  /** Remember that `origin` is `gateway` (bounded: an app talks to few gateways). */
  learnGateway(origin: string, gateway: string): void {
    if (this.gatewayOrigins.get(origin) === gateway) return;
    if (this.gatewayOrigins.size >= MAX_GATEWAY_ORIGINS) this.gatewayOrigins.clear();
    this.gatewayOrigins.set(origin, gateway);
  }

  /** The batch whose output or error file `fileId` is, when the app has read that batch. */
  batchOfFile(fileId: string): string | undefined {
    return this.batchFiles.get(fileId);
  }

  /**
   * Remember that `fileId` holds results of `batchId`. Bounded: the file learned or read again
   * longest ago is forgotten first, so a batch the app keeps polling stays known.
   */
  learnBatchFile(fileId: string, batchId: string): void {
    this.batchFiles.delete(fileId);
    if (this.batchFiles.size >= MAX_BATCH_FILES) {
      const oldest = this.batchFiles.keys().next().value;
      if (oldest !== undefined) this.batchFiles.delete(oldest);
    }
    this.batchFiles.set(fileId, batchId);
  }

  /** A failure of ours: logged through the OTel diag logger and counted; never seen by the app. */
  internalError(component: string, error: unknown): void {
    try {
      this.metrics.internalError(component);
      this.logs.report(component, `tokenmeter ${component} failed; the call went on unobserved`, error);
    } catch {
      // nothing
    }
  }

  /**
   * Something wrong in what a provider sent (not a failure of ours, so not counted as one): warned
   * once per `key` through the OTel diag logger, then logged at debug level.
   */
  providerProblem(key: string, message: string): void {
    this.logs.report(key, message);
  }
}

const MAX_GATEWAY_ORIGINS = 256;
/** Batches an app polls at once are far fewer: the file ids of the last 10,000 are kept. */
export const MAX_BATCH_FILES = 10_000;

/** `globalThis.fetch` as it was when this module loaded. */
const NATIVE_FETCH: unknown = typeof globalThis.fetch === 'function' ? globalThis.fetch : undefined;

let defaultRuntime: TokenmeterRuntime | undefined;

/** The runtime used by `instrumentFetch` when none is given: env config, global providers. */
export function getDefaultRuntime(): TokenmeterRuntime {
  defaultRuntime ??= new TokenmeterRuntime();
  return defaultRuntime;
}
