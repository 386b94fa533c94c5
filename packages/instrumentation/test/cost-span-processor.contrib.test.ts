// CostSpanProcessor + the real @opentelemetry/instrumentation-openai (contrib, openai < 7).
import { metrics } from '@opentelemetry/api';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { peerSuite } from './helpers/peers.js';

peerSuite(
  '@opentelemetry/instrumentation-openai',
  (module) => {
    const instrumentation = new OpenAIInstrumentation();
    // As registerInstrumentations would: its histograms are made when a meter provider is set.
    instrumentation.setMeterProvider(metrics.getMeterProvider());
    for (const definition of instrumentation.getModuleDefinitions()) definition.patch?.(module, '6.49.0');
  },
  { streamUsage: true },
);
