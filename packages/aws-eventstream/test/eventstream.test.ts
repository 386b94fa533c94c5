// The one AWS event stream framing: the CRC-32 every message carries, encoding, and incremental
// decoding whatever the chunk boundaries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AwsEventStreamDecoder, crc32, decodeEventStream, encodeEventStreamMessage } from '../src/index.js';

test('crc32 is the IEEE CRC-32 (check value of "123456789", empty input, a range)', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(Buffer.from('xx123456789yy'), 2, 11), 0xcbf43926);
});

test('encode then decode: the same headers and payload, both CRCs checked', () => {
  const msg = encodeEventStreamMessage({ ':event-type': 'chunk', ':message-type': 'event' }, '{"a":1}');
  const [decoded] = decodeEventStream(msg);
  assert.deepEqual(decoded?.headers, { ':event-type': 'chunk', ':message-type': 'event' });
  assert.equal(decoded?.payload.toString(), '{"a":1}');
});

test('a corrupted byte fails the CRC check: decodeEventStream throws, the decoder reports it', () => {
  const msg = encodeEventStreamMessage({ ':event-type': 'chunk' }, 'payload');
  const corrupt = Buffer.from(msg);
  corrupt[corrupt.length - 6]! ^= 0xff;
  assert.throws(() => decodeEventStream(corrupt), /message CRC mismatch/);
  const decoder = new AwsEventStreamDecoder({ verifyCrc: true });
  assert.deepEqual(decoder.push(corrupt), []);
  assert.match(decoder.failed ?? '', /CRC/);
  // Without verification (the default for TLS-protected streams) the payload is read as it is.
  assert.equal(new AwsEventStreamDecoder().push(corrupt).length, 1);
});

test('a frame larger than the cap, or with impossible lengths, stops decoding instead of buffering', () => {
  const big = encodeEventStreamMessage({}, 'x'.repeat(2000));
  const decoder = new AwsEventStreamDecoder({ maxFrameBytes: 1000 });
  assert.deepEqual(decoder.push(big), []);
  assert.match(decoder.failed ?? '', /bad frame/);
});

test('any chunking of a stream of messages (property): the same messages, in order', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 300 })), {
        minLength: 1,
        maxLength: 6,
      }),
      fc.array(fc.nat(4000), { maxLength: 20 }),
      (events, cuts) => {
        const stream = Buffer.concat(
          events.map(([type, body]) => encodeEventStreamMessage({ ':event-type': type }, body)),
        );
        const points = [...new Set(cuts.filter((c) => c > 0 && c < stream.length))].sort((a, b) => a - b);
        const decoder = new AwsEventStreamDecoder({ verifyCrc: true });
        const got: [unknown, string][] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          for (const m of decoder.push(stream.subarray(prev, p)))
            got.push([m.headers[':event-type'], m.payload.toString()]);
          prev = p;
        }
        assert.equal(decoder.failed, undefined);
        assert.deepEqual(got, events);
      },
    ),
    { numRuns: 300 },
  );
});
