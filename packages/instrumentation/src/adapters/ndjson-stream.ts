// Incremental splitter of an NDJSON body (one JSON value a line, `application/x-ndjson`: Ollama's
// native streams) into its lines. Each complete line's text goes to the callback as soon as its
// newline arrives, so a stream parser reads it like an SSE event (`parser.onEvent(text)`), with
// constant memory apart from the current line (capped, 8 MB by default). Blank lines are skipped.

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;

export class NdjsonDecoder {
  /** Lines dropped because they exceeded the cap. */
  overflows = 0;
  private buf = new Uint8Array(0);
  private len = 0;
  private overflowing = false;
  private readonly maxLineBytes: number;

  constructor(
    private readonly onLine: (json: string) => void,
    options: { maxLineBytes?: number } = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? 8 * 1024 * 1024;
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    let nl = chunk.indexOf(NEWLINE, start);
    while (nl !== -1) {
      this.line(chunk, start, nl);
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.keep(chunk, start, chunk.length);
  }

  /** The body ended: a last line without its newline is still a line (a server may omit it). */
  end(): void {
    if (this.len > 0 && !this.overflowing) this.emit(this.buf, 0, this.len);
    this.len = 0;
    this.overflowing = false;
  }

  private line(chunk: Uint8Array, start: number, end: number): void {
    if (this.overflowing) {
      this.overflowing = false;
      this.len = 0;
      return;
    }
    if (this.len === 0) {
      this.emit(chunk, start, end);
      return;
    }
    this.keep(chunk, start, end);
    if (this.overflowing) {
      this.overflowing = false;
      this.len = 0;
      return;
    }
    this.emit(this.buf, 0, this.len);
    this.len = 0;
    if (this.buf.length > 64 * 1024) this.buf = new Uint8Array(0);
  }

  private emit(bytes: Uint8Array, start: number, end: number): void {
    if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end--;
    if (end <= start) return;
    this.onLine(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8'));
  }

  private keep(chunk: Uint8Array, start: number, end: number): void {
    if (this.overflowing) return;
    const need = this.len + (end - start);
    if (need > this.maxLineBytes) {
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
}
