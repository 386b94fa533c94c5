import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore } from '@tokenmeter/store';
import { makeStore, NOW, pricedCall, tempDir } from './helpers.js';
import { serve } from './server-helpers.js';

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** Reads server-sent events from a fetch body, one at a time. */
function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  return {
    async next(): Promise<SseEvent | null> {
      for (;;) {
        const end = buf.indexOf('\n\n');
        if (end >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const ev: SseEvent = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const i = line.indexOf(': ');
            const k = line.slice(0, i) as keyof SseEvent;
            if (k === 'id' || k === 'event' || k === 'data') ev[k] = line.slice(i + 2);
          }
          if (Object.keys(ev).length) return ev;
          continue;
        }
        const r = await reader.read();
        if (r.done) return null;
        buf += decoder.decode(r.value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe('tokenmeter serve: live stream', () => {
  it('pushes a call inserted after the client connected, filtered, and resumes after an id', async (t) => {
    const dir = tempDir(t);
    const file = makeStore(dir, [
      pricedCall({
        at: NOW - 5000,
        provider: 'openai',
        model: 'gpt-4o',
        input: 10,
        output: 5,
        tenant: 'acme',
      }),
    ]);
    const server = await serve(t, file);
    const res = await fetch(`${server.url}/v1/telemetry/stream?tenant=acme`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const sse = sseReader(res.body!);
    const hello = await sse.next();
    assert.equal(hello?.event, 'hello');
    assert.deepEqual(JSON.parse(hello!.data!), { lastId: 1 });

    const writer = openStore(file);
    writer.insertMany([
      pricedCall({
        at: NOW,
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        input: 300,
        output: 40,
        tenant: 'globex',
      }),
      pricedCall({
        at: NOW,
        provider: 'anthropic',
        model: 'claude-sonnet-4-6',
        input: 1200,
        output: 300,
        tenant: 'acme',
        feature: 'live',
      }),
    ]);
    const ev = await sse.next();
    assert.equal(ev?.event, 'call');
    assert.equal(ev?.id, '3', 'the globex call was filtered out');
    const call = JSON.parse(ev!.data!);
    assert.equal(call.feature, 'live');
    assert.equal(call.costNanos, writer.callsAfterId(2, 1)[0]!.costNanos);
    await sse.cancel();

    // A reconnecting EventSource sends Last-Event-ID: it gets what it missed.
    const again = await fetch(`${server.url}/v1/telemetry/stream`, { headers: { 'Last-Event-ID': '1' } });
    const sse2 = sseReader(again.body!);
    assert.equal((await sse2.next())?.event, 'hello');
    assert.equal((await sse2.next())?.id, '2');
    assert.equal((await sse2.next())?.id, '3');
    writer.close();

    // Closing the server ends open streams cleanly.
    await server.close();
    assert.equal(await sse2.next(), null);
  });

  it('sends heartbeats', async (t) => {
    const file = makeStore(tempDir(t), []);
    const server = await serve(t, file, { heartbeatMs: 30 });
    const res = await fetch(`${server.url}/v1/telemetry/stream`);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes(': heartbeat')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
  });
});
