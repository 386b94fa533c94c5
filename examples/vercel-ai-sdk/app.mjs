// The Vercel AI SDK: it calls fetch itself, and tokenmeter's instrumented fetch sees each call.
// Attribution: every call inside withAttribution is tagged with the feature and the tenant.
import { openai } from '@ai-sdk/openai';
import { withAttribution } from '@tokenmeter/node';
import { streamText } from 'ai';

await withAttribution({ feature: 'support-chat', tenant: 'acme' }, async () => {
  const result = streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'Greet a customer in five words.' });
  for await (const t of result.textStream) process.stdout.write(t);
  process.stdout.write('\n');
});
