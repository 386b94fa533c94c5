// An ESM app: `import OpenAI from 'openai'` (the ESM build), a client with its own fetch.
import { ATTR_GEN_AI_USAGE_OUTPUT_TOKENS } from '@tokenmeter/semconv';
import OpenAI from 'openai';

const client = new OpenAI({
  baseURL: `${process.env.MOCK_URL}/api/v1`,
  apiKey: 'x',
  maxRetries: 0,
  fetch: (input, init) => fetch(input, init),
});
const res = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
});
await new Promise((r) => setTimeout(r, 20));
const spans = globalThis.__tokenmeterTest.exporter.getFinishedSpans();
process.stdout.write(
  JSON.stringify({
    output: res.usage?.completion_tokens,
    spans: spans.map((s) => [s.name, s.attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]]),
  }),
);
