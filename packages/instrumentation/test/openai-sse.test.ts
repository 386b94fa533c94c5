// The byte-level fast paths for OpenAI streams give exactly what the general code gives, for any
// chunking of the stream: UsageStripper the adapters' general rewriter's bytes (what the server
// sends without include_usage), OpenAIStreamObserver the SSE decoder's parsed result.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { createStreamParser, InjectedUsageStreamRewriter, recognizeRequest } from '../src/adapters/index.js';
import {
  MAX_HELD_TEXT,
  OpenAIStreamObserver,
  type Output,
  pieces,
  UsageStripper,
} from '../src/fetch/openai-sse.js';
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

test('CRLF split after a kept event and again inside the dropped usage chunk: the kept event keeps its last LF', () => {
  const kept = 'data: {"choices":[{"index":0}],"usage":null}\r\n\r\n';
  const usage = 'data: {"choices":[],"usage":{"prompt_tokens":1}}\r\n\r\n';
  const bytes = enc.encode(`${kept}${usage}data: [DONE]\r\n\r\n`);
  const lineCr = kept.length + usage.indexOf('\r'); // the usage chunk's line end, its CR ending a chunk
  const chunks = split(bytes, [kept.length - 1, lineCr + 1]);
  const want = 'data: {"choices":[{"index":0}]}\r\n\r\ndata: [DONE]\r\n\r\n';
  assert.equal(viaRewriter(chunks).text, want);
  assert.equal(viaStripper(chunks, false).text, want);
});

/** A stream as a server sends it, with or without the include_usage tokenmeter adds. */
interface GeneratedStream {
  contents: string[];
  usageFirst: boolean[];
  placement: 'chunk' | 'last-content-chunk' | 'chunk-without-choices' | 'spaced-empty-choices';
  crlf: boolean;
  /** OpenAI's `,"obfuscation":"..."` padding at the end of each chunk (its default), or none. */
  obfuscation: string | undefined;
}

function renderStream(g: GeneratedStream, includeUsage: boolean): string {
  const head = '"id":"c","object":"chat.completion.chunk","model":"m"';
  const usage = '{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}';
  const pad = g.obfuscation === undefined ? '' : `,"obfuscation":${JSON.stringify(g.obfuscation)}`;
  const chunk = (choices: string, first: boolean, last = false) => {
    const trace = !includeUsage ? '' : last && g.placement === 'last-content-chunk' ? usage : 'null';
    if (trace === '') return `data: {${head},"choices":${choices}${pad}}\n\n`;
    return first
      ? `data: {"usage":${trace},${head},"choices":${choices}${pad}}\n\n`
      : `data: {${head},"choices":${choices},"usage":${trace}${pad}}\n\n`;
  };
  let text = g.contents
    .map((c, i) =>
      chunk(`[{"index":0,"delta":{"content":${JSON.stringify(c)}},"finish_reason":null}]`, g.usageFirst[i]!),
    )
    .join('');
  text += chunk('[{"index":0,"delta":{},"finish_reason":"stop"}]', false, true);
  if (includeUsage) {
    if (g.placement === 'chunk') text += `data: {${head},"choices":[],"usage":${usage}${pad}}\n\n`;
    if (g.placement === 'chunk-without-choices') text += `data: {${head},"usage":${usage}}\n\n`;
    if (g.placement === 'spaced-empty-choices')
      text += `data: {${head},"choices": [ ] , "usage" : ${usage}}\n\n`;
  }
  text += 'data: [DONE]\n\n';
  return g.crlf ? text.replace(/\n/g, '\r\n') : text;
}

const content = fc.oneof(
  fc.string({ maxLength: 20, unit: 'binary' }),
  fc.constantFrom('"usage":null', ',"usage":null}', '"choices":[]', '}\\"]', '\u00e9\ud83d\ude00'),
  fc.nat({ max: 3 }).map((n) => 'x'.repeat(20_000 * n)),
);
const generated: fc.Arbitrary<GeneratedStream> = fc
  .array(fc.tuple(content, fc.boolean()), { minLength: 1, maxLength: 5 })
  .chain((events) =>
    fc.record({
      contents: fc.constant(events.map((e) => e[0])),
      usageFirst: fc.constant(events.map((e) => e[1])),
      placement: fc.constantFrom(
        'chunk',
        'last-content-chunk',
        'chunk-without-choices',
        'spaced-empty-choices',
      ),
      crlf: fc.boolean(),
      obfuscation: fc.option(
        fc.oneof(
          fc.stringMatching(/^[A-Za-z0-9]{0,12}$/),
          fc.constantFrom('a"b', 'a\\', '"usage":null', ',"usage":null}', 'x'.repeat(300)),
        ),
        { nil: undefined },
      ),
    }),
  );
/** Random cuts, or every few bytes (a slow server). */
function chunking(length: number): fc.Arbitrary<number[]> {
  return fc.oneof(
    fc.array(fc.nat(length), { maxLength: 40 }),
    fc
      .integer({ min: 1, max: 9 })
      .map((step) => Array.from({ length: Math.ceil(length / step) }, (_, i) => i * step)),
  );
}

test('any stream shape, any chunking, byte by byte too (property): the app gets what the server sends without include_usage, the parser the usage', () => {
  fc.assert(
    fc.property(
      generated.chain((g) => {
        const sent = enc.encode(renderStream(g, true));
        return fc.tuple(
          fc.constant(g),
          fc.constant(sent),
          chunking(Math.min(sent.length, 3000)),
          fc.boolean(),
        );
      }),
      ([g, sent, cuts, everyEvent]) => {
        const out = viaStripper(split(sent, cuts), everyEvent);
        assert.equal(out.text, renderStream(g, false));
        assert.deepEqual((out.result as { usage?: unknown }).usage, { inputTokens: 7, outputTokens: 3 });
      },
    ),
    { numRuns: Number(process.env.FC_RUNS ?? 300) },
  );
});

test('byte by byte, the app is handed every byte of a content delta before its ,"usage":null arrives', () => {
  const sent = withUsage;
  const want = dec.decode(expected);
  const s = new UsageStripper(() => {}, false);
  let text = '';
  let consumed = 0;
  let cut = 0;
  const tail = ',"usage":null}';
  const input = dec.decode(sent);
  let checked = 0;
  for (const byte of sent) {
    const out = s.push(new Uint8Array([byte]));
    for (const piece of out === null ? [] : Array.isArray(out) ? out : [out]) text += dec.decode(piece);
    consumed++;
    if (input.startsWith(tail, consumed) && !input.slice(0, consumed).endsWith('"choices":[]')) {
      // The next byte starts a ,"usage":null that will be cut: all before it is the app's already.
      assert.equal(text, want.slice(0, consumed - cut), `at byte ${consumed}`);
      cut += tail.length - 1;
      checked++;
    }
  }
  const out = s.end();
  for (const piece of out === null ? [] : Array.isArray(out) ? out : [out]) text += dec.decode(piece);
  assert.equal(text, want);
  assert.ok(checked >= 5, `${checked} events checked`);
});

/** A capturing parser fed by the observer (content deltas' text by byte search) or by the SSE decoder. */
function capturedVia(kind: 'observer' | 'decoder', chunks: Uint8Array[]) {
  const parser = createStreamParser(info, { captureOutputText: true });
  const events: string[] = [];
  const onEvent = (data: string) => {
    events.push(data);
    parser.onEvent(data);
  };
  if (kind === 'observer') {
    const o = new OpenAIStreamObserver(onEvent, (text, n) => parser.onOutputText!(text, n));
    for (const c of chunks) o.push(c);
    o.end();
  } else {
    const d = new SseDecoder(onEvent);
    for (const c of chunks) d.push(c);
    d.end();
  }
  return { text: parser.outputText?.()?.text, result: parser.result(), events, stats: parser.stats?.() };
}

/** One chat chunk event of a one-choice stream, the delta as given. */
function chatEvent(delta: unknown, finish: string | null = null, usage?: unknown): string {
  const chunk: Record<string, unknown> = {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
  if (usage !== undefined) chunk.usage = usage;
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

test('observer keeping the output text: any content (escapes, quotes, backslashes, emoji, other delta shapes), any chunking: the same text and result as parsing every event', () => {
  const delta = fc.oneof(
    fc.string({ unit: 'binary' }).map((content) => ({ content })),
    fc.string({ unit: 'grapheme' }).map((content) => ({ content })),
    fc
      .constantFrom('\\', '"', '\\"', 'a\\\\"b', '\n\t\u0001', '}', '"delta":{"content":"x"}', '😀é')
      .map((content) => ({ content })),
    fc.string().map((content) => ({ role: 'assistant', content })),
    fc.string().map((content) => ({ content, refusal: null })),
    fc.string().map((refusal) => ({ refusal })),
    fc.string().map((args) => ({ tool_calls: [{ index: 0, function: { arguments: args } }] })),
    fc.constant({ content: null }),
    fc.constant({}),
  );
  fc.assert(
    fc.property(
      fc.array(delta, { maxLength: 12 }),
      fc.array(fc.nat(3000), { maxLength: 20 }),
      (deltas, cuts) => {
        const stream = [
          chatEvent({ role: 'assistant', content: '' }),
          ...deltas.map((d) => chatEvent(d)),
          chatEvent({}, 'stop'),
          'data: [DONE]\n\n',
        ].join('');
        const bytes = enc.encode(stream);
        const a = capturedVia('observer', split(bytes, cuts));
        const b = capturedVia('decoder', split(bytes, cuts));
        assert.equal(a.text, b.text);
        assert.deepEqual(a.result, b.result);
        assert.ok(a.events.length <= b.events.length);
        // Deltas whose text was joined before it was handed on still count one event each.
        assert.deepEqual(a.stats, b.stats);
      },
    ),
    { numRuns: Number(process.env.FC_RUNS ?? 300) },
  );
});

test('observer keeping the output text: the recorded stream is captured without parsing its content deltas', () => {
  const a = capturedVia('observer', [withUsage.slice()]);
  const b = capturedVia('decoder', [withUsage.slice()]);
  assert.ok(a.text !== undefined && a.text.length > 0);
  assert.equal(a.text, b.text);
  assert.deepEqual(a.result, b.result);
  const notPlainDeltas = b.events.filter(
    (e, i) => i === 0 || !e.includes('"finish_reason":null') || e.includes('"usage":{'),
  );
  assert.ok(notPlainDeltas.length < b.events.length);
  assert.deepEqual(a.events, notPlainDeltas);
});

test('observer keeping the output text: a two-choice chunk is parsed whole, both texts kept', () => {
  const two = `data: ${JSON.stringify({
    id: 'c',
    model: 'm',
    choices: [
      { index: 0, delta: { content: 'left' }, finish_reason: null },
      { index: 1, delta: { content: 'right' }, finish_reason: null },
    ],
  })}\n\n`;
  const bytes = enc.encode(`${chatEvent({ role: 'assistant', content: '' })}${two}data: [DONE]\n\n`);
  assert.equal(capturedVia('observer', [bytes]).text, 'leftright');
});

test('observer keeping the output text: deltas found by byte search in odd places read as parsing every event reads them (repeated keys, Azure filter results, brackets in strings, logprobs)', () => {
  const head = '"id":"c[{","object":"chat.completion.chunk","model":"m{\\"choices\\":[{"';
  const lines = [
    // A repeated delta: JSON.parse keeps the last one.
    `{${head},"choices":[{"index":0,"delta":{"content":"first"},"delta":null,"finish_reason":null}]}`,
    `{${head},"choices":[{"index":0,"delta":{"content":"one"},"delta":{"content":"two"},"finish_reason":null}]}`,
    // Azure: filter results (with braces, a `d` and "content") before the delta and an index after it.
    `{"id":"x","choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}},"delta":{"content":"az"},"index":0,"logprobs":null,"finish_reason":null}]}`,
    // A choices key inside a string value before the real one, and a delta-like string in the content.
    `{"id":"\\"choices\\":[{\\"delta\\":{\\"content\\":\\"no\\"}","choices":[{"index":0,"delta":{"content":"\\"delta\\":{\\"content\\":\\"x\\"}"},"finish_reason":null}]}`,
    // Logprobs as an object after the delta.
    `{"id":"l","choices":[{"index":0,"delta":{"content":"lp"},"logprobs":{"content":[{"token":"lp","logprob":-0.1,"bytes":[108,112],"top_logprobs":[]}]},"finish_reason":null}]}`,
    // Escapes: an escaped quote at the end, an escaped backslash before the closing quote, \\u.
    `{"id":"e","choices":[{"index":0,"delta":{"content":"a\\"\\\\"},"finish_reason":null}]}`,
    `{"id":"e","choices":[{"index":0,"delta":{"content":"\\ud83d\\ude00\\u00e9"},"finish_reason":null}]}`,
    // A backslash at the very end of the line (broken): parsed whole, counted malformed.
    `{"id":"b","choices":[{"index":0,"delta":{"content":"x\\`,
    // Two choices.
    `{"id":"t","choices":[{"index":0,"delta":{"content":"L"},"finish_reason":null},{"index":1,"delta":{"content":"R"},"finish_reason":null}]}`,
  ];
  for (const line of lines) {
    const stream = `${chatEvent({ role: 'assistant', content: '' })}data: ${line}\n\n${chatEvent({}, 'stop')}data: [DONE]\n\n`;
    const bytes = enc.encode(stream);
    for (const chunks of [
      [bytes],
      split(bytes, [1, 150, 151, 300]),
      [...bytes].map((b) => new Uint8Array([b])),
    ]) {
      const a = capturedVia(
        'observer',
        chunks.map((c) => c.slice()),
      );
      const b = capturedVia('decoder', chunks);
      assert.equal(a.text, b.text, line);
      assert.deepEqual(a.result, b.result, line);
    }
  }
});

test('observer keeping the output text: the text of plain deltas is held as bytes up to a bound, then handed on', () => {
  const word = 'abcdefghij'.repeat(10); // 100 ASCII bytes per delta
  const deltas = Math.ceil((3 * MAX_HELD_TEXT) / word.length);
  const stream =
    chatEvent({ role: 'assistant', content: '' }) +
    Array.from({ length: deltas }, () => chatEvent({ content: word })).join('');
  const texts: string[] = [];
  let events = 0;
  const o = new OpenAIStreamObserver(
    () => {},
    (text, n) => {
      texts.push(text);
      events += n;
    },
  );
  for (const c of split(enc.encode(stream), [])) o.push(c);
  assert.ok(texts.length >= 2, `${texts.length} texts handed on before the end`);
  for (const t of texts) assert.ok(t.length <= MAX_HELD_TEXT + word.length);
  o.end();
  assert.equal(texts.join(''), word.repeat(deltas));
  assert.equal(events, deltas);
});

test('observers keeping the output text of interleaved streams each get their own text (held buffers are reused)', () => {
  const streams = ['alpha', 'beta', 'gamma'].map((name) => {
    const texts: string[] = [];
    const o = new OpenAIStreamObserver(
      () => {},
      (text) => texts.push(text),
    );
    o.push(enc.encode(chatEvent({ role: 'assistant', content: '' })));
    return { name, texts, o };
  });
  // Each holds, hands its text on (a finish event) and holds again, the others in between.
  for (let round = 0; round < 3; round++) {
    for (const s of streams) s.o.push(enc.encode(chatEvent({ content: `${s.name}${round} ` })));
    for (const s of streams) s.o.push(enc.encode(chatEvent({ content: `${s.name}${round}!` })));
    for (const s of streams) s.o.flush();
  }
  for (const s of streams) {
    s.o.end();
    assert.equal(s.texts.join(''), [0, 1, 2].map((r) => `${s.name}${r} ${s.name}${r}!`).join(''));
  }
});

test('api.openai.com chunks end with an obfuscation member: the fast paths look past it (nothing decoded but what matters, the padding kept)', () => {
  const head = '"id":"c","object":"chat.completion.chunk","model":"m"';
  const delta = (content: string, pad: string) =>
    `data: {${head},"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"${pad}"}\n\n`;
  const first = `data: {${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"q"}\n\n`;
  const stop = `data: {${head},"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null,"obfuscation":"Zx"}\n\n`;
  const usage = `data: {${head},"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10},"obfuscation":"k9"}\n\n`;
  const sent = `${first}${delta('Hello', 'AbC1')}${delta(' world', '')}${stop}${usage}data: [DONE]\n\n`;
  // Fresh chunks for each (the stripper rewrites them in place).
  const chunked = () => sent.split(/(?<=\n\n)/).map((e) => enc.encode(e));
  // The stripper: `,"usage":null` cut, the padding kept, the usage chunk dropped; the content deltas not decoded.
  const decoded: string[] = [];
  const s = new UsageStripper((data) => decoded.push(data), false);
  let text = '';
  for (const c of chunked()) for (const piece of pieces(s.push(c))) text += dec.decode(piece);
  for (const piece of pieces(s.end())) text += dec.decode(piece);
  assert.equal(text, sent.replace(usage, '').replaceAll(',"usage":null', ''));
  assert.equal(decoded.length, 4); // first, stop, usage, [DONE]
  assert.ok(!decoded.some((d) => d.includes('Hello')));
  // The observer (the request asked for usage itself): the deltas' text by byte search, not decoded.
  const seen: string[] = [];
  const texts: string[] = [];
  const o = new OpenAIStreamObserver(
    (data) => seen.push(data),
    (t) => texts.push(t),
  );
  for (const c of chunked()) o.push(c);
  o.end();
  assert.equal(texts.join(''), 'Hello world');
  assert.equal(seen.length, 4);
});
