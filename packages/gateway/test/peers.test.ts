// The gateway on spans other instrumentations really send (fixtures/peers, with provenance): each
// is priced to the cent from its own attribute names, in OTLP/JSON and in protobuf, or kept as it
// came when it already has a cost.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ATTR_GEN_AI_USAGE_COST, ATTR_TOKENMETER_PRICING_MATCH } from '@tokenmeter/semconv';
import { type Gateway, startGateway } from '../src/index.js';
import { ExportTraceServiceRequest } from '../src/otlp/schema.js';
import { type NextHop, startNextHop, until } from './helpers/next-hop.js';
import { post } from './helpers/otlp-json.js';

const DIR = path.join(import.meta.dirname, 'fixtures', 'peers');
type Obj = Record<string, unknown>;

function fixture(name: string): Obj {
  return JSON.parse(readFileSync(path.join(DIR, name), 'utf8')) as Obj;
}

/** The same request in protobuf: hex ids to bytes, as a protobuf exporter sends them. */
function toProtobuf(doc: Obj): Uint8Array {
  const copy = JSON.parse(JSON.stringify(doc)) as { resourceSpans: { scopeSpans: { spans: Obj[] }[] }[] };
  for (const rs of copy.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const s of ss.spans) {
        s.traceId = Buffer.from(String(s.traceId), 'hex');
        s.spanId = Buffer.from(String(s.spanId), 'hex');
      }
  return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(copy)).finish();
}

/** Expected costs from the providers' published prices (USD per million tokens). */
const CASES: { file: string; cost: number; what: string }[] = [
  {
    file: 'openllmetry-python-openai.json',
    // gpt-3.5-turbo-0125: $0.50 in, $1.50 out; 14 prompt, 173 completion tokens
    cost: (14 * 0.5 + 173 * 1.5) / 1e6,
    what: 'OpenLLMetry 0.33 (Python): gen_ai.system OpenAI, prompt/completion token names',
  },
  {
    file: 'openllmetry-python-anthropic.json',
    // claude-3-opus: $15 in, $75 out; 17 in, 220 out
    cost: (17 * 15 + 220 * 75) / 1e6,
    what: 'OpenLLMetry (Python) Anthropic: gen_ai.provider.name, input/output tokens',
  },
  {
    file: 'openinference-js-openai.json',
    // gpt-3.5-turbo-0613: $1.50 in, $2.00 out; 12 prompt, 5 completion
    cost: (12 * 1.5 + 5 * 2) / 1e6,
    what: 'OpenInference: llm.token_count.*, llm.model_name, openinference.span.kind LLM',
  },
];

let hop: NextHop;
let gateway: Gateway;
before(async () => {
  hop = await startNextHop();
  gateway = await startGateway({ forward: hop.url, port: 0 });
});
after(async () => {
  await gateway.close(1000);
  await hop.close();
});

for (const encoding of ['json', 'protobuf'] as const) {
  describe(`recorded spans of other instrumentations, as OTLP/${encoding}`, () => {
    for (const c of CASES) {
      test(`${c.what}: priced to the cent`, async () => {
        const doc = fixture(c.file);
        hop.spans.length = 0;
        const body = encoding === 'json' ? Buffer.from(JSON.stringify(doc)) : toProtobuf(doc);
        const type = encoding === 'json' ? 'application/json' : 'application/x-protobuf';
        assert.equal((await post(`${gateway.url}/v1/traces`, body, { 'content-type': type })).status, 200);
        await until(() => hop.spans.length === 1);
        const a = hop.spans[0]!.attributes;
        assert.ok(
          Math.abs((a[ATTR_GEN_AI_USAGE_COST] as number) - c.cost) < 1e-12,
          `${a[ATTR_GEN_AI_USAGE_COST]} vs ${c.cost}`,
        );
        assert.notEqual(a[ATTR_TOKENMETER_PRICING_MATCH], undefined);
      });
    }

    test('Vercel AI SDK: only the ai.generateText.doGenerate span is read (its ai.generateText parent and the tool call are not); the mock provider is unpriced with its reason, a real one priced', async () => {
      const type = encoding === 'json' ? 'application/json' : 'application/x-protobuf';
      const send = async (doc: Obj) => {
        hop.spans.length = 0;
        const body = encoding === 'json' ? Buffer.from(JSON.stringify(doc)) : toProtobuf(doc);
        assert.equal((await post(`${gateway.url}/v1/traces`, body, { 'content-type': type })).status, 200);
        await until(() => hop.spans.length === 3);
        return Object.fromEntries(hop.spans.map((s) => [s.name, s.attributes]));
      };
      const recorded = await send(fixture('vercel-ai-sdk-generate-text.json'));
      assert.equal(
        recorded['ai.generateText.doGenerate']![ATTR_TOKENMETER_PRICING_MATCH],
        'unknown_provider',
        'mock-provider: unpriced with its reason',
      );
      assert.equal(
        recorded['ai.generateText']![ATTR_TOKENMETER_PRICING_MATCH],
        undefined,
        'the parent: one call, one cost',
      );
      assert.equal(recorded['ai.toolCall']![ATTR_TOKENMETER_PRICING_MATCH], undefined);
      const real = JSON.parse(
        JSON.stringify(fixture('vercel-ai-sdk-generate-text.json'))
          .replaceAll('mock-provider', 'openai.chat')
          .replaceAll('mock-model-id', 'gpt-4o-mini'),
      ) as Obj;
      const priced = await send(real);
      // gpt-4o-mini: $0.15 in, $0.60 out; 10 in, 20 out
      const cost = priced['ai.generateText.doGenerate']![ATTR_GEN_AI_USAGE_COST] as number;
      assert.ok(Math.abs(cost - (10 * 0.15 + 20 * 0.6) / 1e6) < 1e-12, String(cost));
      assert.equal(priced['ai.generateText']![ATTR_GEN_AI_USAGE_COST], undefined);
    });

    test('OpenLIT prices its own spans: its gen_ai.usage.cost is kept, nothing is added', async () => {
      const doc = fixture('openlit-python-openai.json');
      hop.spans.length = 0;
      const body = encoding === 'json' ? Buffer.from(JSON.stringify(doc)) : toProtobuf(doc);
      const type = encoding === 'json' ? 'application/json' : 'application/x-protobuf';
      await post(`${gateway.url}/v1/traces`, body, { 'content-type': type });
      await until(() => hop.spans.length === 1);
      const a = hop.spans[0]!.attributes;
      assert.equal(a[ATTR_GEN_AI_USAGE_COST], 0.000151);
      assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], undefined);
    });
  });
}
