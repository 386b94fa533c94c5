// The workload of `tokenmeter demo`: a small, realistic mix of LLM calls made with the official SDKs
// against the local mock provider, run by `tokenmeter demo` as a child process under the real preload
// (`node --import @tokenmeter/node/register workload.mjs`), which records every call to the store.
// Shipped as-is (plain ES module); it needs no API key and makes no network call beyond loopback.
//
// Environment (set by `tokenmeter demo`):
//   TOKENMETER_DEMO_MOCK_URL   base URL of the mock provider (http://127.0.0.1:PORT)
//   TOKENMETER_DEMO_CALLS      how many calls to make (default 120)
//   TOKENMETER_DEMO_SEED       seed of the pseudo-random mix (default 1)
// Prints `progress <done> <total>` lines on stdout for the parent's progress bar, and first
// `skipped <package> ...` when some provider SDKs are not installed (they are optional peer
// dependencies of @tokenmeter/cli: `npm i @tokenmeter/cli` does not pull them; the repository has
// them as dev dependencies). Their calls are left out of the mix; with none installed it exits 3.
import { context, propagation } from '@opentelemetry/api';
import { readEnv } from '@tokenmeter/config';
import { withAttribution } from '@tokenmeter/node';
import { ATTRIBUTION_BAGGAGE_KEYS } from '@tokenmeter/semconv';

const { values: settings, problems } = readEnv(process.env, [
  'TOKENMETER_DEMO_MOCK_URL',
  'TOKENMETER_DEMO_CALLS',
  'TOKENMETER_DEMO_SEED',
]);
const mockUrl = settings.TOKENMETER_DEMO_MOCK_URL;
if (!mockUrl || problems.length) {
  console.error(
    problems.join('\n') || 'TOKENMETER_DEMO_MOCK_URL is not set: run this through `tokenmeter demo`',
  );
  process.exit(2);
}
const total = settings.TOKENMETER_DEMO_CALLS;
let seed = settings.TOKENMETER_DEMO_SEED || 1;

/** mulberry32: a small seeded PRNG, so a demo run is reproducible. */
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (items) => items[Math.floor(random() * items.length)];
function weighted(entries) {
  const sum = entries.reduce((a, e) => a + e.weight, 0);
  let r = random() * sum;
  for (const e of entries) {
    r -= e.weight;
    if (r <= 0) return e;
  }
  return entries[entries.length - 1];
}
const between = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

const TENANTS = [
  { name: 'acme', weight: 5 },
  { name: 'globex', weight: 3 },
  { name: 'initech', weight: 2 },
  { name: 'umbrella', weight: 1 },
];
const USERS = Array.from({ length: 14 }, (_, i) => `user-${String(i + 1).padStart(3, '0')}`);

// Long, stable system prompts: the providers' prompt caches (Anthropic cache_control, OpenAI and
// Gemini implicit caching) make later calls cheaper, as in a real app.
const POLICY = Array.from(
  { length: 60 },
  (_, i) =>
    `Rule ${i + 1}: answer the customer politely, cite the relevant help-centre article, never promise refunds above the plan limit, and escalate billing disputes to a human agent.`,
).join('\n');
const CATALOG = Array.from(
  { length: 40 },
  (_, i) =>
    `Product ${i + 1}: tier ${(i % 3) + 1}, monthly price ${(i + 1) * 7} USD, includes ${i + 2} seats and priority support.`,
).join('\n');
const QUESTIONS = [
  'How do I change the billing email on my account?',
  'Why was I charged twice this month?',
  'Can I move seats between workspaces?',
  'What does the priority support plan include?',
  'How do I export my invoices as PDF?',
  'The API returns 429 errors at night, what are our limits?',
];

/** An SDK's module, or undefined when it is not installed (any other failure to load is thrown). */
async function optional(name) {
  try {
    return await import(name);
  } catch (e) {
    if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(`'${name}'`)) return undefined;
    throw e;
  }
}
const SDK_PACKAGES = {
  openai: 'openai',
  anthropic: '@anthropic-ai/sdk',
  gemini: '@google/genai',
  bedrock: '@aws-sdk/client-bedrock-runtime',
};
const [OpenAISdk, AnthropicSdk, GeminiSdk, BedrockSdk] = await Promise.all(
  Object.values(SDK_PACKAGES).map(optional),
);
const missing = Object.entries({
  openai: OpenAISdk,
  anthropic: AnthropicSdk,
  gemini: GeminiSdk,
  bedrock: BedrockSdk,
})
  .filter(([, m]) => m === undefined)
  .map(([sdk]) => SDK_PACKAGES[sdk]);
if (missing.length === Object.keys(SDK_PACKAGES).length) {
  console.log(`missing ${missing.join(' ')}`);
  process.exit(3);
}
if (missing.length) console.log(`skipped ${missing.join(' ')}`);

const openai =
  OpenAISdk &&
  new OpenAISdk.default({ baseURL: `${mockUrl}/v1`, apiKey: 'demo-key-not-real', maxRetries: 0 });
const anthropic =
  AnthropicSdk && new AnthropicSdk.default({ baseURL: mockUrl, apiKey: 'demo-key-not-real', maxRetries: 0 });
const gemini =
  GeminiSdk && new GeminiSdk.GoogleGenAI({ apiKey: 'demo-key-not-real', httpOptions: { baseUrl: mockUrl } });
const bedrock =
  BedrockSdk &&
  new BedrockSdk.BedrockRuntimeClient({
    endpoint: mockUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
    maxAttempts: 1,
  });
const clients = { openai, anthropic, gemini, bedrock };

const latency = () => ({ 'x-mock-latency-ms': String(between(15, 120)) });

/** Each scenario: the SDK it uses, a feature, how often it happens, and the call(s) it makes. */
const ALL_SCENARIOS = [
  {
    name: 'support chat (OpenAI gpt-4o-mini)',
    sdk: 'openai',
    feature: 'support-chat',
    weight: 30,
    run: () =>
      openai.chat.completions.create(
        {
          model: 'gpt-4o-mini',
          messages: [
            { role: 'system', content: POLICY },
            { role: 'user', content: pick(QUESTIONS) },
          ],
          max_tokens: 400,
        },
        { headers: { ...latency(), 'x-mock-output-tokens': String(between(60, 300)) } },
      ),
  },
  {
    name: 'support chat, streamed (OpenAI gpt-4o)',
    sdk: 'openai',
    feature: 'support-chat',
    weight: 10,
    run: async () => {
      const stream = await openai.chat.completions.create(
        {
          model: 'gpt-4o',
          stream: true,
          messages: [
            { role: 'system', content: POLICY },
            { role: 'user', content: pick(QUESTIONS) },
          ],
        },
        { headers: { ...latency(), 'x-mock-output-tokens': String(between(80, 250)) } },
      );
      for await (const _chunk of stream) {
        // a chat UI would render each delta
      }
    },
  },
  {
    name: 'search embeddings (OpenAI text-embedding-3-small)',
    sdk: 'openai',
    feature: 'search',
    weight: 12,
    run: () =>
      openai.embeddings.create(
        { model: 'text-embedding-3-small', input: [pick(QUESTIONS), CATALOG.slice(0, between(200, 1200))] },
        { headers: latency() },
      ),
  },
  {
    name: 'ticket summaries (Anthropic claude-sonnet-4-6, prompt caching)',
    sdk: 'anthropic',
    feature: 'summarize',
    weight: 14,
    run: () =>
      anthropic.messages.create(
        {
          model: 'claude-sonnet-4-6',
          max_tokens: 600,
          system: [{ type: 'text', text: POLICY, cache_control: { type: 'ephemeral' } }],
          messages: [
            { role: 'user', content: `Summarise this ticket: ${pick(QUESTIONS)} ${pick(QUESTIONS)}` },
          ],
        },
        { headers: { ...latency(), 'x-mock-output-tokens': String(between(100, 500)) } },
      ),
  },
  {
    name: 'drafting replies, streamed (Anthropic claude-haiku-4-5)',
    sdk: 'anthropic',
    feature: 'support-chat',
    weight: 6,
    run: async () => {
      const stream = anthropic.messages.stream(
        {
          model: 'claude-haiku-4-5',
          max_tokens: 300,
          system: [{ type: 'text', text: POLICY, cache_control: { type: 'ephemeral' } }],
          messages: [{ role: 'user', content: pick(QUESTIONS) }],
        },
        { headers: latency() },
      );
      await stream.finalMessage();
    },
  },
  {
    name: 'intent classification (Gemini gemini-2.5-flash-lite)',
    sdk: 'gemini',
    feature: 'classify',
    weight: 10,
    run: () =>
      gemini.models.generateContent({
        model: 'gemini-2.5-flash-lite',
        contents: `Classify the intent (billing, account, api, other): ${pick(QUESTIONS)}`,
        config: { maxOutputTokens: 20, httpOptions: { headers: latency() } },
      }),
  },
  {
    name: 'product recommendations, streamed (Gemini gemini-2.5-flash)',
    sdk: 'gemini',
    feature: 'recommend',
    weight: 6,
    run: async () => {
      const stream = await gemini.models.generateContentStream({
        model: 'gemini-2.5-flash',
        contents: `${CATALOG}\n\nRecommend a plan for: ${pick(QUESTIONS)}`,
        config: { httpOptions: { headers: latency() } },
      });
      for await (const _chunk of stream) {
        // rendered as it arrives
      }
    },
  },
  {
    name: 'weekly report (OpenAI o4-mini, reasoning)',
    sdk: 'openai',
    feature: 'reports',
    weight: 4,
    run: () =>
      openai.chat.completions.create(
        {
          model: 'o4-mini',
          messages: [
            { role: 'user', content: `Write the weekly support report from: ${CATALOG.slice(0, 2000)}` },
          ],
        },
        { headers: { ...latency(), 'x-mock-output-tokens': String(between(300, 900)) } },
      ),
  },
  {
    name: 'translation (AWS Bedrock amazon.nova-lite-v1:0)',
    sdk: 'bedrock',
    feature: 'translate',
    weight: 5,
    run: () =>
      bedrock.send(
        new BedrockSdk.ConverseCommand({
          modelId: 'amazon.nova-lite-v1:0',
          messages: [{ role: 'user', content: [{ text: `Translate to French: ${pick(QUESTIONS)}` }] }],
          inferenceConfig: { maxTokens: 200 },
        }),
      ),
  },
  {
    name: 'a fine-tuned model with no public price (unpriced)',
    sdk: 'openai',
    feature: 'classify',
    weight: 2,
    run: () =>
      openai.chat.completions.create(
        { model: 'ft:acme-intent-v3', messages: [{ role: 'user', content: pick(QUESTIONS) }] },
        { headers: latency() },
      ),
  },
  {
    name: 'rate limited (OpenAI 429)',
    sdk: 'openai',
    feature: 'support-chat',
    weight: 3,
    fails: true,
    run: () =>
      openai.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: pick(QUESTIONS) }] },
        { headers: { 'x-mock-fault': 'status-429' } },
      ),
  },
  {
    name: 'overloaded (Anthropic 529)',
    sdk: 'anthropic',
    feature: 'summarize',
    weight: 2,
    fails: true,
    run: () =>
      anthropic.messages.create(
        {
          model: 'claude-sonnet-4-6',
          max_tokens: 100,
          messages: [{ role: 'user', content: pick(QUESTIONS) }],
        },
        { headers: { 'x-mock-fault': 'status-529' } },
      ),
  },
];
const SCENARIOS = ALL_SCENARIOS.filter((s) => clients[s.sdk] !== undefined);

/**
 * Attribution as apps do it: most calls inside withAttribution(); some get it from W3C baggage, as
 * when an upstream service tagged the request.
 */
function attributed(attribution, fn) {
  if (random() < 0.2) {
    const bag = propagation.createBaggage({
      [ATTRIBUTION_BAGGAGE_KEYS.feature]: { value: attribution.feature },
      [ATTRIBUTION_BAGGAGE_KEYS.user]: { value: attribution.user },
      [ATTRIBUTION_BAGGAGE_KEYS.tenant]: { value: attribution.tenant },
    });
    return context.with(propagation.setBaggage(context.active(), bag), fn);
  }
  return withAttribution(attribution, fn);
}

// Plan every call first (deterministic), then run them with a little concurrency.
const plan = Array.from({ length: total }, (_, i) => {
  // Start with one call of each kind so even a tiny demo shows every provider.
  const scenario = i < SCENARIOS.length && total >= SCENARIOS.length ? SCENARIOS[i] : weighted(SCENARIOS);
  return {
    scenario,
    attribution: { feature: scenario.feature, user: pick(USERS), tenant: weighted(TENANTS).name },
  };
});

let done = 0;
let failed = 0;
let unexpected = 0;
let next = 0;
async function worker() {
  while (next < plan.length) {
    const { scenario, attribution } = plan[next++];
    try {
      await attributed(attribution, () => scenario.run());
    } catch (e) {
      failed++;
      if (!scenario.fails) {
        unexpected++;
        console.error(`demo: ${scenario.name} failed: ${e?.message ?? e}`);
      }
    }
    done++;
    process.stdout.write(`progress ${done} ${total}\n`);
  }
}
await Promise.all(Array.from({ length: Math.min(6, total) }, worker));
bedrock?.destroy();
process.stdout.write(`finished ${done} ${failed} ${unexpected}\n`);
