// Peer setup for the overhead benchmark, as @opentelemetry/instrumentation-openai's README says:
// the OpenTelemetry Node SDK with the instrumentation, started from a `--require` file. The SDK's
// defaults export traces, metrics and logs over OTLP/HTTP (protobuf) to OTEL_EXPORTER_OTLP_ENDPOINT.
'use strict';
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');

const sdk = new NodeSDK({ instrumentations: [new OpenAIInstrumentation()] });
sdk.start();
process.once('beforeExit', async () => {
  await sdk.shutdown();
});
