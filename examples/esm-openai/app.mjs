// An ordinary ES module app: nothing here knows about tokenmeter.
import OpenAI from 'openai';

const client = new OpenAI(); // reads OPENAI_API_KEY and OPENAI_BASE_URL

const completion = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Write a haiku about invoices.' }],
});
console.log(completion.choices[0].message.content);

// A stream that did not ask for usage: tokenmeter asks for it and hides the extra chunk.
const stream = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Count to five.' }],
  stream: true,
});
let text = '';
for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
console.log(text);
