// Incremental decoder of the AWS event stream binary framing (`application/vnd.amazon.eventstream`),
// used by Bedrock `converse-stream` and `invoke-with-response-stream`.
//
// Message: total length (u32 BE) | headers length (u32 BE) | prelude CRC-32 | headers | payload |
// message CRC-32. Header: name length (u8) | name | value type (u8) | value (by type). Memory: the
// current message only, capped (16 MB by default); a larger or malformed message stops decoding
// (reported by `failed`).
import { crc32 } from './crc32.js';
import type { AwsEventStreamDecoderOptions, EventStreamHeaderValue, EventStreamMessage } from './types.js';

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function utf8(b: Uint8Array, start: number, end: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8');
}

function readHeaders(
  b: Uint8Array,
  start: number,
  end: number,
): Record<string, EventStreamHeaderValue> | undefined {
  const headers: Record<string, EventStreamHeaderValue> = {};
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = start;
  while (o < end) {
    const nameLen = b[o]!;
    o++;
    if (o + nameLen + 1 > end) return undefined;
    const name = utf8(b, o, o + nameLen);
    o += nameLen;
    const type = b[o]!;
    o++;
    let value: EventStreamHeaderValue;
    switch (type) {
      case 0:
        value = true;
        break;
      case 1:
        value = false;
        break;
      case 2:
        value = view.getInt8(o);
        o += 1;
        break;
      case 3:
        value = view.getInt16(o);
        o += 2;
        break;
      case 4:
        value = view.getInt32(o);
        o += 4;
        break;
      case 5:
      case 8:
        value = view.getBigInt64(o);
        o += 8;
        break;
      case 6:
      case 7: {
        const len = view.getUint16(o);
        o += 2;
        if (o + len > end) return undefined;
        value = type === 7 ? utf8(b, o, o + len) : b.slice(o, o + len);
        o += len;
        break;
      }
      case 9:
        value = b.slice(o, o + 16);
        o += 16;
        break;
      default:
        return undefined;
    }
    if (o > end) return undefined;
    headers[name] = value;
  }
  return headers;
}

/**
 * Bytes in, event stream messages out. `push` returns the messages completed by the chunk.
 *
 * ```ts
 * const decoder = new AwsEventStreamDecoder();
 * for (const m of decoder.push(chunk)) parser.onBedrockEvent(eventStreamMessageToEvent(m));
 * ```
 */
export class AwsEventStreamDecoder {
  /** Set when a frame was malformed or too large; decoding then stops. */
  failed: string | undefined;
  private buf = new Uint8Array(0);
  private len = 0;
  private readonly verifyCrc: boolean;
  private readonly maxFrameBytes: number;

  constructor(options: AwsEventStreamDecoderOptions = {}) {
    this.verifyCrc = options.verifyCrc ?? false;
    this.maxFrameBytes = options.maxFrameBytes ?? 16 * 1024 * 1024;
  }

  push(chunk: Uint8Array): EventStreamMessage[] {
    const out: EventStreamMessage[] = [];
    if (this.failed || chunk.length === 0) return out;
    let data: Uint8Array;
    let start = 0;
    if (this.len === 0) {
      data = chunk;
    } else {
      this.append(chunk);
      data = this.buf;
    }
    const end = this.len === 0 ? chunk.length : this.len;
    while (end - start >= 12) {
      const total = u32(data, start);
      const headersLen = u32(data, start + 4);
      if (total < 16 || total > this.maxFrameBytes || headersLen > total - 16) {
        this.failed = `bad frame (length ${total}, headers ${headersLen})`;
        break;
      }
      if (this.verifyCrc && crc32(data, start, start + 8) !== u32(data, start + 8)) {
        this.failed = 'prelude CRC mismatch';
        break;
      }
      if (end - start < total) break;
      if (this.verifyCrc && crc32(data, start, start + total - 4) !== u32(data, start + total - 4)) {
        this.failed = 'message CRC mismatch';
        break;
      }
      const headers = readHeaders(data, start + 12, start + 12 + headersLen);
      if (!headers) {
        this.failed = 'bad headers';
        break;
      }
      const payload = data.slice(start + 12 + headersLen, start + total - 4);
      out.push({ headers, payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength) });
      start += total;
    }
    // Keep the unread tail.
    if (this.len === 0) {
      if (start < end && !this.failed) this.append(chunk.subarray(start));
    } else {
      const rest = this.len - start;
      this.buf.copyWithin(0, start, this.len);
      this.len = rest;
      if (this.buf.length > 64 * 1024 && rest < 1024) this.buf = this.buf.slice(0, Math.max(rest, 1024));
    }
    if (this.failed) this.len = 0;
    return out;
  }

  private append(chunk: Uint8Array): void {
    const need = this.len + chunk.length;
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.max(need, this.buf.length * 2, 1024));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(chunk, this.len);
    this.len = need;
  }
}

/**
 * The messages of a whole buffer of complete messages, both CRC-32s checked. Throws on a malformed
 * message or a CRC mismatch (for tests and tools; a stream uses `AwsEventStreamDecoder`).
 */
export function decodeEventStream(bytes: Uint8Array): EventStreamMessage[] {
  const decoder = new AwsEventStreamDecoder({ verifyCrc: true });
  const messages = decoder.push(bytes);
  if (decoder.failed !== undefined) throw new Error(`event stream: ${decoder.failed}`);
  return messages;
}
