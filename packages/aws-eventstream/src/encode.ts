// Encoding one event stream message (what Bedrock sends; the mock provider's streams).
import { crc32 } from './crc32.js';

/** One message with string headers (value type 7) and `payload`, prelude and message CRC-32s filled in. */
export function encodeEventStreamMessage(
  headers: Record<string, string>,
  payload: Uint8Array | string,
): Buffer {
  const headerBufs: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    const h = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
    h.writeUInt8(n.length, 0);
    n.copy(h, 1);
    h.writeUInt8(7, 1 + n.length);
    h.writeUInt16BE(v.length, 2 + n.length);
    v.copy(h, 4 + n.length);
    headerBufs.push(h);
  }
  const headerBytes = Buffer.concat(headerBufs);
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const total = 12 + headerBytes.length + body.length + 4;
  const out = Buffer.alloc(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(headerBytes.length, 4);
  out.writeUInt32BE(crc32(out, 0, 8), 8);
  headerBytes.copy(out, 12);
  body.copy(out, 12 + headerBytes.length);
  out.writeUInt32BE(crc32(out, 0, total - 4), total - 4);
  return out;
}
