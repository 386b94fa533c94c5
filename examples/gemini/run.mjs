// node examples/gemini/run.mjs
import { runExample } from '../_shared/run-example.mjs';

process.exitCode = await runExample({
  dir: new URL('.', import.meta.url).pathname,
  app: 'app.mjs',
  env: (mock) => ({ GOOGLE_GEMINI_BASE_URL: mock.geminiBaseURL, GEMINI_API_KEY: 'g-mock' }),
});
