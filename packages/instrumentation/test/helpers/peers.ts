// Shared by the CostSpanProcessor tests with real peer instrumentations: each test file patches the
// real openai 6 SDK (`openai6`, the version the peers support) with one peer, then checks that
// every call ends up with exactly one priced span, with the right cost, and one llm.requests count.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ATTR_GEN_AI_USAGE_COST, LABEL_PRICED, METRIC_LLM_REQUESTS } from '@tokenmeter/semconv';
import { CostSpanProcessor } from '../../src/cost-span-processor.js';
import {
  type Harness,
  points,
  pricedSpans,
  requireSdk,
  startHarness,
  tokenmeterSpans,
  waitFor,
} from './otel.js';

type OpenAI6 = typeof import('openai6');

/** gpt-4o-mini: $0.15 input, $0.60 output per million tokens. */
const cost = (input: number, output: number) => (input * 0.15 + output * 0.6) / 1e6;

/**
 * @param patch applies the peer instrumentation to the openai6 module exports.
 */
export function peerSuite(
  peer: string,
  patch: (module: OpenAI6) => void,
  options: {
    /** Whether the peer records usage on stream spans (when the caller asks for include_usage). */
    streamUsage: boolean;
  },
): void {
  let h: Harness;
  let OpenAI: OpenAI6['OpenAI'];

  before(async () => {
    h = await startHarness({ processors: [new CostSpanProcessor()] });
    const module = requireSdk('openai6') as OpenAI6;
    patch(module);
    OpenAI = module.OpenAI;
  });
  after(() => h.close());
  beforeEach(() => h.reset());

  const client = () => new OpenAI({ baseURL: h.openaiBaseURL, apiKey: 'x', maxRetries: 0 });

  async function calls(c: InstanceType<OpenAI6['OpenAI']>) {
    const json = await c.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    const stream = await c.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _ of stream) {
      // drain
    }
    return json;
  }

  async function pricedRequests(): Promise<number> {
    const requests = points(await h.collect(), METRIC_LLM_REQUESTS);
    return requests
      .filter((p) => p.attributes[LABEL_PRICED] === true)
      .reduce((n, p) => n + (p.value as number), 0);
  }

  /** llm_requests_total over priced and unpriced: each call counted once, whoever saw it. */
  async function allRequests(): Promise<number> {
    return points(await h.collect(), METRIC_LLM_REQUESTS).reduce((n, p) => n + (p.value as number), 0);
  }

  describe(`CostSpanProcessor with ${peer}`, () => {
    test(`${peer} alone: its span of each call is priced once, at the right cost`, async () => {
      h.instrumentation.disable();
      try {
        const json = await calls(client());
        const expected = options.streamUsage ? 2 : 1;
        await waitFor(() => pricedSpans(h.spans).length >= expected);
        await new Promise((r) => setTimeout(r, 20));
        const priced = pricedSpans(h.spans);
        // One priced span per call whose span has usage (this peer's stream spans: ${options.streamUsage}).
        assert.equal(priced.length, expected);
        assert.equal(tokenmeterSpans(h.spans).length, 0);
        const usage = json.usage!;
        const first = priced.find((s) => s.attributes[ATTR_GEN_AI_USAGE_COST] !== undefined)!;
        assert.ok(
          Math.abs(
            (first.attributes[ATTR_GEN_AI_USAGE_COST] as number) -
              cost(usage.prompt_tokens, usage.completion_tokens),
          ) < 1e-12,
        );
        assert.equal(await pricedRequests(), expected, 'each priced call counted once in llm_requests_total');
        assert.equal(
          await allRequests(),
          2,
          'a stream span without token counts is counted too, as unpriced (no_usage), never dropped',
        );
      } finally {
        h.instrumentation.enable();
      }
    });

    test(`${peer} with tokenmeter's own instrumentation: still exactly one priced span per call (ours)`, async () => {
      await calls(client());
      await waitFor(() => h.records.length === 2);
      await new Promise((r) => setTimeout(r, 20));
      const priced = pricedSpans(h.spans);
      assert.equal(priced.length, 2);
      assert.deepEqual(
        priced.map((s) => s.instrumentationScope.name),
        tokenmeterSpans(h.spans).map((s) => s.instrumentationScope.name),
      );
      assert.ok(h.spans.getFinishedSpans().length > 2, `the ${peer} spans are there, unpriced`);
      assert.equal(await pricedRequests(), 2);
      assert.equal(await allRequests(), 2, `no ${peer} span counted beside ours (priced or not)`);
    });
  });
}
