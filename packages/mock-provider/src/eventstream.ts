// Encoder of the AWS event stream framing (`application/vnd.amazon.eventstream`), the binary
// format of Bedrock's ConverseStream and InvokeModelWithResponseStream. Each message:
//   total length (u32 BE) | headers length (u32 BE) | prelude CRC32 | headers | payload | message CRC32
// A header: name length (u8) | name | value type (u8, 7 = string) | value length (u16 BE) | value.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3), as the event stream framing uses. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Encodes one event stream message with string headers. */
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

/** An `event` message with a JSON payload, as Bedrock sends them. */
export function eventMessage(eventType: string, payload: unknown): Buffer {
  return encodeEventStreamMessage(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify(payload),
  );
}

/** Decodes a buffer of whole messages (for tests): headers and payload of each. */
export function decodeEventStream(buf: Uint8Array): { headers: Record<string, string>; payload: Buffer }[] {
  const b = Buffer.from(buf);
  const out: { headers: Record<string, string>; payload: Buffer }[] = [];
  let off = 0;
  while (off + 16 <= b.length) {
    const total = b.readUInt32BE(off);
    const hlen = b.readUInt32BE(off + 4);
    if (crc32(b, off, off + 8) !== b.readUInt32BE(off + 8)) throw new Error('bad prelude crc');
    if (crc32(b, off, off + total - 4) !== b.readUInt32BE(off + total - 4))
      throw new Error('bad message crc');
    const headers: Record<string, string> = {};
    let h = off + 12;
    const hend = h + hlen;
    while (h < hend) {
      const nlen = b.readUInt8(h);
      const name = b.toString('utf8', h + 1, h + 1 + nlen);
      const type = b.readUInt8(h + 1 + nlen);
      if (type !== 7) throw new Error(`unsupported header type ${type}`);
      const vlen = b.readUInt16BE(h + 2 + nlen);
      headers[name] = b.toString('utf8', h + 4 + nlen, h + 4 + nlen + vlen);
      h += 4 + nlen + vlen;
    }
    out.push({ headers, payload: b.subarray(hend, off + total - 4) });
    off += total;
  }
  return out;
}
