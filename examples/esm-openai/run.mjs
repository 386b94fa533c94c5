// node examples/esm-openai/run.mjs
import { runExample } from '../_shared/run-example.mjs';

process.exitCode = await runExample({
  dir: new URL('.', import.meta.url).pathname,
  app: 'app.mjs',
  env: (mock) => ({
    OPENAI_BASE_URL: mock.openaiBaseURL,
    OPENAI_API_KEY: 'sk-mock',
    // The mock listens on 127.0.0.1: declare it as OpenAI so the calls are priced as OpenAI's.
    TOKENMETER_PROVIDERS: `openai=${mock.openaiBaseURL}`,
  }),
});
