// The one way a response body is observed: the app gets fetch's own body stream, its reads observed
// on the way out. Its prototype is swapped for one derived from its own (still `instanceof
// ReadableStream`, no own properties) whose getReader(), values() and async iterator hand out the
// platform's reader or iterator with their reads observed, and whose cancel() tells the observer.
// No second ReadableStream per body: a chunk costs one promise reaction beside the app's (the app
// awaits the platform's own read, resolved in the same microtask as without us), not a pull, an
// enqueue and a buffer transfer. Only a rewriting observer hands the app results of its own.
//
// What cannot be observed read by read (pipeTo, pipeThrough, tee, a BYOB reader of a rewriting
// observer, the reading methods of a streamed Response) reads a pull-based byte stream over the
// body instead (`pullThrough`), driven by the same observer: one pull loop, one error behaviour.
import { closeByteStream, ownsBuffer } from './byte-stream.js';
import { ReaderSlot, StreamSlot } from './hidden-slot.js';
import { type Output, pieces } from './openai-sse.js';

/** What happens to the bytes of one body as the app reads them. Its methods never throw. */
export interface BodyObserver {
  /** May drop or rewrite bytes (reads are then serialised, and a BYOB reader reads a copy). */
  readonly rewrites: boolean;
  /** A chunk read from the body; returns what the app gets: the chunk itself, null for none, or pieces. */
  chunk(value: Uint8Array): Output;
  /** The body ended; returns bytes still held back (a rewriting observer). */
  end(): Output;
  /** The body failed with `error`; returns bytes held back, which the app reads before the error. */
  error(error: unknown): Output;
  /** The app cancelled the body (or returned from its iterator). */
  cancel(): void;
  /** One of the methods above threw after all (a bug of ours): log and count it. */
  internalError(error: unknown): void;
}

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;
// biome-ignore lint/suspicious/noExplicitAny: the platform's methods, called with their own arguments
type Method = (this: any, ...args: any[]) => any;

/** Per observed stream: its observer and the reader (or iterator) reading it now. */
class StreamReads {
  /** The reader or iterator the app reads through now (a stream has one at a time: it is locked). */
  target: object | undefined;
  /** The platform's reader or iterator under `target`, and its read (or next), for reading on. */
  private receiver: object | undefined;
  private nativeRead: Method | undefined;
  private ended = false;
  /** Reads not yet answered (a rewriting observer's reads are answered in order). */
  private pending = 0;
  private last: Promise<ReadResult> | undefined;
  /** The body's error, held for the read after the bytes held back from before it. */
  private failed: { error: unknown } | undefined;
  /** The pull-through stream, once something needed one. */
  private through: ReadableStream<Uint8Array> | undefined;

  constructor(
    readonly source: ReadableStream<Uint8Array>,
    readonly observer: BodyObserver,
    private readonly natives: StreamNatives,
  ) {}

  reading(target: object, receiver: object, nativeRead: Method): void {
    this.target = target;
    this.receiver = receiver;
    this.nativeRead = nativeRead;
  }

  read(target: object, nativeRead: Method, a?: unknown, b?: unknown): Promise<ReadResult> {
    if (!this.observer.rewrites) {
      // The app gets the platform's own promise, result and error, in the same microtask as
      // without us; the observer's reaction, registered before the app's, sees each chunk first.
      const read = nativeRead.call(target, a, b) as Promise<ReadResult>;
      read.then(this.onSeen, this.onFailed);
      return read;
    }
    // A chunk removed whole makes a read read on: later reads wait for it, so that answers keep their order.
    if (this.pending++ === 0 || this.last === undefined) {
      this.last = this.readNow(target, nativeRead, a, b);
    } else {
      const now = () => this.readNow(target, nativeRead, a, b);
      this.last = this.last.then(now, now);
    }
    return this.last;
  }

  private readNow(target: object, nativeRead: Method, a: unknown, b: unknown): Promise<ReadResult> {
    const failed = this.failed;
    if (failed !== undefined) {
      // The read after the held bytes: the body's error (an iterator would not repeat it by itself).
      this.failed = undefined;
      this.pending--;
      return Promise.reject(failed.error);
    }
    return nativeRead.call(target, a, b).then(this.onResult, this.onError);
  }

  /** A read's result, seen beside the app (an observer that hands every chunk on as it is). */
  private readonly onSeen = (result: ReadResult): void => {
    try {
      if (!result.done) this.observer.chunk(result.value);
      else if (!this.ended) {
        this.ended = true;
        this.observer.end();
      }
    } catch (error) {
      // Nobody awaits this reaction: a throw here would be an unhandled rejection.
      this.observer.internalError(error);
    }
  };

  /** A read's error, seen beside the app (which gets the same rejection from the platform). */
  private readonly onFailed = (error: unknown): void => {
    if (this.ended) return;
    this.ended = true;
    try {
      this.observer.error(error);
    } catch (caught) {
      this.observer.internalError(caught);
    }
  };

  /** A read's result, for a rewriting observer: what the app reads instead. */
  private readonly onResult = (result: ReadResult): ReadResult | Promise<ReadResult> => {
    this.pending--;
    if (result.done) {
      if (this.ended) return result;
      this.ended = true;
      const held = joined(this.observer.end());
      // The held bytes first; the next read finds the body closed again.
      return held === null ? result : { done: false, value: held };
    }
    const value = result.value;
    const out = this.observer.chunk(value);
    if (out === value) return result;
    const bytes = joined(out);
    if (bytes !== null) return { done: false, value: bytes };
    this.pending++;
    return this.nativeRead!.call(this.receiver).then(this.onResult, this.onError);
  };

  private readonly onError = (error: unknown): ReadResult => {
    this.pending--;
    const held = this.ended ? null : joined(this.observer.error(error));
    this.ended = true;
    if (held === null) throw error;
    // The bytes that arrived before the error first (only a rewriting observer holds any); the next
    // read rejects with the same error object.
    this.failed = { error };
    return { done: false, value: held };
  };

  /** The body read through a pull-based byte stream (locks the body, as the native call would). */
  pullThrough(): ReadableStream<Uint8Array> {
    if (this.through === undefined) {
      const reader = this.natives.getReader.call(this.source) as ReadableStreamDefaultReader<Uint8Array>;
      this.target = undefined;
      this.receiver = undefined;
      this.through = pullThrough(reader, this.observer);
    }
    return this.through;
  }
}

/**
 * The one pull loop: a byte stream handing on `reader`'s chunks as `observer` lets them through. A
 * chunk is read only when the consumer asks for one. A pull must end with a chunk enqueued, the
 * stream closed or errored (the stream does not pull again by itself), so a read whose bytes were
 * all removed reads on.
 */
export function pullThrough(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  observer: BodyObserver,
): ReadableStream<Uint8Array> {
  let controller!: ReadableByteStreamController;
  let cancelled = false;
  /** The body's error, held for one pull while the bytes held back from before it are handed on. */
  let failed: { error: unknown } | undefined;
  const onRead = (result: ReadResult): Promise<void> | undefined => {
    if (cancelled) return;
    if (result.done) {
      enqueue(controller, observer.end(), undefined);
      closeByteStream(controller);
      return;
    }
    const value = result.value;
    if (enqueue(controller, observer.chunk(value), value)) return;
    return reader.read().then(onRead, onError);
  };
  const onError = (error: unknown): void => {
    const held = observer.error(error);
    if (cancelled) return;
    if (enqueue(controller, held, undefined)) failed = { error };
    else controller.error(error);
  };
  return new ReadableStream(
    {
      type: 'bytes',
      start(c: ReadableByteStreamController) {
        controller = c;
      },
      // Promise callbacks, not an async function: one promise less per chunk.
      pull(): Promise<void> | undefined {
        if (failed !== undefined) {
          controller.error(failed.error);
          return;
        }
        return reader.read().then(onRead, onError);
      },
      cancel(reason) {
        cancelled = true;
        observer.cancel();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Hand `out` on; true when any bytes were enqueued. enqueue() transfers a chunk's buffer: a view of
 * the body's own chunk `value` (rewritten in place) goes as is when that chunk owned its whole
 * buffer and no later piece still needs it; other views are copied, fresh buffers go as they are.
 */
function enqueue(
  controller: ReadableByteStreamController,
  out: Output,
  value: Uint8Array | undefined,
): boolean {
  if (out === value && value !== undefined) {
    // The chunk as it came (the usual case): no list of pieces.
    if (value.byteLength === 0) return false;
    controller.enqueue(ownsBuffer(value) ? value : value.slice());
    return true;
  }
  const list = pieces(out);
  let any = false;
  const last = list.length - 1;
  for (let i = 0; i <= last; i++) {
    const piece = list[i]!;
    if (piece.byteLength === 0) continue;
    const ofValue = value !== undefined && piece.buffer === value.buffer;
    const inPlace = ofValue ? i === last && ownsBuffer(value) : ownsBuffer(piece);
    controller.enqueue(inPlace ? piece : piece.slice());
    any = true;
  }
  return any;
}

/** The bytes of `out` as one chunk, or null when there are none. */
function joined(out: Output): Uint8Array | null {
  if (out === null) return null;
  if (!Array.isArray(out)) return out.byteLength === 0 ? null : out;
  let size = 0;
  for (const piece of out) size += piece.byteLength;
  if (size === 0) return null;
  if (out.length === 1) return out[0]!;
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const piece of out) {
    bytes.set(piece, at);
    at += piece.byteLength;
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// The observing prototypes.

interface StreamNatives {
  getReader: Method;
  values: Method;
  asyncIterator: Method;
  cancel: Method;
  pipeTo: Method;
  pipeThrough: Method;
  tee: Method;
}

/** A stream prototype → its observing prototype (and the platform's methods). */
const STREAM_PROTOS = new WeakMap<object, { proto: object; natives: StreamNatives }>();
/** A reader prototype → its observing prototype. */
const READER_PROTOS = new WeakMap<object, object>();

function method(value: unknown): PropertyDescriptor {
  return { value, writable: true, configurable: true, enumerable: false };
}

function readerProto(base: object): object {
  let proto = READER_PROTOS.get(base);
  if (proto === undefined) {
    const { read: nativeRead, cancel: nativeCancel } = base as { read: Method; cancel: Method };
    proto = Object.create(base, {
      read: method(function read(this: object, view?: unknown, options?: unknown): Promise<unknown> {
        const reads = ReaderSlot.get<StreamReads>(this);
        if (reads === undefined || reads.target !== this) return nativeRead.call(this, view, options);
        return reads.read(this, nativeRead, view, options);
      }),
      cancel: method(function cancel(this: object, reason?: unknown): Promise<unknown> {
        const reads = ReaderSlot.get<StreamReads>(this);
        if (reads !== undefined && reads.target === this) reads.observer.cancel();
        return nativeCancel.call(this, reason);
      }),
    }) as object;
    READER_PROTOS.set(base, proto);
  }
  return proto;
}

/** The platform's async iterator of the stream, its next() observed (values() and [Symbol.asyncIterator]). */
function observedIterator(
  reads: StreamReads,
  native: Method,
  self: ReadableStream,
  options: unknown,
): object {
  const it = native.call(self, options) as AsyncIterator<Uint8Array> & object;
  const next = it.next as Method;
  const ret = it.return as Method | undefined;
  const preventCancel = (options as { preventCancel?: unknown } | undefined)?.preventCancel === true;
  const wrapper: object = Object.create(Object.getPrototypeOf(it) as object, {
    next: method(() => (reads.target === wrapper ? reads.read(it, next) : next.call(it))),
    return: method((value?: unknown) => {
      if (reads.target === wrapper && !preventCancel) reads.observer.cancel();
      return ret === undefined ? Promise.resolve({ done: true, value }) : ret.call(it, value);
    }),
    [Symbol.asyncIterator]: method(function (this: object) {
      return this;
    }),
  });
  reads.reading(wrapper, it, next);
  return wrapper;
}

function streamProto(base: object): { proto: object; natives: StreamNatives } {
  let entry = STREAM_PROTOS.get(base);
  if (entry !== undefined) return entry;
  const b = base as Record<string | symbol, Method>;
  const natives: StreamNatives = {
    getReader: b.getReader!,
    values: b.values ?? b[Symbol.asyncIterator]!,
    asyncIterator: b[Symbol.asyncIterator] ?? b.values!,
    cancel: b.cancel!,
    pipeTo: b.pipeTo!,
    pipeThrough: b.pipeThrough!,
    tee: b.tee!,
  };
  const readsOf = (self: ReadableStream): StreamReads | undefined => {
    const reads = StreamSlot.get<StreamReads>(self);
    return reads === undefined || self.locked ? undefined : reads;
  };
  const descriptors: PropertyDescriptorMap = {
    getReader: method(function getReader(this: ReadableStream, options?: { mode?: string }) {
      const reads = readsOf(this);
      if (reads === undefined) return natives.getReader.call(this, options);
      if (options?.mode === 'byob' && reads.observer.rewrites)
        return reads.pullThrough().getReader(options as { mode: 'byob' });
      const reader = natives.getReader.call(this, options) as object;
      const base = Object.getPrototypeOf(reader) as { read: Method };
      Object.setPrototypeOf(reader, readerProto(base));
      ReaderSlot.set<StreamReads>(reader, reads);
      reads.reading(reader, reader, base.read);
      return reader;
    }),
    cancel: method(function cancel(this: ReadableStream, reason?: unknown) {
      readsOf(this)?.observer.cancel();
      return natives.cancel.call(this, reason);
    }),
    pipeTo: method(function pipeTo(this: ReadableStream, ...args: unknown[]) {
      const reads = readsOf(this);
      if (reads === undefined) return natives.pipeTo.apply(this, args);
      return reads.pullThrough().pipeTo(...(args as Parameters<ReadableStream['pipeTo']>));
    }),
    pipeThrough: method(function pipeThrough(this: ReadableStream, ...args: unknown[]) {
      const reads = readsOf(this);
      if (reads === undefined) return natives.pipeThrough.apply(this, args);
      return reads.pullThrough().pipeThrough(...(args as Parameters<ReadableStream['pipeThrough']>));
    }),
    tee: method(function tee(this: ReadableStream) {
      const reads = readsOf(this);
      if (reads === undefined) return natives.tee.call(this);
      return reads.pullThrough().tee();
    }),
  };
  if (typeof b.values === 'function')
    descriptors.values = method(function values(this: ReadableStream, options?: unknown) {
      const reads = readsOf(this);
      if (reads === undefined) return natives.values.call(this, options);
      return observedIterator(reads, natives.values, this, options);
    });
  if (typeof b[Symbol.asyncIterator] === 'function')
    descriptors[Symbol.asyncIterator] = method(function (this: ReadableStream, options?: unknown) {
      const reads = readsOf(this);
      if (reads === undefined) return natives.asyncIterator.call(this, options);
      return observedIterator(reads, natives.asyncIterator, this, options);
    });
  entry = { proto: Object.create(base, descriptors) as object, natives };
  STREAM_PROTOS.set(base, entry);
  return entry;
}

/**
 * Observe the reads of `source` (a body stream fetch returned) with `observer`; returns `source`
 * itself. A stream that is not a WHATWG ReadableStream (no getReader) is returned unobserved.
 */
export function observeReads(
  source: ReadableStream<Uint8Array>,
  observer: BodyObserver,
): ReadableStream<Uint8Array> {
  const base = Object.getPrototypeOf(source) as object | null;
  if (base === null || typeof (base as { getReader?: unknown }).getReader !== 'function') return source;
  const { proto, natives } = streamProto(base);
  StreamSlot.set<StreamReads>(source, new StreamReads(source, observer, natives));
  Object.setPrototypeOf(source, proto);
  return source;
}

/** The pull-through stream of an observed body (for the reading methods and clone of a Response). */
export function pullThroughOf(source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> | undefined {
  const reads = StreamSlot.get<StreamReads>(source);
  return reads === undefined || source.locked ? undefined : reads.pullThrough();
}
