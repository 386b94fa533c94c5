// One OpenTelemetry SDK per test process (a real NodeTracerProvider with an in-memory span exporter
// and a real MeterProvider with an in-memory metric exporter), the mock provider, and one
// TokenmeterInstrumentation, enabled before the SDKs are required so that their module hooks run.
import { createRequire } from 'node:module';
import { metrics, type Span } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { type MockProvider, startMockProvider } from '@tokenmeter/mock-provider';
import { ATTR_GEN_AI_USAGE_COST } from '@tokenmeter/semconv';
import type { CallRecord } from '../../src/call-record.js';
import * as fetchPath from '../../src/fetch/instrument-fetch.js';
import { provideFetchPath } from '../../src/fetch/lazy-fetch.js';
import { TokenmeterInstrumentation } from '../../src/instrumentation.js';
import { sharedMetrics } from '../../src/metrics/recorder.js';
import type { TokenmeterInstrumentationConfig } from '../../src/types.js';
import { PACKAGE_NAME } from '../../src/version.js';

/** `require` for the SDKs: the CommonJS builds, loaded after the instrumentation's hooks are in. */
export const requireSdk = createRequire(import.meta.url);

// The tests run the sources as ES modules (tsx). The fetch path's first-call require would load a
// CommonJS copy of them (tsx compiles it apart), whose @tokenmeter/pricing is the CommonJS build: a
// test's configurePricing would not reach it. The built packages have one copy (require(esm)).
provideFetchPath(fetchPath);

export interface Harness {
  mock: MockProvider;
  /**
   * The OpenAI base URL to use: the mock under `/api/v1`, configured as provider `openai` (a user
   * would configure a proxy the same way). Other paths of the mock keep their own provider.
   */
  openaiBaseURL: string;
  spans: InMemorySpanExporter;
  tracerProvider: NodeTracerProvider;
  meterProvider: MeterProvider;
  metricExporter: InMemoryMetricExporter;
  reader: PeriodicExportingMetricReader;
  instrumentation: TokenmeterInstrumentation;
  /** The config the instrumentation was made with (for setConfig variations). */
  config: TokenmeterInstrumentationConfig;
  records: CallRecord[];
  /** Forget spans, records, metrics and the mock's requests (between tests). */
  reset(): void;
  /** Collect the metrics now. */
  collect(): Promise<ResourceMetrics[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  config?: TokenmeterInstrumentationConfig;
  mock?: Parameters<typeof startMockProvider>[0];
  sampler?: Sampler;
  /** Processors before the exporting one (e.g. a CostSpanProcessor). */
  processors?: SpanProcessor[];
}

/** Start the mock, the SDK and the instrumentation (call once per test file, in `before`). */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const mock = await startMockProvider(options.mock);
  const spans = new InMemorySpanExporter();
  const tracerProvider = new NodeTracerProvider({
    ...(options.sampler ? { sampler: options.sampler } : {}),
    spanProcessors: [...(options.processors ?? []), new SimpleSpanProcessor(spans)],
  });
  tracerProvider.register();
  const freshMeters = () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const r = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [r] });
    metrics.disable();
    metrics.setGlobalMeterProvider(provider);
    return { exporter, reader: r, provider };
  };
  let meters = freshMeters();
  const records: CallRecord[] = [];
  const openaiBaseURL = `${mock.url}/api/v1`;
  const config: TokenmeterInstrumentationConfig = {
    // The mock speaks OpenAI's API on a loopback host: say so, as a user would for a proxy.
    providers: [{ baseUrl: openaiBaseURL, provider: 'openai' }],
    onCallRecord: (r) => records.push(r),
    ...options.config,
  };
  const instrumentation = new TokenmeterInstrumentation(config);
  const harness: Harness = {
    mock,
    openaiBaseURL,
    spans,
    tracerProvider,
    meterProvider: meters.provider,
    metricExporter: meters.exporter,
    reader: meters.reader,
    instrumentation,
    config,
    records,
    reset() {
      spans.reset();
      records.length = 0;
      mock.reset();
      // A new MeterProvider: cumulative series of earlier tests are gone with the old one.
      void meters.provider.shutdown();
      sharedMetrics().reset();
      meters = freshMeters();
      harness.meterProvider = meters.provider;
      harness.metricExporter = meters.exporter;
      harness.reader = meters.reader;
    },
    async collect() {
      meters.exporter.reset();
      await meters.reader.forceFlush();
      return meters.exporter.getMetrics();
    },
    async close() {
      instrumentation.disable();
      await mock.close();
      await tracerProvider.shutdown();
      await meters.provider.shutdown();
    },
  };
  return harness;
}

/** Spans made by tokenmeter (its instrumentation scope). */
export function tokenmeterSpans(exporter: InMemorySpanExporter): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.instrumentationScope.name === PACKAGE_NAME);
}

/** Spans that carry a cost, whoever made them. */
export function pricedSpans(exporter: InMemorySpanExporter): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.attributes[ATTR_GEN_AI_USAGE_COST] !== undefined);
}

/**
 * Wait until `predicate` holds (spans end a tick after the app's await in some paths). The bound is
 * generous because a first locally counted call loads the catalog and tokenizer: 2 s was hit on a
 * machine at load 20+; a condition that never holds still fails, 10 s later.
 */
export async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The data points of one metric from a collection. */
export function points(collected: ResourceMetrics[], name: string): DataPoint<number | Histogram>[] {
  const out: DataPoint<number | Histogram>[] = [];
  for (const rm of collected)
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics)
        if (m.descriptor.name === name) out.push(...(m.dataPoints as DataPoint<number | Histogram>[]));
  return out;
}

export type { Span };
