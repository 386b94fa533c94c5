// The bytes of one unfinished item of a streamed body (an NDJSON line, a JSON array element),
// kept across chunks up to a cap. An item past the cap is dropped whole and counted; the stream
// goes on with the next one. Shared by the NDJSON and JSON-array decoders.

const SHRINK_ABOVE_BYTES = 64 * 1024;

export class PendingBytes {
  /** Items dropped because they exceeded the cap. */
  overflows = 0;
  private buf = new Uint8Array(0);
  private len = 0;
  private overflowing = false;

  constructor(private readonly maxBytes: number) {}

  /** Keeps chunk[start, end) after what is pending. */
  keep(chunk: Uint8Array, start: number, end: number): void {
    if (this.overflowing) return;
    const need = this.len + (end - start);
    if (need > this.maxBytes) {
      this.overflowing = true;
      this.overflows++;
      this.len = 0;
      return;
    }
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.max(need, this.buf.length * 2, 1024));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(chunk.subarray(start, end), this.len);
    this.len = need;
  }

  /**
   * Completes the pending item with chunk[start, end) and returns its bytes (chunk's own when
   * nothing was pending), or undefined when it exceeded the cap. The bytes are valid until the
   * next keep: decode them at once.
   */
  complete(chunk: Uint8Array, start: number, end: number): Uint8Array | undefined {
    if (!this.overflowing && this.len === 0) return chunk.subarray(start, end);
    this.keep(chunk, start, end);
    if (this.overflowing) {
      this.reset();
      return undefined;
    }
    const bytes = this.buf.subarray(0, this.len);
    this.len = 0;
    if (this.buf.length > SHRINK_ABOVE_BYTES) this.buf = new Uint8Array(0);
    return bytes;
  }

  /** Forgets the pending item (a new one begins, or the body ended). */
  reset(): void {
    this.len = 0;
    this.overflowing = false;
  }
}

export function utf8Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}
