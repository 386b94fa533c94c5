// The byte-level fast path of UsageStripper gives exactly what the adapters' general rewriter gives
// (and what the server sends without include_usage), for any chunking of the stream.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { createStreamParser, InjectedUsageStreamRewriter, recognizeRequest } from '../src/adapters/index.js';
import { trailingUsageNull, UsageStripper } from '../src/fetch/strip-usage.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/openai/${name}`, import.meta.url)));
const withUsage = fixture('chat-stream-include-usage.sse');
const expected = fixture('chat-stream-include-usage.expected-without-usage.sse');
const enc = new TextEncoder();
const dec = new TextDecoder();

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  out.push(bytes.slice(prev));
  return out;
}

const info = recognizeRequest({
  url: new URL('https://api.openai.com/v1/chat/completions'),
  method: 'POST',
  body: { model: 'gpt-4o-mini', stream: true, messages: [] },
})!;

function viaStripper(
  chunks: Uint8Array[],
  everyEvent = true,
): { text: string; events: string[]; result: unknown } {
  const events: string[] = [];
  const parser = createStreamParser(info);
  const s = new UsageStripper((data) => {
    events.push(data);
    parser.onEvent(data);
  }, everyEvent);
  let text = '';
  for (const c of chunks) {
    const out = s.push(c);
    if (out) text += dec.decode(out, { stream: true });
  }
  const rest = s.end();
  if (rest) text += dec.decode(rest);
  return { text, events, result: parser.result() };
}

function viaRewriter(chunks: Uint8Array[]): { text: string; events: string[]; result: unknown } {
  const events: string[] = [];
  const parser = createStreamParser(info);
  const r = new InjectedUsageStreamRewriter((data) => {
    events.push(data);
    parser.onEvent(data);
  });
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

test('the fast path only takes one-line events that end with ,"usage":null}', () => {
  const at = (s: string) => trailingUsageNull(enc.encode(s));
  assert.equal(at('data: {"a":1,"usage":null}\n\n'), 12);
  assert.equal(at('data: {"a":1,"usage":null}\r\n\r\n'), 12);
  assert.equal(at('data: {"a":{"usage":null}}\n\n'), -1, 'nested');
  assert.equal(at('data: {"a":1,\ndata: "usage":null}\n\n'), -1, 'two lines');
  assert.equal(at('event: x\ndata: {"a":1,"usage":null}\n\n'), -1, 'event line first: general path');
  assert.equal(at('data: {"usage":{"total":1}}\n\n'), -1);
});

test('a CRLF split between its CR and LF right after the dropped usage chunk leaves no stray LF', () => {
  const crlf = enc.encode(dec.decode(withUsage).replace(/\r?\n/g, '\r\n'));
  const done = enc.encode('data: [DONE]\r\n\r\n');
  const at = crlf.length - done.length - 1; // between the usage chunk's last CR and LF
  const want = dec.decode(expected).replace(/\r?\n/g, '\r\n');
  assert.equal(viaRewriter(split(crlf, [at])).text, want);
  assert.equal(viaStripper(split(crlf, [at]), false).text, want);
});
