// node examples/anthropic-streaming/run.mjs
import { runExample } from '../_shared/run-example.mjs';

process.exitCode = await runExample({
  dir: new URL('.', import.meta.url).pathname,
  app: 'app.mjs',
  env: (mock) => ({ ANTHROPIC_BASE_URL: mock.anthropicBaseURL, ANTHROPIC_API_KEY: 'sk-ant-mock' }),
});
