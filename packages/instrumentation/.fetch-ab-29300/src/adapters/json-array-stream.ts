// Incremental splitter of a streamed JSON array into its elements: Gemini and Vertex
// `streamGenerateContent` without `alt=sse` answer with one JSON array, written element by element
// (`[{...}\r\n,\r\n{...}]`). Each top-level element's text goes to the callback as soon as it is
// complete, so the Gemini stream parser reads it like an SSE event (`parser.onEvent(text)`), with
// constant memory apart from the current element (capped, 8 MB by default).

import { PendingBytes, utf8Of } from './pending-bytes.js';

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

export class JsonArrayStreamDecoder {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private collecting = false;
  private readonly pending: PendingBytes;

  constructor(
    private readonly onElement: (json: string) => void,
    options: { maxElementBytes?: number } = {},
  ) {
    this.pending = new PendingBytes(options.maxElementBytes ?? 8 * 1024 * 1024);
  }

  /** Elements dropped because they exceeded the cap. */
  get overflows(): number {
    return this.pending.overflows;
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
    if (this.collecting && start >= 0) this.pending.keep(chunk, start, chunk.length);
  }

  /** The body ended. An unfinished element is dropped (a cut stream). */
  end(): void {
    this.pending.reset();
    this.collecting = false;
  }

  private begin(i: number): number {
    this.collecting = true;
    this.pending.reset();
    return i;
  }

  private finish(chunk: Uint8Array, start: number, end: number): void {
    this.collecting = false;
    const element = this.pending.complete(chunk, start, end);
    if (element) this.onElement(utf8Of(element));
  }
}
