// Anthropic streaming with a cached system prompt: the second call reads the cache, and tokenmeter
// prices cache writes, cache reads and fresh input at their own rates.
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic(); // reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL
const system = [
  {
    type: 'text',
    text: `You answer questions about this policy.\n${'Refunds within 30 days. '.repeat(300)}`,
    cache_control: { type: 'ephemeral' },
  },
];

for (const question of ['Can I get a refund?', 'Within how many days?']) {
  const stream = client.messages.stream({
    model: 'claude-3-5-haiku-20241022',
    max_tokens: 200,
    system,
    messages: [{ role: 'user', content: question }],
  });
  stream.on('text', (t) => process.stdout.write(t));
  const message = await stream.finalMessage();
  process.stdout.write(`\n(stop: ${message.stop_reason})\n`);
}
