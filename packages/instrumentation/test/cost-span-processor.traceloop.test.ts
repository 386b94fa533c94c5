// CostSpanProcessor + the real @traceloop/instrumentation-openai (OpenLLMetry).
import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
// Its stream spans carry no token counts (even with include_usage): only its JSON calls can be priced.
import { peerSuite } from './helpers/peers.js';

peerSuite(
  '@traceloop/instrumentation-openai',
  (module) => {
    const instrumentation = new OpenAIInstrumentation();
    instrumentation.manuallyInstrument(module.OpenAI as never);
  },
  { streamUsage: false },
);
