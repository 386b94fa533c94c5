// The app's own OpenTelemetry setup, loaded first with `--import ./otel.mjs`. tokenmeter joins it:
// 1. CostSpanProcessor on the app's tracer provider, before the exporting processor: it prices GenAI
//    spans made by any instrumentation (tokenmeter's own spans are already priced and pass through).
// 2. The app's meter provider receives tokenmeter's metrics (llm.requests, llm.tokens, llm.cost_usd,
//    the rolling gauge, the gen_ai.* histograms): add the reader you want, Prometheus or OTLP.
// 3. `--import @tokenmeter/node/register` after this file sees these providers, keeps them, and
//    only adds the instrumentation (module hooks for ESM and CommonJS, and the global fetch).
import { metrics } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { CostSpanProcessor } from '@tokenmeter/node';
import { PrintMetricExporter, PrintSpanExporter } from './print-exporters.mjs';

const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'own-sdk-example' });

// In production: new OTLPTraceExporter() from @opentelemetry/exporter-trace-otlp-proto.
const tracerProvider = new NodeTracerProvider({
  resource,
  spanProcessors: [new CostSpanProcessor(), new BatchSpanProcessor(new PrintSpanExporter())],
});
tracerProvider.register();

// In production: new PrometheusExporter({ host: '127.0.0.1', port: 9464 }) from
// @opentelemetry/exporter-prometheus, or a PeriodicExportingMetricReader with an OTLP exporter.
const meterProvider = new MeterProvider({
  resource,
  readers: [
    new PeriodicExportingMetricReader({ exporter: new PrintMetricExporter(), exportIntervalMillis: 60_000 }),
  ],
});
metrics.setGlobalMeterProvider(meterProvider);

// The app's SDK, the app's shutdown: flush both providers on the way out.
process.once('beforeExit', async () => {
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
});
