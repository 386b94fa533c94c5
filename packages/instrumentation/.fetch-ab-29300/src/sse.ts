// Incremental decoder of a WHATWG `text/event-stream` (server-sent events): bytes in, events out.
// It sees every streamed byte of every LLM stream, so it works on bytes: it looks for line ends
// with the native Uint8Array#indexOf, decodes to a string only the value of a `data:` or `event:`
// line, and copies bytes only for a line cut by a chunk boundary. Memory is constant apart from the
// event being read, which is capped (8 MB by default): past the cap the event is dropped and
// reported, never grown.
//
// Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
// Two deliberate leniencies, both for cut or sloppy streams:
// - end(): a last line without a line end is still read, and a pending event without the blank line
//   that should close it is still dispatched (the spec discards it). `data: [DONE]` at the very end
//   of a body without a trailing newline is then seen.
// - A line cut inside a multi-byte UTF-8 character decodes correctly: lines are decoded whole.

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

/** Default cap on one event's size (its `data` and `event` lines), in bytes. */
export const DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024;

/** Called once per dispatched event with its data (lines joined by `\n`) and its `event:` type. */
export type SseEventHandler = (data: string, event: string | undefined) => void;

/**
 * Called, in raw mode, with the exact bytes of each block of the stream: the lines of one event up
 * to and including the blank line that ends it. The concatenation of all raw blocks is the input.
 * `data` is the block's event data, or undefined when the block dispatched no event (comments only,
 * an oversized event, a trailing partial block). `orphanLF` is true when the block starts with the
 * LF of a CRLF whose CR ended the previous block.
 */
export type SseRawBlockHandler = (
  raw: Uint8Array,
  data: string | undefined,
  event: string | undefined,
  orphanLF: boolean,
) => void;

export interface SseDecoderOptions {
  /** Cap on one event's size in bytes. Default 8 MB. */
  maxEventBytes?: number;
  /** Called when an event is dropped for exceeding the cap. */
  onOverflow?: (bytesSeen: number) => void;
  /** Raw mode: also report each block's exact bytes (used to rewrite a stream byte-exactly). */
  onRawBlock?: SseRawBlockHandler;
}

/** A growable byte buffer with amortised O(1) appends. */
class ByteBuffer {
  bytes: Uint8Array = new Uint8Array(0);
  length = 0;
  append(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    const need = this.length + n;
    if (need > this.bytes.length) {
      const grown = new Uint8Array(Math.max(need, this.bytes.length * 2, 256));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(src.subarray(start, end), this.length);
    this.length = need;
  }
  take(): Uint8Array {
    const out = this.bytes.slice(0, this.length);
    this.clear();
    return out;
  }
  clear(): void {
    this.length = 0;
    // Do not keep a large buffer alive after a large event.
    if (this.bytes.length > 64 * 1024) this.bytes = new Uint8Array(0);
  }
}

function utf8(bytes: Uint8Array, start: number, end: number): string {
  if (start >= end) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
}

/**
 * Incremental SSE decoder. Feed it body chunks with `push`, call `end` when the body ends.
 *
 * ```ts
 * const decoder = new SseDecoder((data, event) => parser.onEvent(data, event));
 * decoder.push(chunk); // any split, any chunk size
 * decoder.end();
 * ```
 */
export class SseDecoder {
  /** Events dropped because they exceeded `maxEventBytes`. */
  overflows = 0;
  /** Events dispatched so far. */
  events = 0;

  private readonly onEvent: SseEventHandler;
  private readonly maxEventBytes: number;
  private readonly onOverflow: ((bytesSeen: number) => void) | undefined;
  private readonly onRawBlock: SseRawBlockHandler | undefined;

  private data: string | undefined = undefined;
  private eventType: string | undefined = undefined;
  private eventBytes = 0;
  private skipping = false;
  private afterCR = false;
  private started = false;
  private ended = false;
  /** The start of a line cut by a chunk boundary. */
  private readonly partial = new ByteBuffer();
  private partialOverflow = false;

  // Raw mode.
  private readonly rawBuf = new ByteBuffer();
  private rawSpill = false;
  private rawOrphanLF = false;

  constructor(onEvent: SseEventHandler, options: SseDecoderOptions = {}) {
    this.onEvent = onEvent;
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.onOverflow = options.onOverflow;
    this.onRawBlock = options.onRawBlock;
  }

  /** Decode one chunk of the body. Never throws for any input bytes (a throwing handler propagates). */
  push(chunk: Uint8Array): void {
    if (this.ended || chunk.length === 0) return;
    let i = 0;
    if (!this.started) {
      this.started = true;
      // A UTF-8 byte order mark at the very start of the stream is ignored (it stays in raw bytes).
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    }
    const raw = this.onRawBlock !== undefined;
    let rawStart = 0;
    if (this.afterCR) {
      this.afterCR = false;
      if (chunk[0] === LF) {
        i = 1;
        // An LF that ends the previous block; one inside the block being read is no orphan (and
        // must not clear the flag that block may carry from its own start).
        if (raw && this.rawBuf.length === 0) this.rawOrphanLF = true;
      }
    }
    const len = chunk.length;
    // Next LF and next CR at or after i; each is looked up again only once passed, and a -1 stays -1,
    // so a chunk is scanned a bounded number of times whatever its line count.
    let lf = chunk.indexOf(LF, i);
    let cr = chunk.indexOf(CR, i);
    while (i < len) {
      if (lf !== -1 && lf < i) lf = chunk.indexOf(LF, i);
      if (cr !== -1 && cr < i) cr = chunk.indexOf(CR, i);
      let term: number;
      if (cr === -1) term = lf;
      else if (lf === -1) term = cr;
      else term = Math.min(cr, lf);
      if (term === -1) {
        // The line continues in the next chunk.
        this.keepPartial(chunk, i, len);
        break;
      }
      let blankLine: boolean;
      if (this.partial.length > 0 || this.partialOverflow) {
        this.keepPartial(chunk, i, term);
        blankLine = this.partial.length === 0 && !this.partialOverflow;
        if (this.partialOverflow) {
          this.partialOverflow = false;
          this.partial.clear();
        } else {
          this.line(this.partial.bytes, 0, this.partial.length);
          this.partial.clear();
        }
      } else {
        blankLine = term === i;
        this.line(chunk, i, term);
      }
      i = term + 1;
      if (chunk[term] === CR) {
        if (i < len) {
          if (chunk[i] === LF) i++;
        } else {
          this.afterCR = true;
        }
      }
      if (blankLine) {
        if (raw) {
          this.emitRaw(chunk, rawStart, i);
          rawStart = i;
        }
        this.dispatch();
      }
    }
    if (raw && rawStart < len) {
      if (this.rawSpill) this.spill(chunk.subarray(rawStart, len));
      else {
        this.rawBuf.append(chunk, rawStart, len);
        if (this.rawBuf.length > this.maxEventBytes) {
          this.rawSpill = true;
          this.spill(this.rawBuf.take());
        }
      }
    }
  }

  /** The body ended: read a last unterminated line and dispatch a pending event. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.partial.length > 0 && !this.partialOverflow) {
      this.line(this.partial.bytes, 0, this.partial.length);
    }
    this.partial.clear();
    this.partialOverflow = false;
    if (this.onRawBlock && (this.rawBuf.length > 0 || this.rawOrphanLF)) {
      const data = this.skipping ? undefined : this.data;
      const event = this.eventType === '' ? undefined : this.eventType;
      this.onRawBlock(this.rawBuf.take(), data, event, this.rawOrphanLF);
      this.rawOrphanLF = false;
    }
    this.dispatch();
  }

  private keepPartial(chunk: Uint8Array, start: number, end: number): void {
    if (this.partialOverflow) return;
    if (this.partial.length + (end - start) + this.eventBytes > this.maxEventBytes) {
      this.partialOverflow = true;
      this.partial.clear();
      this.overflow();
      return;
    }
    this.partial.append(chunk, start, end);
  }

  private line(buf: Uint8Array, start: number, end: number): void {
    if (start === end) return; // blank line: dispatch is done by the caller
    const first = buf[start];
    if (first === COLON) return; // comment
    if (this.skipping) return;
    let colon = start;
    while (colon < end && buf[colon] !== COLON) colon++;
    const nameLen = colon - start;
    let valueStart = colon + 1;
    if (valueStart > end) valueStart = end;
    else if (valueStart < end && buf[valueStart] === SPACE) valueStart++;
    // Field names are matched on bytes: no string is made for them.
    if (
      nameLen === 4 &&
      first === 100 &&
      buf[start + 1] === 97 &&
      buf[start + 2] === 116 &&
      buf[start + 3] === 97
    ) {
      // data
      this.eventBytes += end - start;
      if (this.eventBytes > this.maxEventBytes) {
        this.overflow();
        return;
      }
      const value = utf8(buf, valueStart, end);
      this.data = this.data === undefined ? value : `${this.data}\n${value}`;
    } else if (
      nameLen === 5 &&
      first === 101 &&
      buf[start + 1] === 118 &&
      buf[start + 2] === 101 &&
      buf[start + 3] === 110 &&
      buf[start + 4] === 116
    ) {
      // event
      this.eventBytes += end - start;
      this.eventType = utf8(buf, valueStart, end);
    }
    // id and retry are not used by any LLM stream parser; unknown fields are ignored (spec).
  }

  private overflow(): void {
    if (!this.skipping) {
      this.skipping = true;
      this.overflows++;
      this.onOverflow?.(this.eventBytes);
    }
    this.data = undefined;
  }

  private dispatch(): void {
    const data = this.skipping ? undefined : this.data;
    const event = this.eventType;
    this.data = undefined;
    this.eventType = undefined;
    this.eventBytes = 0;
    this.skipping = false;
    if (data !== undefined) {
      this.events++;
      this.onEvent(data, event === '' ? undefined : event);
    }
  }

  private emitRaw(chunk: Uint8Array, start: number, end: number): void {
    const handler = this.onRawBlock!;
    const data = this.skipping ? undefined : this.data;
    const event = this.eventType === '' ? undefined : this.eventType;
    const orphan = this.rawOrphanLF;
    this.rawOrphanLF = false;
    if (this.rawSpill) {
      this.rawSpill = false;
      this.spill(chunk.subarray(start, end));
      return;
    }
    let bytes: Uint8Array;
    if (this.rawBuf.length > 0) {
      this.rawBuf.append(chunk, start, end);
      bytes = this.rawBuf.take();
    } else {
      bytes = chunk.subarray(start, end);
    }
    handler(bytes, data, event, orphan);
  }

  private spill(bytes: Uint8Array): void {
    if (bytes.length > 0) this.onRawBlock!(bytes, undefined, undefined, false);
  }
}
