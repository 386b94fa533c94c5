// An ordinary CommonJS app: nothing here knows about tokenmeter.
'use strict';
const OpenAI = require('openai');

async function main() {
  const client = new OpenAI(); // reads OPENAI_API_KEY and OPENAI_BASE_URL
  const r = await client.responses.create({ model: 'gpt-4o-mini', input: 'Name three prime numbers.' });
  console.log(r.output_text);
  const e = await client.embeddings.create({
    model: 'text-embedding-3-small',
    input: ['invoice', 'receipt'],
  });
  console.log(`${e.data.length} embeddings of ${e.data[0].embedding.length} dimensions`);
}

main();
