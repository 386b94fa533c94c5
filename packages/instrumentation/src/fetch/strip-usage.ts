// The caller's view of a stream whose request had `stream_options.include_usage` added by
// tokenmeter: the same bytes as without the option. Same contract as the adapters'
// InjectedUsageStreamRewriter (`"usage":null` cut from each chunk, the final usage-only chunk
// dropped, byte-exactly; the parser sees every event that carries information), with a byte-level
// fast path for what nearly every event of an OpenAI stream looks like: one `data: {...}` line, LF
// line ends, JSON ending with `,"usage":null}`. Valid JSON that ends that way has `usage` as a
// member of the top-level object, so those 13 bytes are cut without decoding the event; and an
// event whose `finish_reason` is null and whose usage is null carries nothing the parser keeps
// (content deltas), so it is not even decoded unless the output text is wanted. Anything else (a CR,
// a comment, an `event:` line, a multi-line event) hands the rest of the stream, from that event
// on, to the adapters' general rewriter.
import { InjectedUsageStreamRewriter, rewriteSseEventBytes } from '../adapters/index.js';
import type { SseEventHandler } from '../sse.js';

const TAIL = Buffer.from(',"usage":null}');
const CUT = TAIL.length - 1; // keep the closing brace
const FINISH_NULL = Buffer.from('"finish_reason":null');
/** How a one-choice content delta ends: nothing in it for the parser. */
const DELTA_TAIL = Buffer.from('"finish_reason":null}],"usage":null}');
const DATA_LENGTH = 6; // `data: `
const LF = 10;
const CR = 13;
const D = 100; // 'd' of `data:`

/** Where the `,"usage":null` to cut starts in `raw` (one whole event), or -1 when the fast path does not apply. */
export function trailingUsageNull(raw: Uint8Array): number {
  const n = raw.length;
  let eol: number; // index of the first byte of the two line ends
  if (n >= 2 && raw[n - 1] === LF && raw[n - 2] === LF) eol = n - 2;
  else if (n >= 4 && raw[n - 1] === LF && raw[n - 2] === CR && raw[n - 3] === LF && raw[n - 4] === CR)
    eol = n - 4;
  else return -1;
  const start = eol - TAIL.length;
  if (start < 6 || raw[0] !== D) return -1;
  for (let i = 0; i < TAIL.length; i++) if (raw[start + i] !== TAIL[i]) return -1;
  // One line only: no line end before `eol` (a multi-line event takes the general path).
  const lf = raw.indexOf(LF);
  const cr = raw.indexOf(CR);
  if ((lf !== -1 && lf < eol) || (cr !== -1 && cr < eol)) return -1;
  return start;
}

/** Whether `buf` has `pattern` ending at `end` (not before `min`). */
function endsWith(buf: Buffer, end: number, pattern: Buffer, min: number): boolean {
  const start = end - pattern.length;
  if (start < min) return false;
  for (let i = pattern.length - 1; i >= 0; i--) if (buf[start + i] !== pattern[i]) return false;
  return true;
}

/** `data: ` at `pos`. */
function isDataLine(buf: Buffer, pos: number): boolean {
  return (
    buf[pos] === D &&
    buf[pos + 1] === 97 &&
    buf[pos + 2] === 116 &&
    buf[pos + 3] === 97 &&
    buf[pos + 4] === 58 &&
    buf[pos + 5] === 32
  );
}

export class UsageStripper {
  /** The general rewriter, once the stream left the fast path's shape. */
  private general: InjectedUsageStreamRewriter | undefined;
  /** Bytes of an event not complete yet. */
  private carry: Uint8Array | undefined;
  private first = true;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** Rewritten events of the current chunk, by their index in starts/ends (marked -1 there). */
  private readonly extra = new Map<number, Uint8Array>();

  /**
   * @param onEvent receives the events (data, event type).
   * @param everyEvent decode and pass on every event (when the output text is kept), not only
   *   those that carry an id, a model, a finish reason, usage or an error.
   */
  constructor(
    private readonly onEvent: SseEventHandler,
    private readonly everyEvent = false,
  ) {}

  /** The bytes to hand on for `chunk` (null for none). */
  push(chunk: Uint8Array): Uint8Array | null {
    if (this.general !== undefined) return join(this.general.push(chunk), chunk);
    let data = chunk;
    if (this.carry !== undefined) {
      data = new Uint8Array(this.carry.length + chunk.length);
      data.set(this.carry, 0);
      data.set(chunk, this.carry.length);
      this.carry = undefined;
    }
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const starts = this.starts;
    const ends = this.ends;
    starts.length = 0;
    ends.length = 0;
    let pos = 0;
    let size = 0;
    let changed = false;
    const firstCR = buf.indexOf(CR);
    for (;;) {
      const lf2 = buf.indexOf('\n\n', pos);
      if (lf2 === -1) break;
      const next = lf2 + 2;
      // The fast path's shape: `data: ` and no CR (one line: checked below before decoding).
      if ((firstCR !== -1 && firstCR < next) || !isDataLine(buf, pos)) {
        return this.toGeneral(data, pos, starts, ends, size);
      }
      const tail = endsWith(buf, lf2, TAIL, pos + DATA_LENGTH);
      const lean =
        tail &&
        !this.everyEvent &&
        !this.first &&
        (endsWith(buf, lf2, DELTA_TAIL, pos) || this.finishNull(buf, pos, lf2));
      if (!lean && buf.indexOf(LF, pos) !== lf2) {
        // A multi-line event: the general rewriter reads it (and the rest).
        return this.toGeneral(data, pos, starts, ends, size);
      }
      if (tail) {
        if (!lean) this.onEvent(buf.toString('utf8', pos + DATA_LENGTH, lf2), undefined);
        changed = true;
        const at = lf2 - TAIL.length;
        keep(starts, ends, pos, at);
        keep(starts, ends, at + CUT, next);
        size += next - pos - CUT;
      } else {
        // The usage-only chunk, [DONE], anything else: the general rule decides, byte-exactly.
        const text = buf.toString('utf8', pos + DATA_LENGTH, lf2);
        this.onEvent(text, undefined);
        const block = data.subarray(pos, next);
        const rewritten = rewriteSseEventBytes(block, text);
        if (rewritten === block) {
          keep(starts, ends, pos, next);
          size += next - pos;
        } else {
          changed = true;
          if (rewritten !== null) {
            this.extra.set(starts.length, rewritten);
            starts.push(-1);
            ends.push(-1);
            size += rewritten.length;
          }
        }
      }
      this.first = false;
      pos = next;
    }
    if (pos < data.length) this.carry = data.slice(pos);
    if (size === 0) return null;
    if (!changed && pos === data.length && data === chunk) return chunk;
    if (this.extra.size === 0) return compactInPlace(data, starts, ends, size);
    const out = assemble(data, starts, ends, size, this.extra);
    this.extra.clear();
    return out;
  }

  /** The body ended: bytes still held (an unterminated last event), or null. */
  end(): Uint8Array | null {
    const rest = this.carry;
    this.carry = undefined;
    if (this.general === undefined) {
      if (rest === undefined) return null;
      this.general = new InjectedUsageStreamRewriter(this.onEvent);
      const out = this.general.push(rest);
      return join([...out, ...this.general.end()], undefined);
    }
    return join(this.general.end(), undefined);
  }

  private finishNull(buf: Buffer, start: number, end: number): boolean {
    const at = buf.indexOf(FINISH_NULL, start);
    return at !== -1 && at < end;
  }

  /** From the event at `pos` on, everything goes through the general rewriter. */
  private toGeneral(
    data: Uint8Array,
    pos: number,
    starts: number[],
    ends: number[],
    size: number,
  ): Uint8Array | null {
    const general = new InjectedUsageStreamRewriter(this.onEvent);
    this.general = general;
    const done = size > 0 ? assemble(data, starts, ends, size, this.extra) : undefined;
    this.extra.clear();
    const rest = general.push(data.subarray(pos));
    return join(done === undefined ? rest : [done, ...rest], undefined);
  }
}

/** Keep the bytes [start, end): extends the last range when it ends at `start` (one copy, not two). */
function keep(starts: number[], ends: number[], start: number, end: number): void {
  const last = ends.length - 1;
  if (last >= 0 && ends[last] === start && starts[last] !== -1) ends[last] = end;
  else {
    starts.push(start);
    ends.push(end);
  }
}

/**
 * Move the kept ranges of `data` to its front and return that prefix (a view of the same bytes: no
 * allocation). `data` is the chunk just read from the body, or our own concatenation, and is ours
 * to rewrite; ranges are ascending, so each moves left.
 */
function compactInPlace(data: Uint8Array, starts: number[], ends: number[], size: number): Uint8Array {
  let at = 0;
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    const e = ends[i]!;
    if (s !== at) data.copyWithin(at, s, e);
    at += e - s;
  }
  return data.subarray(0, size);
}

/** Copy the ranges of `data` (and rewritten events) into one new buffer. */
function assemble(
  data: Uint8Array,
  starts: number[],
  ends: number[],
  size: number,
  extra: Map<number, Uint8Array>,
): Uint8Array {
  const out = Buffer.allocUnsafeSlow(size);
  const src = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    if (s === -1) {
      const piece = extra.get(i)!;
      out.set(piece, at);
      at += piece.length;
      continue;
    }
    const e = ends[i]!;
    at += src.copy(out, at, s, e);
  }
  return new Uint8Array(out.buffer, 0, size);
}

/** Pieces into one buffer; `chunk` itself when it is the only piece. Always fresh otherwise. */
function join(pieces: Uint8Array[], chunk: Uint8Array | undefined): Uint8Array | null {
  if (pieces.length === 0) return null;
  if (pieces.length === 1 && chunk !== undefined && pieces[0] === chunk) return chunk;
  let n = 0;
  for (const p of pieces) n += p.byteLength;
  if (n === 0) return null;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
