// node examples/cjs-openai/run.mjs
import { runExample } from '../_shared/run-example.mjs';

process.exitCode = await runExample({
  dir: new URL('.', import.meta.url).pathname,
  app: 'app.cjs',
  preload: 'require',
  env: (mock) => ({
    OPENAI_BASE_URL: mock.openaiBaseURL,
    OPENAI_API_KEY: 'sk-mock',
    TOKENMETER_PROVIDERS: `openai=${mock.openaiBaseURL}`,
  }),
});
