// Incremental splitter of a streamed JSON array into its elements: Gemini and Vertex
// `streamGenerateContent` without `alt=sse` answer with one JSON array, written element by element
// (`[{...}\r\n,\r\n{...}]`). Each top-level element's text goes to the callback as soon as it is
// complete, so the Gemini stream parser reads it like an SSE event (`parser.onEvent(text)`), with
// constant memory apart from the current element (capped, 8 MB by default).

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

export class JsonArrayStreamDecoder {
  /** Elements dropped because they exceeded the cap. */
  overflows = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private buf = new Uint8Array(0);
  private len = 0;
  private collecting = false;
  private overflowing = false;
  private readonly maxElementBytes: number;

  constructor(
    private readonly onElement: (json: string) => void,
    options: { maxElementBytes?: number } = {},
  ) {
    this.maxElementBytes = options.maxElementBytes ?? 8 * 1024 * 1024;
  }

  push(chunk: Uint8Array): void {
    let start = this.collecting ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) {
        this.inString = true;
        continue;
      }
      if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        if (this.depth === 1 && !this.collecting) start = this.begin(i);
        this.depth++;
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
        this.depth--;
        if (this.depth === 1 && this.collecting) {
          this.finish(chunk, start, i + 1);
          start = -1;
        }
        if (this.depth < 0) this.depth = 0;
      }
      // Bare scalars and strings at depth 1 are not elements Gemini sends; they are ignored.
    }
    if (this.collecting && start >= 0) this.keep(chunk, start, chunk.length);
  }

  /** The body ended. An unfinished element is dropped (a cut stream). */
  end(): void {
    this.len = 0;
    this.collecting = false;
  }

  private begin(i: number): number {
    this.collecting = true;
    this.overflowing = false;
    this.len = 0;
    return i;
  }

  private keep(chunk: Uint8Array, start: number, end: number): void {
    if (this.overflowing) return;
    const need = this.len + (end - start);
    if (need > this.maxElementBytes) {
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

  private finish(chunk: Uint8Array, start: number, end: number): void {
    this.collecting = false;
    if (this.overflowing) {
      this.overflowing = false;
      return;
    }
    let text: string;
    if (this.len === 0) {
      text = Buffer.from(chunk.buffer, chunk.byteOffset + start, end - start).toString('utf8');
    } else {
      this.keep(chunk, start, end);
      if (this.overflowing) {
        this.overflowing = false;
        return;
      }
      text = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.len).toString('utf8');
      this.len = 0;
      if (this.buf.length > 64 * 1024) this.buf = new Uint8Array(0);
    }
    this.onElement(text);
  }
}
