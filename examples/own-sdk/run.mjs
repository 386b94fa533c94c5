// node examples/own-sdk/run.mjs
import { runExample } from '../_shared/run-example.mjs';

process.exitCode = await runExample({
  dir: new URL('.', import.meta.url).pathname,
  app: 'app.mjs',
  // The app's own OTel setup first, then tokenmeter.
  nodeArgs: ['--import', './otel.mjs'],
  env: (mock) => ({
    OPENAI_BASE_URL: mock.openaiBaseURL,
    OPENAI_API_KEY: 'sk-mock',
    TOKENMETER_PROVIDERS: `openai=${mock.openaiBaseURL}`,
  }),
});
