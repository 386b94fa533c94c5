// The gateway between real OpenTelemetry SDK OTLP exporters (protobuf and JSON) and a real OTLP
// receiver: GenAI spans come out priced, everything else as it went in.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_TOKENMETER_PRICING_MATCH,
} from '@tokenmeter/semconv';
import { type Gateway, startGateway } from '../src/index.js';
import { type NextHop, startNextHop, until } from './helpers/next-hop.js';
import { startSender } from './helpers/sender.js';

/** gpt-4o-mini: $0.15 input, $0.60 output per million tokens. */
const cost = (input: number, output: number) => (input * 0.15 + output * 0.6) / 1e6;

const CHAT = {
  [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
  [ATTR_GEN_AI_SYSTEM]: 'openai',
  [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
  [ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-4o-mini-2024-07-18',
  [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1200,
  [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 300,
  'http.route': '/chat',
};

let hop: NextHop;
let gateway: Gateway;

before(async () => {
  hop = await startNextHop();
  gateway = await startGateway({ forward: hop.url, port: 0, retryInitialMs: 20, retryMaxMs: 100 });
});
after(async () => {
  await gateway.close(2000);
  await hop.close();
});
beforeEach(() => {
  hop.requests.length = 0;
  hop.spans.length = 0;
});

for (const protocol of ['protobuf', 'json'] as const) {
  describe(`OTLP/${protocol} from a real SDK exporter`, () => {
    test('a GenAI inference span comes out priced to the cent; its other attributes, resource and scope as sent', async () => {
      const sender = startSender(gateway.url, protocol);
      sender.span('openai.chat', CHAT);
      sender.span('GET /health', { 'http.route': '/health' }, 'opentelemetry.instrumentation.flask');
      await sender.flush();
      await until(() => hop.spans.length === 2, 5000, 'spans at the next hop');
      await sender.shutdown();
      const chat = hop.spans.find((s) => s.name === 'openai.chat')!;
      assert.ok(Math.abs((chat.attributes[ATTR_GEN_AI_USAGE_COST] as number) - cost(1200, 300)) < 1e-12);
      assert.equal(chat.attributes[ATTR_TOKENMETER_PRICING_MATCH], 'exact');
      for (const [k, v] of Object.entries(CHAT)) assert.equal(chat.attributes[k], v, k);
      assert.equal(chat.resource['service.name'], 'python-chat-service');
      assert.equal(chat.scope, 'opentelemetry.instrumentation.openai.v1');
      const other = hop.spans.find((s) => s.name === 'GET /health')!;
      assert.deepEqual(other.attributes, { 'http.route': '/health' }, 'a non-GenAI span is untouched');
      assert.equal(
        hop.requests[0]!.headers['content-type'],
        protocol === 'json' ? 'application/json' : 'application/x-protobuf',
      );
    });

    test('gzip request bodies are read, and forwarded gzip again', async () => {
      const sender = startSender(gateway.url, protocol, { compression: 'gzip' });
      sender.span('openai.chat', CHAT);
      await sender.flush();
      await until(() => hop.spans.length === 1, 5000, 'span at the next hop');
      await sender.shutdown();
      assert.equal(hop.requests[0]!.headers['content-encoding'], 'gzip');
      assert.ok((hop.spans[0]!.attributes[ATTR_GEN_AI_USAGE_COST] as number) > 0);
    });
  });
}
