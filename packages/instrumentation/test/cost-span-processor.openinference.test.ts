// CostSpanProcessor + the real @arizeai/openinference-instrumentation-openai (OpenInference).
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
// Its stream spans carry no token counts (even with include_usage): only its JSON calls can be priced.
import { peerSuite } from './helpers/peers.js';

peerSuite(
  '@arizeai/openinference-instrumentation-openai',
  (module) => {
    const instrumentation = new OpenAIInstrumentation();
    instrumentation.manuallyInstrument(module as never);
  },
  { streamUsage: false },
);
