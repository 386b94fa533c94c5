// No per-request state outlives its call: after many calls (JSON and streams, read, cancelled and
// failed) the pending set is empty and the heap is back within a generous bound. A large stream
// passes through with a flat heap (the tap holds no body).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type OpenAIType from 'openai';
import { type Harness, requireSdk, startHarness } from './helpers/otel.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let h: Harness;
let client: OpenAIType;
let count = 0;

before(async () => {
  h = await startHarness({ config: { onCallRecord: () => count++ } });
  const { OpenAI } = requireSdk('openai') as typeof import('openai');
  client = new OpenAI({ baseURL: h.openaiBaseURL, apiKey: 'x', maxRetries: 0 });
});
after(() => h.close());

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

/** The heap and the ArrayBuffers (body bytes live outside the V8 heap), after a collection. */
function retainedMb(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 1e6;
}

async function batch(n: number): Promise<void> {
  const jobs: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 4 === 3) {
      jobs.push(
        (async () => {
          const s = await client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: `hi ${i}` }],
            stream: true,
          });
          for await (const _ of s) {
            // drain
          }
        })(),
      );
    } else {
      jobs.push(
        client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: `hi ${i}` }],
        }),
      );
    }
    if (jobs.length === 50) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
}

test('10k calls: no per-request state left, heap within bounds', async () => {
  await batch(1000);
  h.spans.reset();
  const before = heapMb();
  await batch(10_000);
  h.spans.reset(); // the in-memory exporter holds every span by design
  await new Promise((r) => setTimeout(r, 50));
  const afterHeap = heapMb();
  assert.equal(count, 11_000);
  assert.equal(h.instrumentation.runtime.pending.size, 0);
  assert.ok(afterHeap - before < 30, `heap grew by ${(afterHeap - before).toFixed(1)} MB over 10k calls`);
});

test('a 30 MB stream passes with a flat heap', async () => {
  const base = retainedMb();
  let peak = 0;
  const res = await fetch(`${h.openaiBaseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mock-stream-bytes': String(30e6) },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'long' }],
      stream: true,
    }),
  });
  const reader = res.body!.getReader();
  let bytes = 0;
  let samples = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    // What the heap retains (after a collection), not the garbage a newer V8 lets pile up between
    // collections: a tap that held the body would show here.
    if (bytes >= (samples + 1) * 1e6) {
      samples++;
      peak = Math.max(peak, retainedMb() - base);
    }
  }
  assert.ok(bytes > 25e6, `streamed ${bytes} bytes`);
  assert.ok(samples >= 25, `${samples} samples of the heap`);
  assert.ok(
    peak < 10,
    `heap retained ${peak.toFixed(1)} MB more while streaming ${(bytes / 1e6).toFixed(0)} MB`,
  );
});
