// The byte-level fast paths for OpenAI streams give exactly what the general code gives, for any
// chunking of the stream: UsageStripper the adapters' general rewriter's bytes (what the server
// sends without include_usage), OpenAIStreamObserver the SSE decoder's parsed result.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { createStreamParser, InjectedUsageStreamRewriter, recognizeRequest } from '../src/adapters/index.js';
import { OpenAIStreamObserver, type Output, UsageStripper } from '../src/fetch/openai-sse.js';
import { SseDecoder } from '../src/sse.js';
import { splitAt } from './adapters/helpers.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/openai/${name}`, import.meta.url)));
const withUsage = fixture('chat-stream-include-usage.sse');
const expected = fixture('chat-stream-include-usage.expected-without-usage.sse');
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Cut into fresh chunks (as a body reader gives: each owns its buffer, and is the reader's to change). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  return splitAt(bytes, cuts).map((c) => c.slice());
}

const info = recognizeRequest({
  url: new URL('https://api.openai.com/v1/chat/completions'),
  method: 'POST',
  body: { model: 'gpt-4o-mini', stream: true, messages: [] },
})!;

/** A handler that records the events and feeds them to a stream parser. */
function recording() {
  const events: string[] = [];
  const parser = createStreamParser(info);
  const onEvent = (data: string) => {
    events.push(data);
    parser.onEvent(data);
  };
  return { events, parser, onEvent };
}

function viaStripper(
  chunks: Uint8Array[],
  everyEvent = true,
): { text: string; events: string[]; result: unknown } {
  const { events, parser, onEvent } = recording();
  const s = new UsageStripper(onEvent, everyEvent);
  let text = '';
  const take = (out: Output) => {
    for (const piece of out === null ? [] : Array.isArray(out) ? out : [out])
      text += dec.decode(piece, { stream: true });
  };
  // The stripper rewrites chunks in place: give it copies, as the body reader gives fresh chunks.
  for (const c of chunks) take(s.push(c.slice()));
  take(s.end());
  text += dec.decode();
  return { text, events, result: parser.result() };
}

/** The parsed result and the events seen through the observer, and the chunks after it saw them. */
function viaObserver(chunks: Uint8Array[]): { result: unknown; events: string[]; untouched: boolean } {
  const { events, parser, onEvent } = recording();
  const o = new OpenAIStreamObserver(onEvent);
  const copies = chunks.map((c) => c.slice());
  for (const c of copies) o.push(c);
  o.end();
  const untouched = copies.every((c, i) => Buffer.from(c).equals(Buffer.from(chunks[i]!)));
  return { result: parser.result(), events, untouched };
}

function viaDecoder(chunks: Uint8Array[]): { result: unknown; events: string[] } {
  const { events, parser, onEvent } = recording();
  const d = new SseDecoder(onEvent);
  for (const c of chunks) d.push(c);
  d.end();
  return { result: parser.result(), events };
}

function viaRewriter(chunks: Uint8Array[]): { text: string; events: string[]; result: unknown } {
  const { events, parser, onEvent } = recording();
  const r = new InjectedUsageStreamRewriter(onEvent);
  const parts: Uint8Array[] = [];
  for (const c of chunks) parts.push(...r.push(c).map((p) => p.slice()));
  parts.push(...r.end());
  return { text: Buffer.concat(parts).toString('utf8'), events, result: parser.result() };
}

test('the recorded stream comes out as the server sends it without include_usage', () => {
  assert.equal(viaStripper([withUsage.slice()]).text, dec.decode(expected));
});

test('any chunking, LF or CRLF: same bytes, events and parsed result as the general rewriter', () => {
  const crlf = enc.encode(dec.decode(withUsage).replace(/\r?\n/g, '\r\n'));
  fc.assert(
    fc.property(
      fc.constantFrom(withUsage, crlf),
      fc.array(fc.nat(5000), { maxLength: 40 }),
      fc.boolean(),
      (bytes, cuts, everyEvent) => {
        const a = viaStripper(split(bytes, cuts), everyEvent);
        const b = viaRewriter(split(bytes, cuts));
        assert.equal(a.text, b.text);
        assert.deepEqual(a.result, b.result);
        if (everyEvent) assert.deepEqual(a.events, b.events);
        else assert.ok(a.events.length <= b.events.length);
      },
    ),
    { numRuns: Number(process.env.FC_RUNS ?? 400) },
  );
});

test('content deltas are not even decoded unless the text is wanted', () => {
  const lean = viaStripper([withUsage.slice()], false);
  const all = viaStripper([withUsage.slice()], true);
  assert.ok(lean.events.length < all.events.length);
  assert.deepEqual(lean.result, all.result);
});

test('the fast path only cuts a top-level ,"usage":null of one-line data events; the rest as the general rewriter does', () => {
  for (const stream of [
    'data: {"a":1,"usage":null}\n\n',
    'data: {"a":1,"usage":null}\r\n\r\n',
    'data: {"a":{"usage":null}}\n\n',
    'data: {"a":1,\ndata: "usage":null}\n\n',
    'event: x\ndata: {"a":1,"usage":null}\n\n',
    ': comment\n\ndata: {"a":1,"usage":null}\n\n',
    'data:{"a":1,"usage":null}\n\n',
    'data: {"usage":{"total":1}}\n\n',
    'data: {"a":1,"usage":null}\n\ndata: {"a":2,"usage":null}\rdata: x\n\n',
  ]) {
    const bytes = enc.encode(stream);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const chunks = split(bytes, [cut]);
      assert.equal(
        viaStripper(chunks, true).text,
        viaRewriter(chunks).text,
        `${JSON.stringify(stream)} cut at ${cut}`,
      );
    }
  }
});

test('observer: any chunking, LF or CRLF, with or without usage: the parsed result of the SSE decoder; bytes untouched', () => {
  const withoutUsage = expected;
  const crlf = enc.encode(dec.decode(withUsage).replace(/\r?\n/g, '\r\n'));
  fc.assert(
    fc.property(
      fc.constantFrom(withUsage, withoutUsage, crlf),
      fc.array(fc.nat(5000), { maxLength: 40 }),
      (bytes, cuts) => {
        const chunks = split(bytes, cuts);
        const a = viaObserver(chunks);
        const b = viaDecoder(chunks);
        assert.deepEqual(a.result, b.result);
        assert.ok(a.untouched, 'the caller gets the bytes as they came');
        assert.ok(a.events.length <= b.events.length);
        assert.equal(a.events.at(-1), '[DONE]');
      },
    ),
    { numRuns: Number(process.env.FC_RUNS ?? 400) },
  );
});

test('observer: content deltas are not decoded; the first event, finish reason, usage and [DONE] are', () => {
  const lean = viaObserver([withUsage.slice()]);
  const all = viaDecoder([withUsage.slice()]);
  const kept = all.events.filter(
    (e, i) => i === 0 || !e.includes('"finish_reason":null') || e.includes('"usage":{'),
  );
  assert.ok(kept.length < all.events.length);
  assert.deepEqual(lean.events, kept);
  assert.deepEqual(lean.result, all.result);
});

test('observer: one event held across many chunks past the cap goes to the general decoder, memory bounded', () => {
  const big = `data: {"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"${'y'.repeat(3e6)}"},"finish_reason":null}]}\n\ndata: [DONE]\n\n`;
  const bytes = enc.encode(big);
  const chunks = split(
    bytes,
    Array.from({ length: 100 }, (_, i) => i * 40_000),
  );
  assert.deepEqual(viaObserver(chunks).result, viaDecoder(chunks).result);
});

test('a CRLF split between its CR and LF right after the dropped usage chunk leaves no stray LF', () => {
  const crlf = enc.encode(dec.decode(withUsage).replace(/\r?\n/g, '\r\n'));
  const done = enc.encode('data: [DONE]\r\n\r\n');
  const at = crlf.length - done.length - 1; // between the usage chunk's last CR and LF
  const want = dec.decode(expected).replace(/\r?\n/g, '\r\n');
  assert.equal(viaRewriter(split(crlf, [at])).text, want);
  assert.equal(viaStripper(split(crlf, [at]), false).text, want);
});
