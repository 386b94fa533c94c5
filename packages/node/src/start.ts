// startTokenmeter: reads the settings, sets up (or joins) the OpenTelemetry SDK, registers the
// instrumentation, opens the local store, and flushes everything on the way out.
//
// Start-up registers only what must be there before the app's first line: the global tracer and
// meter providers (late-providers.ts: the SDK behind them loads when first needed), the context
// manager and propagator, the instrumentation's hooks, the Prometheus endpoint's socket, and the exit
// handlers. The SDK, the store and the parsed price catalog load while the first LLM request is in
// flight (at the latest, synchronously, by the call's completion or at exit).
import diagnostics from 'node:diagnostics_channel';
import {
  context,
  DiagConsoleLogger,
  type DiagLogger,
  DiagLogLevel,
  diag,
  metrics,
  propagation,
  trace,
} from '@opentelemetry/api';
import { requireForCaller } from '@tokenmeter/config';
import {
  completeEndedCalls,
  createHistogramStore,
  loadPricing,
  type PreSendHook,
  TokenmeterInstrumentation,
} from '@tokenmeter/instrumentation/preload';
import { type BudgetsHandle, readBudgetSettings, startBudgets } from './budgets.js';
import { parseConfig } from './config.js';
import { LazyAsyncLocalStorageContextManager } from './context-manager.js';
import { installExitHandlers } from './exit.js';
import type { CallRecord, CallRecordSink, TokenmeterInstrumentationConfig } from './instrumentation-types.js';
import { LateMeterProvider, LateTracerProvider } from './late-providers.js';
import { LazyBatchWriter } from './lazy-store.js';
import { type PrometheusEndpoint, startPrometheusEndpoint } from './prometheus-endpoint.js';
import { installPropagation } from './propagation/index.js';
import { buildPropagator } from './propagator.js';
import type { Sdk, SdkOptions } from './sdk-providers.js';
import type {
  LogLevelName,
  StartTokenmeterOptions,
  TokenmeterHandle,
  TokenmeterMode,
  TokenmeterNodeConfig,
} from './types.js';

let requireHere: NodeJS.Require | undefined;

/**
 * sdk-providers.js and the OpenTelemetry SDK with it, loaded synchronously (a span or an instrument
 * is asked for synchronously). The CommonJS build, whichever build asks: both sit in dist/.
 */
function loadSdkModule(): { buildSdk(o: SdkOptions): Sdk } {
  requireHere ??= requireForCaller();
  return requireHere('../cjs/sdk-providers.js') as { buildSdk(o: SdkOptions): Sdk };
}

/** Where @opentelemetry/api keeps its registered globals (api 1.x). */
const OTEL_API_GLOBAL = Symbol.for('opentelemetry.js.api.1');
/** The handle of the distro started in this process, whichever module copy (ESM or CJS) started it. */
const STARTED = Symbol.for('tokenmeter.node.started');

type GlobalSlots = { [OTEL_API_GLOBAL]?: { trace?: unknown; metrics?: unknown }; [STARTED]?: StartResult };
const slots = globalThis as unknown as GlobalSlots;

/** Whether an OpenTelemetry tracer / meter provider was registered before us (the app's own SDK). */
export function existingOtelProviders(): { tracer: boolean; meter: boolean } {
  const g = slots[OTEL_API_GLOBAL];
  return { tracer: g?.trace !== undefined, meter: g?.metrics !== undefined };
}

const LOG_LEVEL: Record<LogLevelName, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** One line, whatever the message held (native module errors span several). */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function defaultWarn(line: string): void {
  try {
    process.stderr.write(`${oneLine(line)}\n`);
  } catch {
    // stderr closed: nothing more to do
  }
}

/**
 * Bounds a promise: resolves true when it settled in time, false when the time ran out. Never rejects.
 * The timer keeps the process alive until then: the exports a flush waits for do not (see
 * otlp-http-transport.ts), so an app whose last act is `await tokenmeter.shutdown()` still delivers.
 */
export function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    p.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      (err) => {
        diag.warn(`tokenmeter: flush failed: ${(err as Error)?.message ?? err}`);
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

/** What start hands to the preload besides the public handle. */
export interface StartResult {
  handle: TokenmeterHandle & {
    /** Like shutdown, resolving false when the bound ran out with exports still pending. */
    shutdownWithin(): Promise<boolean>;
  };
  instrumentation: TokenmeterInstrumentation | undefined;
}

function instrumentationConfig(
  config: TokenmeterNodeConfig,
  onCallRecord: CallRecordSink,
): TokenmeterInstrumentationConfig {
  return {
    enabled: true,
    captureMessageContent: config.captureMessageContent,
    openaiStreamUsage: config.openaiStreamUsage,
    providers: config.providers,
    metricLabels: config.metricLabels,
    maxMetricSeries: config.maxMetricSeries,
    costAttributes: config.costAttributes,
    defaultAttribution: config.defaultAttribution,
    onCallRecord,
  };
}

/**
 * Loads TOKENMETER_PRICING_FILE into the default pricer (of the pricing copy the calls are priced
 * with; @tokenmeter/pricing loads here, else with the first call); one line per problem, defaults on
 * failure.
 */
function applyPricingFile(path: string, problems: string[]): void {
  let pricing: ReturnType<typeof loadPricing>;
  try {
    pricing = loadPricing();
  } catch (e) {
    problems.push(
      `TOKENMETER_PRICING_FILE ${path}: not applied, @tokenmeter/pricing did not load (${(e as Error).message}); the ES module build of @tokenmeter/node needs Node.js 20.19+ or 22.12+ for it, the preload (--import/--require @tokenmeter/node/register) does not`,
    );
    return;
  }
  const { configurePricing, loadPricingFile } = pricing;
  const { overrides, problems: fileProblems } = loadPricingFile(path);
  for (const p of fileProblems) {
    problems.push(`TOKENMETER_PRICING_FILE ${p.file}${p.path ? ` at ${p.path}` : ''}: ${p.reason}`);
  }
  try {
    configurePricing({ overrides });
  } catch (e) {
    problems.push(
      `TOKENMETER_PRICING_FILE ${path}: ${(e as Error).message}; using the bundled catalog without overrides`,
    );
  }
}

/** How long the writes to the store at exit may wait for another connection's lock: half the bound. */
export function storeShareOfShutdown(shutdownTimeoutMs: number): number {
  return Math.floor(shutdownTimeoutMs / 2);
}

/** The local store's writer; the store itself loads as the first LLM request starts (lazy-store.ts). */
function openStore(config: TokenmeterNodeConfig, warn: (line: string) => void): LazyBatchWriter | undefined {
  if (!config.storePath) return undefined;
  const path = config.storePath;
  return new LazyBatchWriter({
    path,
    serviceName: config.serviceName,
    // The store's share of the bound at exit; the exports get the rest.
    exitBusyTimeoutMs: storeShareOfShutdown(config.shutdownTimeoutMs),
    onError: (err) =>
      warn(
        `tokenmeter: the local store cannot be written, calls are not stored: ${err.message.replace(/^tokenmeter store: /, '')}`,
      ),
    onNotice: (line) => warn(line.replace(/^tokenmeter store:/, 'tokenmeter:')),
  });
}

/** undici's channel for a request whose body has been written (Node's fetch and the `undici` package). */
const BODY_SENT = 'undici:request:bodySent';

/**
 * Runs `fn` once the next fetch request has been written out (its connection made, headers and body
 * sent), so that work done then overlaps the wait for the answer instead of delaying the request.
 * A request not made through undici never fires it: then nothing runs here (what `fn` loads is
 * loaded by the call's completion, when needed).
 */
export function afterNextRequestSent(fn: () => void): void {
  const onSent = () => {
    diagnostics.unsubscribe(BODY_SENT, onSent);
    setImmediate(fn);
  };
  diagnostics.subscribe(BODY_SENT, onSent);
}

/**
 * Shares the instrumentation's one `beforeSend` slot between a one-off hook at the first LLM request
 * (it hands `atFirstRequest` to `whenSent`, once the budgets decided: by default, for when the request
 * has been written out; the main thread is idle while it is in flight) and the budgets' hook. Returns
 * the budgets' `install`. After the first request, a process without budgets has no hook at all.
 */
export function firstRequestHook(
  inst: Pick<TokenmeterInstrumentation, 'setBeforeSend'>,
  atFirstRequest: () => void,
  whenSent: (fn: () => void) => void = afterNextRequestSent,
): (hook: PreSendHook | undefined) => void {
  let budgetsHook: PreSendHook | undefined;
  let pending = true;
  const first: PreSendHook = (request) => {
    pending = false;
    inst.setBeforeSend(budgetsHook);
    const later = () => whenSent(atFirstRequest);
    let decision: ReturnType<PreSendHook>;
    try {
      decision = budgetsHook?.(request);
    } catch (e) {
      later();
      throw e;
    }
    // The budgets' decision (when it waits for the budgets to load) comes before the request leaves.
    Promise.resolve(decision).then(later, later);
    return decision;
  };
  inst.setBeforeSend(first);
  return (hook) => {
    budgetsHook = hook;
    if (!pending) inst.setBeforeSend(hook);
  };
}

function disabledHandle(config: TokenmeterNodeConfig, problems: string[]): StartResult {
  const done = async () => {};
  return {
    handle: {
      mode: 'disabled',
      config,
      problems,
      prometheusUrl: undefined,
      forceFlush: done,
      shutdown: done,
      shutdownWithin: async () => true,
    },
    instrumentation: undefined,
  };
}

/**
 * Starts tokenmeter in this process (the preload calls it; apps may call it themselves, before
 * importing an LLM SDK). Returns the handle of the first start when called again.
 */
export function startTokenmeterInternal(options: StartTokenmeterOptions = {}): StartResult {
  const previous = slots[STARTED];
  if (previous) return previous;

  const userWarn = options.warn ?? defaultWarn;
  const warn = (line: string) => userWarn(oneLine(line));
  const parsed = parseConfig(options.env ?? process.env);
  const config: TokenmeterNodeConfig = { ...parsed.config, ...options.config };
  const problems = parsed.problems;
  const budgetSettings = readBudgetSettings(options.env ?? process.env, problems);

  if (config.logLevel !== 'none') {
    diag.setLogger(new DiagConsoleLogger(), {
      logLevel: LOG_LEVEL[config.logLevel],
      suppressOverrideMessage: true,
    });
  }
  if (config.disabled) {
    for (const p of problems) warn(`tokenmeter: ${p}`);
    const result = disabledHandle(config, problems);
    slots[STARTED] = result;
    return result;
  }

  if (config.pricingFile) applyPricingFile(config.pricingFile, problems);
  for (const p of problems) warn(`tokenmeter: ${p}`);

  const log: DiagLogger = diag;
  const existing = existingOtelProviders();
  const mode: TokenmeterMode = existing.tracer || existing.meter ? 'joined' : 'sdk';

  // Sinks of every finished call: the local store, then the app's. (Budgets will join here.)
  const writer = openStore(config, warn);
  const sinks: CallRecordSink[] = [];
  if (writer) sinks.push((r: CallRecord) => void writer.write(r));
  if (options.onCallRecord) sinks.push(options.onCallRecord);
  const onCallRecord: CallRecordSink = (r) => {
    for (const sink of sinks) {
      try {
        sink(r);
      } catch (e) {
        log.warn(`tokenmeter: a call record sink threw: ${(e as Error)?.message ?? e}`);
      }
    }
  };

  // Our own readers read the call histograms from tokenmeter's store (cheaper per call than SDK
  // histograms); an app's own meter provider gets SDK histograms.
  const histograms = createHistogramStore();
  let instrumentation: TokenmeterInstrumentation | undefined;
  const ownTraces = !existing.tracer;
  const ownMetrics = !existing.meter && config.metricsExporters.length > 0;

  // The SDK behind our providers: made once, when first needed (late-providers.ts).
  let sdk: Sdk | undefined;
  let sdkState: 'not loaded' | 'loading' | 'loaded' | 'failed' = 'not loaded';
  const loadSdk = (): Sdk | undefined => {
    if (sdkState !== 'not loaded') return sdk;
    sdkState = 'loading';
    try {
      sdk = loadSdkModule().buildSdk({
        config,
        traces: ownTraces,
        metrics: ownMetrics,
        atFirstSpan: writer ? [() => writer.warmUp()] : [],
        histograms,
        flushMetrics: () => instrumentation?.runtime.metrics.flush(),
      });
      sdkState = 'loaded';
    } catch (e) {
      sdkState = 'failed';
      warn(
        `tokenmeter: the OpenTelemetry SDK did not load (${(e as Error)?.message ?? e}); spans and metrics are not exported`,
      );
    }
    return sdk;
  };

  let tracerProvider: LateTracerProvider | undefined;
  if (ownTraces) {
    tracerProvider = new LateTracerProvider(() => loadSdk()?.tracerProvider);
    // What NodeTracerProvider#register does, with the provider that loads the SDK when first needed.
    trace.setGlobalTracerProvider(tracerProvider);
    const contextManager = new LazyAsyncLocalStorageContextManager();
    contextManager.enable();
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(buildPropagator(config));
  } else {
    log.info('tokenmeter: an OpenTelemetry tracer provider is already registered; spans go to it');
    // The app's SDK may not have set a propagator; attribution travels in baggage.
    if (!propagation.fields().length) propagation.setGlobalPropagator(buildPropagator(config));
  }

  let meterProvider: LateMeterProvider | undefined;
  let prometheus: PrometheusEndpoint | undefined;
  if (ownMetrics) {
    meterProvider = new LateMeterProvider(() => loadSdk()?.meterProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    // Listening now; the first scrape loads the SDK if nothing did before.
    if (config.metricsExporters.includes('prometheus'))
      prometheus = startPrometheusEndpoint(config, () => loadSdk()?.prometheusReader, warn, log);
  } else if (existing.meter) {
    log.info('tokenmeter: an OpenTelemetry meter provider is already registered; metrics go to it');
  }

  instrumentation = new TokenmeterInstrumentation(instrumentationConfig(config, onCallRecord));
  const inst = instrumentation;
  // What the first LLM call needs, loaded while its request is in flight rather than by its
  // completion: the SDK, the OTLP span exporter, the store, the parsed and compiled price catalog.
  const warmUpForFirstCall = () => {
    loadSdk()?.warmUp();
    writer?.warmUp();
    try {
      loadPricing().getDefaultPricer();
    } catch (e) {
      inst.runtime.internalError('pricing', e);
    }
  };
  const installBudgetsHook = firstRequestHook(inst, warmUpForFirstCall);
  const budgets: BudgetsHandle = startBudgets({
    settings: budgetSettings,
    storePath: config.storePath ?? undefined,
    serviceName: config.serviceName,
    install: installBudgetsHook,
    warn,
    // Counted only: the budgets package writes its own line, once per outage.
    onError: () => inst.runtime.metrics.internalError('budgets'),
  });
  if (tracerProvider) {
    instrumentation.setTracerProvider(tracerProvider);
    // Our provider's CostSpanProcessor drains the batch before its exporters flush; an app's own
    // provider might not have one, so there calls end one by one.
    instrumentation.runtime.endCallsInBatches = true;
  }
  // Only with our own SDK: an app's SDK propagates with its own instrumentation. Left installed at
  // shutdown: the services called still want the attribution.
  if (tracerProvider && config.propagation !== 'off' && config.propagators.length > 0) {
    installPropagation({
      incoming: config.propagation === 'on',
      hosts: config.propagationHosts,
      onError: (e) => inst.runtime.internalError('propagation', e),
    });
  }
  if (meterProvider) {
    instrumentation.runtime.metrics.useHistogramStore(histograms, meterProvider);
    instrumentation.setMeterProvider(meterProvider);
  }

  let prometheusUrl: string | undefined;
  void prometheus?.url.then((u) => {
    prometheusUrl = u;
  });

  const flushAll = async (): Promise<void> => {
    completeEndedCalls();
    await Promise.all([tracerProvider?.forceFlush(), meterProvider?.forceFlush()]);
    writer?.flush();
  };
  let shuttingDown: Promise<boolean> | undefined;
  const shutdownWithin = (): Promise<boolean> => {
    shuttingDown ??= (async () => {
      // The calls waiting in a batch end now: their spans, metrics and records go out below.
      completeEndedCalls();
      // Its last settlements (Redis) go out while the rest shuts down.
      const budgetsClosed = budgets.close();
      // process.hrtime, not performance.now(): the global `performance` loads node:perf_hooks (about
      // 2 ms), which a process that made no call would load only for this.
      const started = process.hrtime.bigint();
      // The store is synchronous: write it first (waiting at most half the bound for a lock held by
      // another connection; what it cannot write is spilled next to it), whatever the exporters do.
      try {
        writer?.close();
      } catch (e) {
        log.warn(`tokenmeter: closing the local store failed: ${(e as Error).message}`);
      }
      const all = Promise.all([
        tracerProvider?.shutdown(),
        meterProvider?.shutdown(),
        prometheus?.close(),
        budgetsClosed,
      ]);
      const left = Math.max(0, config.shutdownTimeoutMs - Number(process.hrtime.bigint() - started) / 1e6);
      const completed = await within(all, left);
      if (!completed) for (const e of sdk?.abortables ?? []) e.abort();
      return completed;
    })();
    return shuttingDown;
  };

  const handle: StartResult['handle'] = {
    mode,
    config,
    problems,
    get prometheusUrl() {
      return prometheusUrl;
    },
    forceFlush: async () => {
      await within(flushAll(), config.shutdownTimeoutMs);
    },
    shutdown: async () => {
      await shutdownWithin();
    },
    shutdownWithin,
  };

  if (options.handleExit !== false) {
    installExitHandlers({
      flushOnExit: () => {
        completeEndedCalls();
        budgets.giveBackLeases();
        writer?.close();
      },
      shutdown: shutdownWithin,
      forceFlush: () => within(flushAll(), config.shutdownTimeoutMs),
      timeoutMs: config.shutdownTimeoutMs,
      // A Redis budget ledger has spend to send at the end too (the leases' last step).
      sdkOwned: mode === 'sdk' || !!meterProvider || budgetSettings.redisUrl !== undefined,
    });
  }

  log.info(
    `tokenmeter: started (${mode}); traces: ${tracerProvider ? config.tracesExporters.join(',') || 'none' : 'app SDK'}; metrics: ${meterProvider ? config.metricsExporters.join(',') : existing.meter ? 'app SDK' : 'none'}; store: ${config.storePath ?? 'off'}`,
  );
  const result: StartResult = { handle, instrumentation };
  slots[STARTED] = result;
  return result;
}

/**
 * Starts tokenmeter: the OpenTelemetry SDK (unless the app registered its own), the LLM
 * instrumentation, the local store, and flushing at exit. Call it before the app imports an LLM
 * SDK; the preload `@tokenmeter/node/register` calls it for you. Never throws on a bad setting: each
 * problem is printed on one line and its default used.
 */
export function startTokenmeter(options: StartTokenmeterOptions = {}): TokenmeterHandle {
  return startTokenmeterInternal(options).handle;
}
