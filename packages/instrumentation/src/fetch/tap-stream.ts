// Streamed responses (SSE, Gemini's streamed JSON array, AWS event streams, Ollama's NDJSON): the bytes pass through
// a pull-based byte stream, untouched and unbuffered. A chunk is read from the network only when
// the consumer asks for one (backpressure), observed by an incremental decoder + stream parser
// (constant memory), then handed on. The call ends at the protocol's terminal event, or at the end
// of the body, an error, or the consumer's cancel(), with the usage seen so far.
//
// The caller gets the very Response object fetch returned (status, statusText, ok, headers, url,
// redirected, type, bodyUsed are the platform's own): its prototype is swapped for one that derives
// from the original and overrides only `body` (the tapped stream, made on first access), the reading
// methods (text, json, arrayBuffer, blob, bytes, formData read the tapped stream) and clone() (tees
// it). One prototype switch per response: no new Response, no per-instance properties.
import {
  AwsEventStreamDecoder,
  createStreamParser,
  eventStreamMessageToEvent,
  isOpenAIStreamFormat,
  JsonArrayStreamDecoder,
  NdjsonDecoder,
  type StreamParser,
  streamCompleted,
} from '../adapters/index.js';
import { ERROR_TYPE_INCOMPLETE_STREAM, errorTypeOf, type LlmCall } from '../call.js';
import { SseDecoder } from '../sse.js';
import { closeByteStream, ownsBuffer } from './byte-stream.js';
import { OpenAIStreamObserver, type Output, pieces, UsageStripper } from './openai-sse.js';

/** Observes (and, for an injected include_usage, rewrites) the bytes of one stream. */
interface ByteObserver {
  /**
   * Observe a chunk (which may be rewritten in place); returns the bytes to hand on: the chunk
   * itself unless rewritten, null for none, or several pieces.
   */
  push(chunk: Uint8Array): Output;
  /** The body ended; returns bytes still held back (rewriting only). */
  end(): Output;
}

export type StreamFraming = 'sse' | 'json-array' | 'aws-eventstream' | 'ndjson';

function makeObserver(
  framing: StreamFraming,
  parser: StreamParser,
  onTerminal: () => void,
  options: TapOptions & { openaiFormat: boolean; singleChoice: boolean },
): ByteObserver {
  const { injected, captureText, openaiFormat, singleChoice } = options;
  let stopped = false;
  const onEvent = (data: string, event: string | undefined) => {
    if (stopped) return;
    if (parser.onEvent(data, event)) {
      stopped = true;
      onTerminal();
    }
  };
  if (injected) {
    // Content deltas are skipped undecoded only when each chunk holds one choice (n = 1).
    const stripper = new UsageStripper(onEvent, captureText || !singleChoice);
    return { push: (chunk) => stripper.push(chunk), end: () => stripper.end() };
  }
  /** An observer that reads the bytes (until the terminal event) and hands them on untouched. */
  const reading = (decoder: { push(chunk: Uint8Array): void; end(): void }): ByteObserver => ({
    push(chunk) {
      if (!stopped) decoder.push(chunk);
      return chunk;
    },
    end() {
      if (!stopped) decoder.end();
      return null;
    },
  });
  if (framing === 'json-array')
    return reading(new JsonArrayStreamDecoder((element) => onEvent(element, undefined)));
  if (framing === 'ndjson') return reading(new NdjsonDecoder((line) => onEvent(line, undefined)));
  if (framing === 'aws-eventstream') {
    const decoder = new AwsEventStreamDecoder();
    return {
      push(chunk) {
        if (stopped) return chunk;
        for (const message of decoder.push(chunk)) {
          if (parser.onBedrockEvent?.(eventStreamMessageToEvent(message))) {
            stopped = true;
            onTerminal();
            break;
          }
        }
        return chunk;
      },
      end: () => null,
    };
  }
  // OpenAI content deltas carry nothing the parser keeps but their text: found by byte search, never
  // decoded; their text, when kept, read from the bytes.
  const onOutputText = parser.onOutputText;
  if (openaiFormat && singleChoice && (!captureText || onOutputText !== undefined)) {
    const onText = captureText
      ? (text: string) => {
          if (!stopped) onOutputText!.call(parser, text);
        }
      : undefined;
    return reading(new OpenAIStreamObserver(onEvent, onText));
  }
  return reading(new SseDecoder(onEvent));
}

export interface TapOptions {
  framing: StreamFraming;
  /** include_usage was added by tokenmeter: strip its traces from what the caller gets. */
  injected: boolean;
  /** Keep the output text (estimation or content capture). */
  captureText: boolean;
}

interface TapState {
  call: LlmCall;
  options: TapOptions;
  /** The native body stream. */
  source: ReadableStream<Uint8Array>;
  /** The stream handed out as `body`, once asked for. */
  tapped: ReadableStream<Uint8Array> | undefined;
}

const TAPPED = new WeakMap<object, TapState>();

type BodyGetter = (this: Response) => ReadableStream<Uint8Array> | null;

/** The `body` getter along a prototype chain (undici's, or another fetch implementation's). */
const bodyGetters = new WeakMap<object, BodyGetter | undefined>();

function findBodyGetter(proto: object | null): BodyGetter | undefined {
  if (proto === null) return undefined;
  if (bodyGetters.has(proto)) return bodyGetters.get(proto);
  let getter: BodyGetter | undefined;
  for (let p: object | null = proto; p !== null && getter === undefined; p = Object.getPrototypeOf(p)) {
    getter = Object.getOwnPropertyDescriptor(p, 'body')?.get as BodyGetter | undefined;
  }
  bodyGetters.set(proto, getter);
  return getter;
}

function makeTap(state: TapState): ReadableStream<Uint8Array> {
  const { call, options, source } = state;
  call.runtime.pending.delete(call);
  const status = call.httpStatus;
  const parser =
    call.streamParser() ??
    createStreamParser(call.info, options.captureText ? { captureOutputText: true } : undefined);
  const finish = (errorType?: string) => {
    if (call.done) return;
    const result = parser.result();
    call.finish(result, {
      httpStatus: status,
      errorType,
      outputText: options.captureText ? parser.outputText?.() : undefined,
    });
  };
  // The terminal event ends the call after the chunk that carried it was handed on: the app's read
  // resolves first (a microtask ahead), the span, pricing and metrics follow.
  let terminal = false;
  let finishing = false;
  const observer = makeObserver(
    options.framing,
    parser,
    () => {
      terminal = true;
    },
    {
      ...options,
      // An OpenAI Chat Completions or legacy Completions stream: the byte-level fast paths apply.
      openaiFormat: options.framing === 'sse' && isOpenAIStreamFormat(call.info),
      // One choice asked for: a chunk may then be judged a plain content delta by how it ends
      // (`"finish_reason":null}]...`); with n > 1 a chunk can hold a finished choice before an
      // unfinished one, so every event is decoded.
      singleChoice: (call.info.choiceCount ?? 1) === 1,
    },
  );
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let observing = true;
  let cancelled = false;
  /** The body's error, held for one read while the bytes held back from before it are handed on. */
  let failed: { error: unknown } | undefined;
  const runtime = call.runtime;

  /** The body ended or failed: hand on what the observer still holds; true when it held any bytes. */
  const handOnHeld = (controller: ReadableByteStreamController): boolean => {
    try {
      return enqueue(controller, observer.end(), undefined);
    } catch (error) {
      runtime.internalError('stream', error);
      return false;
    }
  };

  let controller!: ReadableByteStreamController;

  /** The body failed. */
  const onError = (error: unknown): void => {
    // The same error object reaches the consumer (an abort keeps its identity), after the bytes
    // that arrived before it: a rewriting observer may hold the start of an event, which the app
    // would have read before the error without tokenmeter.
    finish(errorTypeOf(error));
    if (cancelled) return;
    if (observing && handOnHeld(controller)) failed = { error };
    else controller.error(error);
  };

  /**
   * One read of the body: its bytes handed on, or the end. A pull must end with a chunk enqueued, the
   * stream closed or errored: the stream does not pull again by itself, so a read whose chunk was
   * removed whole (the usage-only chunk arriving alone) reads on instead of returning empty-handed,
   * which would stall the app.
   */
  const onRead = (result: { done: boolean; value?: Uint8Array | undefined }): Promise<void> | undefined => {
    if (cancelled) return;
    if (result.done) {
      if (observing) handOnHeld(controller);
      // Without its terminal event the body ended early, unless what was seen says the call
      // completed (every finish reason and the usage: only the closing marker is missing).
      const complete = call.done || terminal || streamCompleted(call.info, parser.result());
      finish(complete ? undefined : ERROR_TYPE_INCOMPLETE_STREAM);
      closeByteStream(controller);
      return;
    }
    const value = result.value as Uint8Array;
    if (call.firstChunkAt === undefined) call.firstChunkAt = performance.now();
    let handedOn: boolean;
    if (!observing) handedOn = enqueue(controller, value, value);
    else {
      let out: Output;
      try {
        out = observer.push(value);
      } catch (error) {
        // Our parser failed: stop observing, pass the original bytes on (a rewriting observer
        // changes a chunk only once it is done with it, so `value` is still what was read).
        observing = false;
        runtime.internalError('stream', error);
        finish();
        out = value;
      }
      handedOn = enqueue(controller, out, value);
      if (terminal && !finishing) {
        finishing = true;
        queueMicrotask(() => finish());
      }
    }
    return handedOn ? undefined : reader!.read().then(onRead, onError);
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
        reader ??= source.getReader();
        return reader.read().then(onRead, onError);
      },
      cancel(reason) {
        cancelled = true;
        finish();
        return (reader ?? source).cancel(reason);
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

function tappedBody(state: TapState): ReadableStream<Uint8Array> {
  if (state.tapped === undefined) {
    try {
      state.tapped = makeTap(state);
    } catch (error) {
      state.call.runtime.internalError('stream', error);
      state.call.finish(undefined, { httpStatus: state.call.httpStatus });
      state.tapped = state.source;
    }
  }
  return state.tapped;
}

function body(this: Response): ReadableStream<Uint8Array> | null {
  const state = TAPPED.get(this);
  if (state === undefined)
    return findBodyGetter(Object.getPrototypeOf(Object.getPrototypeOf(this)))?.call(this) ?? null;
  return tappedBody(state);
}

/** A reading method over the tapped stream (what the platform's would do over the body). */
function reader<K extends 'text' | 'json' | 'arrayBuffer' | 'blob' | 'bytes' | 'formData'>(name: K) {
  return function (this: Response): Promise<unknown> {
    const state = TAPPED.get(this);
    const proto = Object.getPrototypeOf(Object.getPrototypeOf(this)) as Record<
      K,
      (this: Response) => Promise<unknown>
    >;
    if (state === undefined) return proto[name].call(this);
    try {
      const stream = tappedBody(state);
      if (stream === state.source) return proto[name].call(this);
      // A Response over the tapped stream reads it the platform's way (locked/used → TypeError).
      const view = new Response(stream, { headers: this.headers });
      return (view as unknown as Record<K, () => Promise<unknown>>)[name]();
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** clone(): tee the tapped stream; the copy is a Response with this one's url, redirected and type. */
function clone(this: Response): Response {
  const state = TAPPED.get(this);
  const proto = Object.getPrototypeOf(Object.getPrototypeOf(this)) as { clone(this: Response): Response };
  if (state === undefined) return proto.clone.call(this);
  const stream = tappedBody(state);
  if (stream === state.source) return proto.clone.call(this);
  if (stream.locked || this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
  const [mine, theirs] = stream.tee();
  state.tapped = mine;
  const copy = new Response(theirs, {
    status: this.status,
    statusText: this.statusText,
    headers: this.headers,
  });
  Object.defineProperties(copy, {
    url: { value: this.url, configurable: true },
    redirected: { value: this.redirected, configurable: true },
    type: { value: this.type, configurable: true },
  });
  return copy;
}

function method(value: unknown): PropertyDescriptor {
  return { value, writable: true, configurable: true, enumerable: false };
}

const PROTOTYPES = new WeakMap<object, object>();

/** The tapping prototype derived from a Response prototype (one per fetch implementation). */
function tappingPrototype(base: object): object {
  let proto = PROTOTYPES.get(base);
  if (proto === undefined) {
    proto = Object.create(base, {
      body: { get: body, configurable: true, enumerable: false },
      text: method(reader('text')),
      json: method(reader('json')),
      arrayBuffer: method(reader('arrayBuffer')),
      blob: method(reader('blob')),
      formData: method(reader('formData')),
      clone: method(clone),
      ...('bytes' in base ? { bytes: method(reader('bytes')) } : {}),
    }) as object;
    PROTOTYPES.set(base, proto);
  }
  return proto;
}

/**
 * Tap the body of a streamed response for `call`. Returns the same Response object, its body now
 * observed. A response that is not a WHATWG Response (no `body` stream) is returned untouched and
 * the call ends without usage.
 */
export function tapStream(response: Response, call: LlmCall, options: TapOptions): Response {
  const base = Object.getPrototypeOf(response) as object | null;
  const getter = base === null ? undefined : findBodyGetter(base);
  const source = getter?.call(response) ?? null;
  if (
    base === null ||
    source === null ||
    typeof (source as { getReader?: unknown }).getReader !== 'function'
  ) {
    call.finish(undefined, { httpStatus: response.status });
    return response;
  }
  call.httpStatus = response.status;
  TAPPED.set(response, { call, options, source, tapped: undefined });
  Object.setPrototypeOf(response, tappingPrototype(base));
  // Until someone asks for the body, a never-read stream ends after the bounded time.
  call.runtime.pending.add(call);
  return response;
}
