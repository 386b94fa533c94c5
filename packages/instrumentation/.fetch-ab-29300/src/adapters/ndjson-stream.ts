// Incremental splitter of an NDJSON body (one JSON value a line, `application/x-ndjson`: Ollama's
// native streams) into its lines. Each complete line's text goes to the callback as soon as its
// newline arrives, so a stream parser reads it like an SSE event (`parser.onEvent(text)`), with
// constant memory apart from the current line (capped, 8 MB by default). Blank lines are skipped.

import { PendingBytes, utf8Of } from './pending-bytes.js';

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const NOTHING = new Uint8Array(0);

export class NdjsonDecoder {
  private readonly pending: PendingBytes;

  constructor(
    private readonly onLine: (json: string) => void,
    options: { maxLineBytes?: number } = {},
  ) {
    this.pending = new PendingBytes(options.maxLineBytes ?? 8 * 1024 * 1024);
  }

  /** Lines dropped because they exceeded the cap. */
  get overflows(): number {
    return this.pending.overflows;
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    let nl = chunk.indexOf(NEWLINE, start);
    while (nl !== -1) {
      const line = this.pending.complete(chunk, start, nl);
      if (line) this.emit(line);
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.pending.keep(chunk, start, chunk.length);
  }

  /** The body ended: a last line without its newline is still a line (a server may omit it). */
  end(): void {
    const line = this.pending.complete(NOTHING, 0, 0);
    if (line) this.emit(line);
    this.pending.reset();
  }

  private emit(line: Uint8Array): void {
    let end = line.length;
    if (end > 0 && line[end - 1] === CARRIAGE_RETURN) end--;
    if (end > 0) this.onLine(utf8Of(line.subarray(0, end)));
  }
}
