// The SSE decoder against the WHATWG event-stream rules and arbitrary chunking.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SseDecoder } from '../../src/sse.js';
import { fixtureBytes, splitAt } from './helpers.js';

type Ev = [string, string | undefined];

function decode(
  chunks: Iterable<Uint8Array | string>,
  maxEventBytes?: number,
): { events: Ev[]; overflows: number } {
  const events: Ev[] = [];
  const d = new SseDecoder(
    (data, event) => events.push([data, event]),
    maxEventBytes ? { maxEventBytes } : {},
  );
  for (const c of chunks) d.push(typeof c === 'string' ? new TextEncoder().encode(c) : c);
  d.end();
  return { events, overflows: d.overflows };
}

const SSE_FIXTURES = [
  'openai/chat-stream-include-usage.sse',
  'openai/chat-stream-no-usage.sse',
  'openai/responses-stream-reasoning.sse',
  'anthropic/messages-stream.sse',
  'anthropic/messages-stream-cache-write.sse',
  'gemini/stream.sse',
  'gemini/stream-function-call-thinking.sse',
];

describe('SseDecoder', () => {
  it('reads data, event and multi-line data, and ignores comments and unknown fields', () => {
    const { events } = decode([
      ': ping\n\nevent: message_start\ndata: {"a":1}\n\ndata: line one\ndata: line two\nid: 7\nretry: 10\nfoo: bar\n\n',
    ]);
    assert.deepEqual(events, [
      ['{"a":1}', 'message_start'],
      ['line one\nline two', undefined],
    ]);
  });

  it('treats \\n, \\r\\n and \\r alike as line ends, also when \\r\\n is cut between chunks', () => {
    const lf = decode(['data: a\n\ndata: b\n\n']).events;
    assert.deepEqual(decode(['data: a\r\n\r\ndata: b\r\n\r\n']).events, lf);
    assert.deepEqual(decode(['data: a\r\rdata: b\r\r']).events, lf);
    assert.deepEqual(decode(['data: a\r', '\n\r', '\ndata: b\r\n\r\n']).events, lf);
  });

  it('keeps a value without the space after the colon, and a field without a colon as empty', () => {
    assert.deepEqual(decode(['data:x\n\ndata\n\n']).events, [
      ['x', undefined],
      ['', undefined],
    ]);
  });

  it('dispatches the last event even without a trailing newline', () => {
    assert.deepEqual(decode(['data: {"x":1}\n\ndata: [DONE]']).events, [
      ['{"x":1}', undefined],
      ['[DONE]', undefined],
    ]);
    assert.deepEqual(decode(['data: [DONE]\n']).events, [['[DONE]', undefined]]);
  });

  it('decodes a multi-byte character cut at every byte', () => {
    const bytes = new TextEncoder().encode('data: 今日の東京 😄\n\n');
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.deepEqual(decode(splitAt(bytes, [cut])).events, [['今日の東京 😄', undefined]], `cut at ${cut}`);
    }
  });

  it('ignores a byte order mark at the start of the stream', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('data: x\n\n')]);
    assert.deepEqual(decode([bytes]).events, [['x', undefined]]);
  });

  it('drops and reports an event over the size cap, then reads the next one', () => {
    const big = `data: ${'x'.repeat(5000)}\n\n`;
    const { events, overflows } = decode([big.slice(0, 1000), big.slice(1000), 'data: after\n\n'], 1024);
    assert.deepEqual(events, [['after', undefined]]);
    assert.equal(overflows, 1);
  });

  it('keeps constant memory on a long stream of events (no growth of held bytes)', () => {
    const d = new SseDecoder(() => {});
    const event = new TextEncoder().encode(`data: ${'y'.repeat(200)}\n\n`);
    for (let i = 0; i < 20000; i++) d.push(event);
    d.end();
    assert.equal(d.events, 20000);
  });

  it('gives the same events for every real fixture whatever the chunk boundaries (property)', () => {
    for (const name of SSE_FIXTURES) {
      const bytes = fixtureBytes(name);
      const whole = decode([bytes]).events;
      assert.ok(whole.length >= 1, name);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
          assert.deepEqual(decode(splitAt(bytes, cuts)).events, whole);
        }),
        { numRuns: 150 },
      );
      // And one byte at a time.
      assert.deepEqual(decode(splitAt(bytes, [...Array(bytes.length).keys()])).events, whole, name);
    }
  });

  it('agrees with a line-by-line reading of the spec on random streams, however they are cut (property)', () => {
    // Reference: the WHATWG interpretation over the whole decoded text, plus this decoder's two
    // leniencies (a last unterminated line is read; a pending event is dispatched at the end).
    function reference(text: string): Ev[] {
      const out: Ev[] = [];
      let data: string | undefined;
      let event: string | undefined;
      const dispatch = () => {
        if (data !== undefined) out.push([data, event === '' ? undefined : event]);
        data = undefined;
        event = undefined;
      };
      const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
      const last = lines.pop()!; // text after the last line end ('' when the text ends with one)
      for (const line of [...lines, ...(last === '' ? [] : [last])]) {
        if (line === '') {
          dispatch();
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (name === 'data') data = data === undefined ? value : `${data}\n${value}`;
        else if (name === 'event') event = value;
      }
      dispatch();
      return out;
    }
    const token = fc.constantFrom(
      'data: ',
      'data:',
      'data',
      'event: message_start',
      'event:',
      ': ping',
      'id: 7',
      'retry: 10',
      '\n',
      '\n',
      '\r',
      '\r\n',
      '{"a":1}',
      ' x ',
      '😄',
      '今日',
      ':',
    );
    fc.assert(
      fc.property(
        fc.array(token, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (tokens, rawCuts) => {
          const text = tokens.join('');
          const bytes = new TextEncoder().encode(text);
          const cuts = rawCuts.map((c) => (bytes.length > 1 ? 1 + (c % (bytes.length - 1)) : 0));
          assert.deepEqual(decode(splitAt(bytes, cuts)).events, reference(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('in raw mode, hands back every byte exactly once, in order, with each event', () => {
    for (const name of SSE_FIXTURES) {
      const bytes = fixtureBytes(name);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 30 }), (cuts) => {
          const pieces: Uint8Array[] = [];
          const withData: string[] = [];
          const d = new SseDecoder(() => {}, {
            onRawBlock: (raw, data) => {
              pieces.push(raw.slice());
              if (data !== undefined) withData.push(data);
            },
          });
          for (const c of splitAt(bytes, cuts)) d.push(c);
          d.end();
          assert.deepEqual(Buffer.concat(pieces), Buffer.from(bytes));
          assert.deepEqual(
            withData,
            decode([bytes]).events.map((e) => e[0]),
          );
        }),
        { numRuns: 60 },
      );
    }
  });

  it('in raw mode, loses no byte even when events overflow the cap (property)', () => {
    const token = fc.constantFrom(
      'data: ',
      'event: e',
      ': c',
      '\n',
      '\r\n',
      '\r',
      'x'.repeat(20),
      '😄',
      '\n\n',
    );
    fc.assert(
      fc.property(
        fc.array(token, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (tokens, rawCuts) => {
          const bytes = new TextEncoder().encode(tokens.join(''));
          const cuts = rawCuts.map((c) => (bytes.length > 1 ? 1 + (c % (bytes.length - 1)) : 0));
          const pieces: Uint8Array[] = [];
          const d = new SseDecoder(() => {}, {
            maxEventBytes: 16,
            onRawBlock: (raw) => pieces.push(raw.slice()),
          });
          for (const c of splitAt(bytes, cuts)) d.push(c);
          d.end();
          assert.deepEqual(Buffer.concat(pieces), Buffer.from(bytes));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
