// The app itself is unchanged: it knows neither its OTel setup nor tokenmeter.
import OpenAI from 'openai';

const client = new OpenAI();
const r = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Summarise double-entry bookkeeping.' }],
});
console.log(r.choices[0].message.content);
