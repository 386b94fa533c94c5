// Peer setup for the overhead benchmark, as @arizeai/openinference-instrumentation-openai's README
// says (NodeTracerProvider, registerInstrumentations), plus what every user adds to that snippet: a
// batch span processor exporting OTLP/HTTP (protobuf) to OTEL_EXPORTER_OTLP_ENDPOINT.
'use strict';
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { OpenAIInstrumentation } = require('@arizeai/openinference-instrumentation-openai');

const provider = new NodeTracerProvider({
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
provider.register();
registerInstrumentations({ instrumentations: [new OpenAIInstrumentation()] });
process.once('beforeExit', async () => {
  await provider.shutdown();
});
