// What the READMEs of @traceloop/instrumentation-openai and @arizeai/openinference-instrumentation-openai
// show (NodeTracerProvider, registerInstrumentations), plus what every user adds to that snippet: a
// batch span processor exporting OTLP/HTTP (protobuf) to OTEL_EXPORTER_OTLP_ENDPOINT.
'use strict';
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');

/** Registers a tracer provider and `instrumentation`, shut down (flushed) when the app ends. */
exports.setUp = (instrumentation) => {
  const provider = new NodeTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  registerInstrumentations({ instrumentations: [instrumentation] });
  process.once('beforeExit', async () => {
    await provider.shutdown();
  });
};
