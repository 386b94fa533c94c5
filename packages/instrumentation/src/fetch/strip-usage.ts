// The caller's view of a stream whose request had `stream_options.include_usage` added by
// tokenmeter: the same bytes as without the option. Same contract as the adapters'
// InjectedUsageStreamRewriter (every event reaches the parser unchanged; `"usage":null` is cut from
// each chunk and the final usage-only chunk is dropped, byte-exactly, by `rewriteSseEventBytes`),
// with a byte-level fast path for the case that is nearly every event of an OpenAI stream: a
// one-line `data:` event whose JSON ends with `,"usage":null}`. Valid JSON that ends that way has
// `usage` as a member of the top-level object, so those 13 bytes are cut without decoding or
// scanning the event. Each chunk's output is written into one new buffer.
import { rewriteSseEventBytes } from '../adapters/index.js';
import { SseDecoder, type SseEventHandler } from '../sse.js';

const TAIL = new TextEncoder().encode(',"usage":null}');
const CUT = TAIL.length - 1; // keep the closing brace
const LF = 10;
const CR = 13;
const D = 100; // 'd' of `data:`

/** Where the `,"usage":null` to cut starts in `raw`, or -1 when the fast path does not apply. */
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

export class UsageStripper {
  private readonly decoder: SseDecoder;
  /** Output pieces of the current push: [bytes, start, end]. */
  private pieces: Uint8Array[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  private size = 0;

  constructor(onEvent: SseEventHandler) {
    this.decoder = new SseDecoder(onEvent, {
      onRawBlock: (raw, data, _event, orphanLF) => {
        if (data === undefined) {
          this.add(raw, 0, raw.length);
          return;
        }
        const cut = trailingUsageNull(raw);
        if (cut >= 0) {
          this.add(raw, 0, cut);
          this.add(raw, cut + CUT, raw.length);
          return;
        }
        const rewritten = rewriteSseEventBytes(raw, data);
        if (rewritten) this.add(rewritten, 0, rewritten.length);
        else if (orphanLF) this.add(LF_BYTES, 0, 1);
      },
    });
  }

  /** The bytes to hand on for `chunk` (null for none). */
  push(chunk: Uint8Array): Uint8Array | null {
    this.decoder.push(chunk);
    return this.drain(chunk);
  }

  /** The body ended: bytes still held (an unterminated last event), or null. */
  end(): Uint8Array | null {
    this.decoder.end();
    return this.drain(undefined);
  }

  private add(bytes: Uint8Array, start: number, end: number): void {
    if (end <= start) return;
    this.pieces.push(bytes);
    this.starts.push(start);
    this.ends.push(end);
    this.size += end - start;
  }

  private drain(chunk: Uint8Array | undefined): Uint8Array | null {
    const count = this.pieces.length;
    if (count === 0) return null;
    let out: Uint8Array;
    if (
      chunk !== undefined &&
      count === 1 &&
      this.pieces[0] === chunk &&
      this.starts[0] === 0 &&
      this.ends[0] === chunk.length
    ) {
      out = chunk; // unchanged (no usage in it)
    } else {
      // Always a fresh buffer: pieces may share one, and a byte stream takes what it is given.
      out = new Uint8Array(this.size);
      let at = 0;
      for (let i = 0; i < count; i++) {
        const p = this.pieces[i]!;
        const s = this.starts[i]!;
        const e = this.ends[i]!;
        out.set(s === 0 && e === p.length ? p : p.subarray(s, e), at);
        at += e - s;
      }
    }
    this.pieces.length = 0;
    this.starts.length = 0;
    this.ends.length = 0;
    this.size = 0;
    return out;
  }
}

const LF_BYTES = new Uint8Array([LF]);
