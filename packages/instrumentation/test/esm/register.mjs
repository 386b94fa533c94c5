// Preload for the ESM test app: the import-in-the-middle loader limited to the patched modules,
// an SDK with an in-memory exporter, and TokenmeterInstrumentation without the global fetch
// wrapper (so only the module patch can instrument the client). ENTRY: the package entry it comes from
// (the main one, or `@tokenmeter/instrumentation/preload`, whose fetch path loads with the first call).
import { register } from 'node:module';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

const { PATCHED_MODULES, TokenmeterInstrumentation } = await import(
  process.env.ENTRY || '@tokenmeter/instrumentation'
);

register('import-in-the-middle/hook.mjs', import.meta.url, { data: { include: [...PATCHED_MODULES] } });

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
const instrumentation = new TokenmeterInstrumentation({
  instrumentGlobalFetch: false,
  providers: [{ baseUrl: `${process.env.MOCK_URL}/api/v1`, provider: 'openai' }],
});
globalThis.__tokenmeterTest = { exporter, instrumentation, trace };
