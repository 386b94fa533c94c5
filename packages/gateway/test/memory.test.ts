// The gateway does not grow with traffic: after a warm-up, thousands more batches of new traces,
// response ids and services leave the heap where it was (the dedupe sets are bounded, queued
// batches are released once delivered, metric label sets are capped).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ATTR_GEN_AI_RESPONSE_ID, ATTR_GEN_AI_USAGE_INPUT_TOKENS } from '@tokenmeter/semconv';
import { startGateway } from '../src/index.js';
import { startNextHop } from './helpers/next-hop.js';
import { CHAT_SPAN, HTTP_SPAN, jsonBody, post } from './helpers/otlp-json.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 1e6;
}

test('memory: 3,000 batches after a warm-up leave the heap where it was (no leak per span, trace or service)', async () => {
  const hop = await startNextHop();
  hop.spans.length = 0;
  const gw = await startGateway({ forward: hop.url, port: 0 });
  let n = 0;
  const batch = async () => {
    n++;
    const spans = Array.from({ length: 10 }, (_, i) => ({
      ...CHAT_SPAN,
      attributes: {
        ...CHAT_SPAN.attributes,
        [ATTR_GEN_AI_RESPONSE_ID]: `chatcmpl-${n}-${i}`,
        [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1000 + (n % 97),
      },
    }));
    const r = await post(`${gw.url}/v1/traces`, jsonBody([...spans, HTTP_SPAN], `service-${n % 50}`));
    assert.equal(r.status, 200);
  };
  try {
    for (let i = 0; i < 1000; i++) await batch();
    const before = heapMb();
    for (let i = 0; i < 3000; i++) {
      await batch();
      if (i % 500 === 0) {
        hop.spans.length = 0; // the test's receiver keeps spans; the gateway must not
        hop.requests.length = 0;
      }
    }
    while (gw.queuedSpans > 0) await new Promise((r) => setTimeout(r, 10));
    hop.spans.length = 0;
    hop.requests.length = 0;
    const afterMb = heapMb();
    assert.ok(afterMb - before < 8, `heap grew ${(afterMb - before).toFixed(1)} MB over 33,000 spans`);
  } finally {
    await gw.close(2000);
    await hop.close();
  }
});
