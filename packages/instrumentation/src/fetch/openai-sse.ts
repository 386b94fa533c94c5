// Byte-level fast paths for OpenAI-format streams (Chat Completions, legacy Completions), which are
// nearly all content deltas: one `data: {...}` line per event, LF line ends, and nothing in a delta
// that the stream parser keeps. Events are found with the native byte search and, unless they can
// carry something (the first event, a finish reason, usage, an error, `[DONE]`), never decoded.
//
// - OpenAIStreamObserver: the caller's bytes pass untouched; the parser sees the events that matter.
// - UsageStripper: the request had `stream_options.include_usage` added by tokenmeter, so the caller
//   must get the same bytes as without it: `,"usage":null` is cut from each chunk and the final
//   usage-only chunk dropped, byte-exactly (same contract as the adapters' general
//   InjectedUsageStreamRewriter). Valid JSON that ends with `,"usage":null}` has `usage` as a member
//   of the top-level object, so those 13 bytes are cut without decoding the event.
// - OpenAI ends each chunk with `,"obfuscation":"<padding>"` unless the request turns it off: a last
//   member of that shape (a string without quote or backslash) is looked past, so that api.openai.com's
//   chunks take the same fast paths (`,"usage":null,"obfuscation":"..."}` also has `usage` as a
//   top-level member, by the same argument; the padding is kept).
//
// Only an event cut by a chunk boundary is copied (the part kept from the previous chunk plus the
// rest, a few hundred bytes); the chunk itself is rewritten in place. Anything outside the fast
// path's shape (a CR, a comment, an `event:` line, a multi-line event, `data:` without its space)
// hands the stream, from that event on, to the general decoder or rewriter.
//
// The stripper never makes the caller wait for bytes it will not change: when a chunk completes no
// event (a slow or byte-by-byte server, an event of megabytes), the start of the held event that is
// certainly kept is handed on at once (`UsageMemberScanner` says how far: once the chunk is known to
// have choices, up to where a usage member may begin). An event handed on in part is finished with
// the same edit, or, in the rare case the rest contradicts what was handed on (a repeated key, a CR,
// a second data line), passed on as the server sent it.
import { InjectedUsageStreamRewriter, rewriteSseEventBytes } from '../adapters/index.js';
import { type UsageEdit, UsageMemberScanner } from '../adapters/openai-usage-edit.js';
import { DEFAULT_MAX_EVENT_BYTES, SseDecoder, type SseEventHandler } from '../sse.js';

/** The member cut (`,"usage":null`), found just before the object's closing brace. */
const TAIL = Buffer.from(',"usage":null');
const FINISH_NULL = Buffer.from('"finish_reason":null');
/** How a one-choice content delta ends when usage was asked for. */
const DELTA_TAIL = Buffer.from('"finish_reason":null}],"usage":null');
/** How a one-choice content delta ends without usage. */
const DELTA_TAIL_PLAIN = Buffer.from('"finish_reason":null}]');
/**
 * The member OpenAI ends each chunk with (padding that normalises chunk sizes) unless the request
 * sets `stream_options.include_obfuscation: false`: `,"obfuscation":"<text>"` before the closing brace.
 */
const OBFUSCATION = Buffer.from(',"obfuscation":"');
/** A longer obfuscation value is not looked past (the event is then decoded, as any other shape). */
const MAX_OBFUSCATION = 256;
const LFLF = Buffer.from('\n\n');
const CHOICES = Buffer.from('"choices":[{');
/** CHOICES is looked for by its `[`, DELTA_CONTENT by its `{`: rarer bytes than a quote. */
const CHOICES_KEY = CHOICES.indexOf(91);
const DELTA = Buffer.from('"delta":');
/** A delta whose first member is its content string. */
const DELTA_CONTENT = Buffer.from('"delta":{"content":"');
const DELTA_CONTENT_KEY = DELTA_CONTENT.indexOf(123);
const QUOTE = 34;
const BACKSLASH = 92;
const CLOSE_BRACE = 125;
const DATA_LENGTH = 6; // `data: `
const LF = 10;
const CR = 13;
const D = 100; // 'd' of `data:`
/** ASCII delta text held as bytes (OpenAIStreamObserver) is handed on once it reaches this size. */
export const MAX_HELD_TEXT = 16 * 1024;
/**
 * Buffers for held delta text, handed back when their text is decoded (flush) and taken by the next
 * hold, of this stream or another: a 256-byte Uint8Array per stream (its backing store outside the
 * heap, freed by the GC) cost ~0.6–1.1 µs against ~0.01 µs taken from here (Node 20 and 26).
 */
const spareText: Uint8Array[] = [];
const MAX_SPARE_TEXT = 8;
/** Larger buffers (a long run of deltas) are let go rather than kept. */
const MAX_SPARE_TEXT_BYTES = 4096;
/** An event held across chunks longer than this goes to the general path (which caps events itself). */
const MAX_CARRY = 1024 * 1024;

// Buffer's native byte search and UTF-8 decoding, called on any Uint8Array (a body chunk is one):
// no Buffer view per chunk, and faster than a Uint8Array's own indexOf.
const bufferMethods = Buffer.prototype as unknown as {
  indexOf(this: Uint8Array, value: number | Uint8Array, from: number): number;
  utf8Slice(this: Uint8Array, start: number, end: number): string;
};
const nativeIndexOf = bufferMethods.indexOf;
const nativeUtf8Slice = bufferMethods.utf8Slice;

/** The first `value` (a byte or a pattern) in `bytes` at or after `from`, or -1. */
function find(bytes: Uint8Array, value: number | Uint8Array, from: number): number {
  return nativeIndexOf.call(bytes, value, from);
}

/** `bytes[start, end)` decoded as UTF-8 (invalid sequences as U+FFFD, as Buffer#toString). */
function utf8(bytes: Uint8Array, start: number, end: number): string {
  return start < end ? nativeUtf8Slice.call(bytes, start, end) : '';
}

/** How a held event is being handed on early (UsageStripper): see `UsageStripper.releaseEarly`. */
interface EarlyRelease {
  scanner: UsageMemberScanner;
  /** Event offset up to which the bytes were handed on. */
  released: number;
  /** Event offset up to which the bytes were scanned (the data starts at DATA_LENGTH). */
  fed: number;
  /** Event offset of the data line's LF, once seen (-1 before). */
  lineEnd: number;
  /** Not of the fast path's shape after all (a CR, a second line) or too large to hold: passed as sent. */
  broken: boolean;
}

/**
 * The start of an event held across chunks, growing by appends (amortised: a byte-by-byte stream
 * costs linear time). Bytes before `base` were handed on early and let go (UsageStripper only).
 */
class HeldEvent {
  private bytes: Uint8Array;
  /** Bytes in use. */
  length: number;
  /** Event offset of `bytes[0]`. */
  base = 0;
  early: EarlyRelease | undefined;

  constructor(first: Uint8Array) {
    this.bytes = new Uint8Array(Math.max(first.length * 2, 512));
    this.bytes.set(first);
    this.length = first.length;
  }

  /** Event offset just past the last held byte. */
  get end(): number {
    return this.base + this.length;
  }

  lastByte(): number | undefined {
    return this.length > 0 ? this.bytes[this.length - 1] : undefined;
  }

  append(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    if (this.length + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.length + n, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(src.subarray(start, end), this.length);
    this.length += n;
  }

  /** The held bytes from event offset `from` (a view: copy before the next append). */
  view(from = this.base): Uint8Array {
    return this.bytes.subarray(from - this.base, this.length);
  }

  /** Let go of the bytes before event offset `to`. */
  dropBefore(to: number): void {
    const n = to - this.base;
    if (n <= 0) return;
    this.bytes.copyWithin(0, n, this.length);
    this.length -= n;
    this.base = to;
  }
}

/** Whether `buf` has `pattern` ending at `end` (not before `min`). */
function endsWith(buf: Uint8Array, end: number, pattern: Uint8Array, min: number): boolean {
  const start = end - pattern.length;
  if (start < min) return false;
  for (let i = pattern.length - 1; i >= 0; i--) if (buf[start + i] !== pattern[i]) return false;
  return true;
}

/** `data: ` at `pos`. */
function isDataLine(buf: Uint8Array, pos: number): boolean {
  return (
    buf[pos] === D &&
    buf[pos + 1] === 97 &&
    buf[pos + 2] === 116 &&
    buf[pos + 3] === 97 &&
    buf[pos + 4] === 58 &&
    buf[pos + 5] === 32
  );
}

function hasFinishNull(buf: Uint8Array, start: number, end: number): boolean {
  const at = find(buf, FINISH_NULL, start);
  return at !== -1 && at < end;
}

/**
 * Where the members of the one-line event `buf[start, lf)` end: the offset of its object's closing
 * brace (`lf - 1`), or of the comma of a last `,"obfuscation":"..."` member (a string without quote
 * or backslash: it carries nothing, and the members before it are read as if it were not there);
 * -1 when the line does not end with a brace. In valid JSON, the brace that ends the text closes the
 * top-level object, so a member found just before `close` is a member of that object.
 */
function membersEnd(buf: Uint8Array, start: number, lf: number): number {
  const brace = lf - 1;
  if (brace < start || buf[brace] !== CLOSE_BRACE) return -1;
  if (buf[brace - 1] !== QUOTE) return brace;
  const stop = Math.max(start, brace - 2 - MAX_OBFUSCATION);
  for (let i = brace - 2; i >= stop; i--) {
    const byte = buf[i];
    if (byte === QUOTE) {
      const comma = i + 1 - OBFUSCATION.length;
      return comma >= start && bytesAt(buf, comma, OBFUSCATION) ? comma : brace;
    }
    if (byte === BACKSLASH) return brace;
  }
  return brace;
}

/**
 * The one-line event `buf[pos, lf)`, its members ending at `close` (membersEnd), is a plain content
 * delta of a single-choice stream: nothing in it for the parser (no finish reason, no usage, no error).
 */
function isPlainDelta(buf: Uint8Array, pos: number, close: number): boolean {
  return (
    close !== -1 &&
    (endsWith(buf, close, DELTA_TAIL, pos) ||
      endsWith(buf, close, DELTA_TAIL_PLAIN, pos) ||
      (endsWith(buf, close, TAIL, pos) && hasFinishNull(buf, pos, close)))
  );
}

/** Whether `buf` holds `pattern` at `at`. */
function bytesAt(buf: Uint8Array, at: number, pattern: Uint8Array): boolean {
  for (let i = 0; i < pattern.length; i++) if (buf[at + i] !== pattern[i]) return false;
  return true;
}

/**
 * The first `pattern` in `buf[from, end)`, found by its byte at `key` (a byte search for a single
 * byte is a plain memchr; one for a pattern costs a native call with a setup of its own), or -1.
 */
function findBy(buf: Uint8Array, pattern: Uint8Array, key: number, from: number, end: number): number {
  const byte = pattern[key]!;
  const last = end - pattern.length + key;
  for (let at = find(buf, byte, from + key); at !== -1 && at <= last; at = find(buf, byte, at + 1)) {
    if (bytesAt(buf, at - key, pattern)) return at - key;
  }
  return -1;
}

/** Where plainDeltaRange found the content string: its first byte, and whether it has an escape. */
let deltaFrom = 0;
let deltaEscaped = false;

/**
 * The closing quote of the content string of a plain content delta `buf[start, end)` (see
 * isPlainDelta) whose one choice's delta is `{"content":"..."}` and nothing else, without parsing
 * the event (the string starts at `deltaFrom`; `deltaEscaped` says whether it holds an escape);
 * -1 for any other shape (then the event is parsed). JSON escapes the quotes inside a string, so
 * the byte patterns below match only the members themselves.
 */
function plainDeltaRange(buf: Uint8Array, start: number, end: number): number {
  const choices = findBy(buf, CHOICES, CHOICES_KEY, start, end);
  if (choices === -1) return -1;
  const at = findBy(buf, DELTA_CONTENT, DELTA_CONTENT_KEY, choices + CHOICES.length, end);
  if (at === -1) return -1;
  const from = at + DELTA_CONTENT.length;
  // The closing quote: the first one not escaped (a backslash escapes the byte after it).
  let quote = from;
  let escaped = false;
  for (; quote < end; quote++) {
    const byte = buf[quote];
    if (byte === QUOTE) break;
    if (byte === BACKSLASH) {
      escaped = true;
      quote++;
    }
  }
  if (quote >= end) return -1;
  if (buf[quote + 1] !== CLOSE_BRACE) return -1; // the delta holds more than its content
  // A second delta (a second choice, a repeated key), looked for by its `d`.
  if (findBy(buf, DELTA, 1, quote, end) !== -1) return -1;
  deltaFrom = from;
  deltaEscaped = escaped;
  return quote;
}

/** The text of the content string of `buf[deltaFrom, quote)` (plainDeltaRange), or undefined for a broken escape. */
function deltaText(buf: Uint8Array, quote: number): string | undefined {
  if (!deltaEscaped) return utf8(buf, deltaFrom, quote);
  try {
    return JSON.parse(utf8(buf, deltaFrom - 1, quote + 1)) as string;
  } catch {
    return undefined; // a broken escape: the event is parsed whole (and counted malformed there)
  }
}

/**
 * The text of a plain content delta `buf[start, end)` (see isPlainDelta) whose one choice's delta
 * is `{"content":"..."}` and nothing else, without parsing the event; undefined for any other shape
 * (then the event is parsed).
 */
export function plainDeltaContent(buf: Uint8Array, start: number, end: number): string | undefined {
  const quote = plainDeltaRange(buf, start, end);
  return quote === -1 ? undefined : deltaText(buf, quote);
}

/**
 * Splits the fast path's events out of body chunks. For each whole event, `onEvent(buf, pos, lf)`:
 * the event is `buf[pos, lf + 2)`, its one line `buf[pos, lf)`.
 */
abstract class LeanSseScanner {
  /** The start of an event not complete yet, held from the previous chunk. */
  protected held: HeldEvent | undefined;
  /** No event handled yet. */
  protected first = true;

  /** One whole event of the fast path's shape. */
  protected abstract onEvent(buf: Uint8Array, pos: number, lf: number): void;

  /**
   * Handles the whole events of `region` from `from`. Returns the start of the first event not
   * handled: `region.length` when all were, the start of an incomplete last event, or `~start`
   * (negative) when the event at `start` is not of the fast path's shape.
   */
  protected scan(region: Uint8Array, from: number): number {
    const buf = region;
    const len = buf.length;
    let pos = from;
    let cr = find(buf, CR, pos);
    while (pos < len) {
      const lf = find(buf, LF, pos);
      if (lf === -1 || lf + 1 >= len) return pos; // the event goes on in the next chunk
      if (cr !== -1 && cr < pos) cr = find(buf, CR, pos);
      if ((cr !== -1 && cr < lf) || buf[lf + 1] !== LF || !isDataLine(buf, pos)) return ~pos;
      this.onEvent(buf, pos, lf);
      this.first = false;
      pos = lf + 2;
    }
    return pos;
  }

  /**
   * Joins the held start of an event with its end in `chunk`. Returns the whole event and where the
   * rest of `chunk` starts; null when nothing was held; undefined when the event goes on past this
   * chunk too (then held). Held bytes that grow past MAX_CARRY come back whole (`rest` = the chunk's
   * length, `overflow`), for the general path.
   */
  protected takeCarried(
    chunk: Uint8Array,
  ): { event: Uint8Array; rest: number; overflow: boolean } | null | undefined {
    const held = this.held;
    if (held === undefined) return null;
    let rest: number;
    if (held.lastByte() === LF && chunk[0] === LF) rest = 1;
    else {
      const at = find(chunk, LFLF, 0);
      if (at === -1) {
        held.append(chunk, 0, chunk.length);
        if (held.length <= MAX_CARRY) return undefined;
        this.held = undefined;
        return { event: held.view(), rest: chunk.length, overflow: true };
      }
      rest = at + 2;
    }
    this.held = undefined;
    held.append(chunk, 0, rest);
    return { event: held.view(), rest, overflow: false };
  }

  /** Hold `region[from, end)`, the start of an event that ends in a later chunk. */
  protected hold(region: Uint8Array, from: number): void {
    if (from < region.length) this.held = new HeldEvent(region.subarray(from));
  }

  /** The held bytes, taken (at the end of the body or when leaving the fast path). */
  protected takeHeld(): Uint8Array | undefined {
    const held = this.held;
    this.held = undefined;
    return held?.view();
  }
}

/**
 * Observes an OpenAI-format stream for the parser, leaving its bytes as they are. Events that can
 * carry nothing the parser keeps are skipped undecoded; the first event and any event not of the
 * fast path's shape are decoded, and from a shape break on the general SSE decoder reads the rest.
 * When the output text is wanted (`onText`), a plain content delta gives its text by byte search
 * (plainDeltaContent); one of another shape is decoded.
 */
export class OpenAIStreamObserver extends LeanSseScanner {
  private general: SseDecoder | undefined;
  /**
   * The bytes of ASCII content deltas not handed to `onText` yet (`textLength` in use, from
   * `textDeltas` events): decoded once, when something else happens (another event, the end, a
   * flush), instead of a string per delta. Only ASCII is joined, so the text is what decoding each
   * delta alone gives, even of bytes that are not valid UTF-8.
   */
  private text: Uint8Array | undefined;
  private textLength = 0;
  private textDeltas = 0;

  constructor(
    private readonly handler: SseEventHandler,
    private readonly onText?: (text: string, events: number) => void,
  ) {
    super();
  }

  /** Hand the output text held back to `onText`. */
  flush(): void {
    if (this.textDeltas === 0) return;
    const held = this.text!;
    const text = utf8(held, 0, this.textLength);
    const events = this.textDeltas;
    this.textLength = 0;
    this.textDeltas = 0;
    // The bytes are decoded (copied into the string): the buffer goes back for the next hold.
    this.text = undefined;
    if (spareText.length < MAX_SPARE_TEXT && held.length <= MAX_SPARE_TEXT_BYTES) spareText.push(held);
    this.onText!(text, events);
  }

  /** Hold the ASCII content string `buf[from, quote)`; false (nothing held) when it is not ASCII. */
  private holdText(buf: Uint8Array, from: number, quote: number): boolean {
    let text = this.text ?? spareText.pop();
    const at = this.textLength;
    const need = at + quote - from;
    if (text === undefined || need > text.length) {
      const grown = new Uint8Array(Math.max(need, 256, (text?.length ?? 0) * 2));
      if (text !== undefined && at > 0) grown.set(text.subarray(0, at));
      text = grown;
    }
    this.text = text;
    let n = at;
    for (let i = from; i < quote; i++) {
      const byte = buf[i]!;
      if (byte > 127) return false;
      text[n++] = byte;
    }
    this.textLength = n;
    this.textDeltas++;
    // Held text is bounded: past this it goes on to the capture, which keeps only its own maximum.
    if (n >= MAX_HELD_TEXT) this.flush();
    return true;
  }

  /** Observe one chunk (which the caller gets unchanged). */
  push(chunk: Uint8Array): void {
    if (this.general !== undefined) {
      this.general.push(chunk);
      return;
    }
    let from = 0;
    const carried = this.takeCarried(chunk);
    if (carried === undefined) return;
    if (carried !== null) {
      if (carried.overflow) {
        this.toGeneral(carried.event);
        return;
      }
      const at = this.scan(carried.event, 0);
      if (at < 0) {
        this.toGeneral(carried.event.subarray(~at), chunk.subarray(carried.rest));
        return;
      }
      from = carried.rest;
    }
    const at = this.scan(chunk, from);
    if (at < 0) {
      this.toGeneral(chunk.subarray(~at));
      return;
    }
    this.hold(chunk, at);
  }

  /** The body ended: a last event without its blank line is still read. */
  end(): void {
    this.flush();
    const held = this.takeHeld();
    if (this.general === undefined && held === undefined) return;
    this.general ??= new SseDecoder(this.handler);
    if (held !== undefined) this.general.push(held);
    this.general.end();
  }

  protected onEvent(buf: Uint8Array, pos: number, lf: number): void {
    if (this.first || !isPlainDelta(buf, pos, membersEnd(buf, pos + DATA_LENGTH, lf))) {
      this.flush();
      this.handler(utf8(buf, pos + DATA_LENGTH, lf), undefined);
      return;
    }
    if (this.onText === undefined) return;
    const quote = plainDeltaRange(buf, pos + DATA_LENGTH, lf);
    if (quote !== -1 && !deltaEscaped && this.holdText(buf, deltaFrom, quote)) return;
    this.flush();
    const text = quote === -1 ? undefined : deltaText(buf, quote);
    if (text === undefined) this.handler(utf8(buf, pos + DATA_LENGTH, lf), undefined);
    else this.onText(text, 1);
  }

  private toGeneral(...rest: Uint8Array[]): void {
    this.flush();
    const general = new SseDecoder(this.handler);
    this.general = general;
    for (const piece of rest) if (piece.length > 0) general.push(piece);
  }
}

/** Bytes to hand on: none, one piece, or two (an event joined across chunks, then the chunk's rest). */
export type Output = Uint8Array | Uint8Array[] | null;

export class UsageStripper extends LeanSseScanner {
  /** The general rewriter, once the stream left the fast path's shape. */
  private general: InjectedUsageStreamRewriter | undefined;
  /**
   * Kept byte ranges of the region being scanned, the first `count` entries; -1 marks a rewritten
   * event (in `extra`). The lists are reused from chunk to chunk, never shortened: setting an
   * array's length is a runtime call, and was a visible share of the stripper's time per chunk.
   */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private count = 0;
  private readonly extra = new Map<number, Uint8Array>();
  private size = 0;
  private changed = false;

  /**
   * @param handler receives the events (data, event type).
   * @param everyEvent decode and pass on every event (when the output text is kept), not only
   *   those that carry an id, a model, a finish reason, usage or an error.
   */
  constructor(
    private readonly handler: SseEventHandler,
    private readonly everyEvent = false,
  ) {
    super();
  }

  /**
   * The bytes to hand on for `chunk`. The chunk is rewritten in place (it must be the caller's to
   * change); a returned piece may be a view of it.
   */
  push(chunk: Uint8Array): Output {
    if (this.general !== undefined) return nonEmpty(this.general.push(chunk));
    let head: Uint8Array | null = null;
    let from = 0;
    const early = this.held;
    if (early?.early !== undefined && early.early.released > 0) {
      const rest = this.continueEarly(early, early.early, chunk);
      if (early.early.broken) {
        const taken = rest < 0 ? chunk.length : rest;
        return this.earlyToGeneral(early, early.early, chunk.subarray(taken));
      }
      if (rest < 0) return this.releaseEarly();
      head = this.finishEarly(false);
      from = rest;
    } else {
      const carried = this.takeCarried(chunk);
      if (carried === undefined) return this.releaseEarly();
      if (carried !== null) {
        const event = carried.event;
        this.reset();
        if (carried.overflow) return this.toGeneral(event, 0);
        const at = this.scan(event, 0);
        if (at < 0) return this.toGeneral(event, ~at, chunk.subarray(carried.rest));
        head = this.output(event, true);
        from = carried.rest;
      }
    }
    this.reset();
    const at = this.scan(chunk, from);
    if (at < 0) {
      const tail = this.toGeneral(chunk, ~at);
      return head === null ? tail : [head, ...pieces(tail)];
    }
    this.hold(chunk, at);
    if (head !== null && this.size > 0 && this.extra.size === 0) {
      // The joined event goes in front of the chunk's own bytes, in the room the cuts made: one
      // piece, as the body reader gave one chunk.
      const one = prependInPlace(chunk, this.starts, this.ends, this.count, this.size, head);
      if (one !== null) return one;
    }
    const body = this.output(chunk, at === chunk.length, from);
    if (head === null) return body ?? this.releaseEarly();
    return body === null ? head : [head, body];
  }

  /** The body ended: bytes still held (an unterminated last event), or null. */
  end(): Output {
    const early = this.held;
    if (early?.early !== undefined && early.early.released > 0) {
      this.scanEarly(early, early.early);
      if (!early.early.broken) return this.finishEarly(true);
      const out = pieces(this.earlyToGeneral(early, early.early));
      return nonEmpty([...out, ...this.general!.end()]);
    }
    const held = this.takeHeld();
    if (this.general === undefined) {
      if (held === undefined) return null;
      this.general = new InjectedUsageStreamRewriter(this.handler);
      return nonEmpty([...this.general.push(held), ...this.general.end()]);
    }
    return nonEmpty(this.general.end());
  }

  /**
   * Nothing else to hand on for this chunk: the start of the held event that is kept whatever its
   * end will be (a fresh copy), or null. Scans only the held bytes not scanned before.
   */
  private releaseEarly(): Output {
    const held = this.held;
    if (held === undefined || held.length < DATA_LENGTH) return null;
    let e = held.early;
    if (e === undefined) {
      if (!isDataLine(held.view(), 0)) return null;
      e = { scanner: new UsageMemberScanner(), released: 0, fed: DATA_LENGTH, lineEnd: -1, broken: false };
      held.early = e;
    }
    this.scanEarly(held, e);
    if (e.broken) return e.released > 0 ? this.earlyToGeneral(held, e) : null;
    const kept = e.scanner.releasable();
    const to = kept < 0 ? 0 : DATA_LENGTH + kept;
    if (to <= e.released) return null;
    const out = held.view(e.released).slice(0, to - e.released);
    e.released = to;
    return out;
  }

  /**
   * The event handed on in part is not one LF-framed data line after all (a CR, a second line) or
   * too large to hold: the stream goes on through the general rewriter, from the event's start, its
   * handed-on start not sent again.
   */
  private earlyToGeneral(held: HeldEvent, e: EarlyRelease, ...rest: Uint8Array[]): Output {
    this.held = undefined;
    const general = new InjectedUsageStreamRewriter(this.handler, { sent: e.released - held.base });
    this.general = general;
    const out = [...general.push(held.view())];
    for (const piece of rest) if (piece.length > 0) out.push(...general.push(piece));
    return nonEmpty(out);
  }

  /** Scan the held event's data bytes not scanned yet, up to its line end; note a shape break. */
  private scanEarly(held: HeldEvent, e: EarlyRelease): void {
    if (e.fed >= held.end) return;
    const start = e.fed;
    const bytes = held.view(start);
    e.fed = held.end;
    if (e.broken) return;
    if (find(bytes, CR, 0) !== -1) {
      e.broken = true;
      return;
    }
    if (e.lineEnd === -1) {
      const lf = find(bytes, LF, 0);
      e.scanner.feed(bytes, 0, lf === -1 ? bytes.length : lf);
      if (lf === -1) return;
      e.lineEnd = start + lf;
    }
    // After the data line only the LF of the blank line that ends the event may come.
    const after = held.end - (e.lineEnd + 1);
    if (after > 1 || (after === 1 && held.view(e.lineEnd + 1)[0] !== LF)) e.broken = true;
  }

  /**
   * A chunk after an event handed on in part, appended up to the event's end: the offset in `chunk`
   * where the event ends, or -1 when it goes on (then held, its handed-on part let go past the event
   * size cap). Sets `e.broken` when the event is not of the fast path's shape after all.
   */
  private continueEarly(held: HeldEvent, e: EarlyRelease, chunk: Uint8Array): number {
    let rest: number;
    if (held.lastByte() === LF && chunk[0] === LF) rest = 1;
    else {
      const at = find(chunk, LFLF, 0);
      rest = at === -1 ? -1 : at + 2;
    }
    held.append(chunk, 0, rest === -1 ? chunk.length : rest);
    this.scanEarly(held, e);
    if (rest === -1 && held.length > DEFAULT_MAX_EVENT_BYTES) {
      held.dropBefore(e.released); // the parser will not see this event (as the SSE decoder's cap)
      if (held.length > DEFAULT_MAX_EVENT_BYTES) e.broken = true; // a usage member of megabytes
    }
    return rest;
  }

  /**
   * The held event, handed on in part, is whole (or the body ended): the rest of its bytes, after the
   * same edit as a whole event gets; as sent when the rest contradicts what was handed on.
   */
  private finishEarly(atEnd: boolean): Uint8Array | null {
    const held = this.held!;
    const e = held.early!;
    this.held = undefined;
    this.scanEarly(held, e);
    const bytes = held.view();
    const end = held.end;
    const complete = atEnd ? e.lineEnd === -1 || e.lineEnd === end - 1 : e.lineEnd === end - 2;
    let edit: UsageEdit;
    if (complete) {
      edit = e.scanner.end();
      const stop = e.lineEnd === -1 ? end : e.lineEnd;
      if (held.base === 0) this.handler(utf8(bytes, DATA_LENGTH, stop), undefined);
    }
    this.first = false;
    const from = e.released - held.base;
    if (edit !== undefined && edit !== null && DATA_LENGTH + edit.start >= e.released) {
      const cutStart = DATA_LENGTH + edit.start - held.base;
      const cutEnd = DATA_LENGTH + edit.end - held.base;
      const out = new Uint8Array(bytes.length - from - (cutEnd - cutStart));
      out.set(bytes.subarray(from, cutStart), 0);
      out.set(bytes.subarray(cutEnd), cutStart - from);
      return out.length > 0 ? out : null;
    }
    // Kept as it is; or dropped or cut before what was handed on (a repeated key): as it came.
    return from < bytes.length ? bytes.slice(from) : null;
  }

  protected onEvent(buf: Uint8Array, pos: number, lf: number): void {
    const next = lf + 2;
    const close = membersEnd(buf, pos + DATA_LENGTH, lf);
    if (close !== -1 && endsWith(buf, close, TAIL, pos + DATA_LENGTH)) {
      if (this.everyEvent || this.first || !isPlainDelta(buf, pos, close))
        this.handler(utf8(buf, pos + DATA_LENGTH, lf), undefined);
      // The member cut; what follows it (an obfuscation member, the closing brace) is kept.
      this.keep(pos, close - TAIL.length);
      this.keep(close, next);
      this.changed = true;
      return;
    }
    // The usage-only chunk, [DONE], anything else: the general rule decides, byte-exactly.
    const text = utf8(buf, pos + DATA_LENGTH, lf);
    this.handler(text, undefined);
    const block = buf.subarray(pos, next);
    const rewritten = rewriteSseEventBytes(block, text);
    if (rewritten === block) {
      this.keep(pos, next);
      return;
    }
    this.changed = true;
    if (rewritten !== null) {
      const i = this.count++;
      this.extra.set(i, rewritten);
      this.starts[i] = -1;
      this.ends[i] = -1;
      this.size += rewritten.length;
    }
  }

  /** Start a region: no ranges kept yet. */
  private reset(): void {
    this.count = 0;
    if (this.extra.size !== 0) this.extra.clear();
    this.size = 0;
    this.changed = false;
  }

  /** Keep the bytes [start, end): extends the last range when it ends at `start` (one copy, not two). */
  private keep(start: number, end: number): void {
    const starts = this.starts;
    const ends = this.ends;
    const last = this.count - 1;
    if (last >= 0 && ends[last] === start && starts[last] !== -1) ends[last] = end;
    else {
      starts[last + 1] = start;
      ends[last + 1] = end;
      this.count = last + 2;
    }
    this.size += end - start;
  }

  /** What the scanned events of `region[from, ...)` become: `region` itself when unchanged and whole. */
  private output(region: Uint8Array, whole: boolean, from = 0): Uint8Array | null {
    if (this.size === 0) return null;
    if (!this.changed && whole && from === 0) return region;
    if (this.extra.size === 0) return compactInPlace(region, this.starts, this.ends, this.count, this.size);
    return assemble(region, this.starts, this.ends, this.count, this.size, this.extra);
  }

  /** From the event at `pos` of `region` on, everything goes through the general rewriter. */
  private toGeneral(region: Uint8Array, pos: number, ...rest: Uint8Array[]): Output {
    const done = this.output(region, false);
    const general = new InjectedUsageStreamRewriter(this.handler);
    this.general = general;
    const out: Uint8Array[] = done === null ? [] : [done];
    for (const piece of [region.subarray(pos), ...rest])
      if (piece.length > 0) out.push(...general.push(piece));
    return nonEmpty(out);
  }
}

function nonEmpty(out: Uint8Array[]): Output {
  return out.length === 0 ? null : out.length === 1 ? out[0]! : out;
}

/** The pieces of an Output, as a list. */
export function pieces(output: Output): Uint8Array[] {
  return output === null ? [] : Array.isArray(output) ? output : [output];
}

/**
 * Move the kept ranges of `data` to its front and return that prefix (a view of the same bytes: no
 * allocation). Ranges are ascending, so each moves left.
 */
function compactInPlace(
  data: Uint8Array,
  starts: number[],
  ends: number[],
  count: number,
  size: number,
): Uint8Array {
  let at = 0;
  for (let i = 0; i < count; i++) {
    const s = starts[i]!;
    const e = ends[i]!;
    if (s !== at) data.copyWithin(at, s, e);
    at += e - s;
  }
  return data.subarray(0, size);
}

/**
 * Move the kept ranges of `data` right, next to each other and ending where the last one ends, and
 * write `head` just before them: returns that view, or null (nothing moved) when the bytes cut from
 * `data` leave too little room for `head`. Ranges are ascending, so each moves right, the last first.
 */
function prependInPlace(
  data: Uint8Array,
  starts: number[],
  ends: number[],
  count: number,
  size: number,
  head: Uint8Array,
): Uint8Array | null {
  const end = ends[count - 1]!;
  const first = end - size - head.length;
  if (first < 0) return null;
  let at = end;
  for (let i = count - 1; i >= 0; i--) {
    const s = starts[i]!;
    const e = ends[i]!;
    at -= e - s;
    if (s !== at) data.copyWithin(at, s, e);
  }
  data.set(head, first);
  return data.subarray(first, end);
}

/** Copy the ranges of `data` (and rewritten events) into one new buffer. */
function assemble(
  data: Uint8Array,
  starts: number[],
  ends: number[],
  count: number,
  size: number,
  extra: Map<number, Uint8Array>,
): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const s = starts[i]!;
    const piece = s === -1 ? extra.get(i)! : data.subarray(s, ends[i]!);
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
