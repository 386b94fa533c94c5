// Streamed responses (SSE, Gemini's streamed JSON array, AWS event streams, Ollama's NDJSON): the app
// reads fetch's own body stream, its reads observed (stream-reads.ts): each chunk, untouched and
// unbuffered, goes through an incremental decoder + stream parser (constant memory) on its way to
// the app, and is read from the network only when the app asks (backpressure is the platform's). The
// call ends at the protocol's terminal event, or at the end of the body, an error, or the consumer's
// cancel(), with the usage seen so far.
//
// The caller gets the very Response object fetch returned (status, statusText, ok, headers, url,
// redirected, type, bodyUsed are the platform's own): its prototype is swapped for one that derives
// from the original and overrides only `body` (the native stream, observed on first access), the
// reading methods (text, json, arrayBuffer, blob, bytes, formData read the observed bytes) and
// clone() (tees them). One prototype switch per response: no new Response, no per-instance properties.
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
import { reportParserFailure } from '../internal-error.js';
import { SseDecoder } from '../sse.js';
import { ResponseSlot } from './hidden-slot.js';
import { OpenAIStreamObserver, type Output, UsageStripper } from './openai-sse.js';
import { type BodyObserver, observeReads, pullThroughOf } from './stream-reads.js';

/** Observes (and, for an injected include_usage, rewrites) the bytes of one stream. */
interface ByteObserver {
  /**
   * Observe a chunk (which may be rewritten in place); returns the bytes to hand on: the chunk
   * itself unless rewritten, null for none, or several pieces.
   */
  push(chunk: Uint8Array): Output;
  /** The body ended; returns bytes still held back (rewriting only). */
  end(): Output;
  /** Hand the parser what the observer holds back for it (the output text of plain deltas). */
  flush?: (() => void) | undefined;
}

export type StreamFraming = 'sse' | 'json-array' | 'aws-eventstream' | 'ndjson';

function makeObserver(
  framing: StreamFraming,
  parser: StreamParser,
  onTerminal: () => void,
  options: TapOptions,
  /** An OpenAI Chat Completions or legacy Completions stream: the byte-level fast paths apply. */
  openaiFormat: boolean,
  /** One choice asked for (see streamObserver). */
  singleChoice: boolean,
): ByteObserver {
  const { injected, captureText } = options;
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
  const reading = (decoder: {
    push(chunk: Uint8Array): void;
    end(): void;
    flush?(): void;
  }): ByteObserver => ({
    flush: decoder.flush === undefined ? undefined : () => decoder.flush!(),
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
      ? (text: string, events: number) => {
          if (!stopped) onOutputText!.call(parser, text, events);
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
  /** The stream handed out as `body` once asked for: `source` observed, or a branch of clone()'s tee. */
  body: ReadableStream<Uint8Array> | undefined;
}

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

/** What the stream's bytes do to the call: observed, rewritten (include_usage), the call ended. */
function streamObserver(state: TapState): BodyObserver {
  const { call, options } = state;
  call.runtime.pending.delete(call);
  const status = call.httpStatus;
  const parser =
    call.streamParser() ??
    createStreamParser(
      call.info,
      options.captureText ? { captureOutputText: true } : undefined,
      reportParserFailure,
    );
  const finish = (errorType?: string) => {
    if (call.done) return;
    if (observer.flush !== undefined) {
      try {
        observer.flush();
      } catch (error) {
        runtime.internalError('stream', error);
      }
    }
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
  const finishAfterRead = () => queueMicrotask(() => finish());
  const observer = makeObserver(
    options.framing,
    parser,
    () => {
      terminal = true;
    },
    // The flags as arguments, not spread into a copy of the options: that copy was ~1 µs per
    // stream in a CPU profile of the preloaded app.
    options,
    // An OpenAI Chat Completions or legacy Completions stream: the byte-level fast paths apply.
    options.framing === 'sse' && isOpenAIStreamFormat(call.info),
    // One choice asked for: a chunk may then be judged a plain content delta by how it ends
    // (`"finish_reason":null}]...`); with n > 1 a chunk can hold a finished choice before an
    // unfinished one, so every event is decoded.
    (call.info.choiceCount ?? 1) === 1,
  );
  let observing = true;
  const runtime = call.runtime;
  /** Bytes the observer still holds (rewriting only), once the body ended or failed. */
  const held = (): Output => {
    if (!observing) return null;
    observing = false;
    try {
      return observer.end();
    } catch (error) {
      runtime.internalError('stream', error);
      return null;
    }
  };
  return {
    rewrites: options.injected,
    chunk(value) {
      if (call.firstChunkAt === undefined) call.firstChunkAt = performance.now();
      if (!observing) return value;
      let out: Output;
      try {
        out = observer.push(value);
      } catch (error) {
        // Our parser failed: stop observing, pass the original bytes on (a rewriting observer
        // changes a chunk only once it is done with it, so `value` is still what was read).
        observing = false;
        runtime.internalError('stream', error);
        finish();
        return value;
      }
      if (terminal && !finishing) {
        finishing = true;
        queueMicrotask(finishAfterRead);
      }
      return out;
    },
    end() {
      const out = held();
      // Without its terminal event the body ended early, unless what was seen says the call
      // completed (every finish reason and the usage: only the closing marker is missing).
      const complete = call.done || terminal || streamCompleted(call.info, parser.result());
      finish(complete ? undefined : ERROR_TYPE_INCOMPLETE_STREAM);
      return out;
    },
    error(error) {
      // The same error object reaches the consumer (an abort keeps its identity), after the bytes
      // that arrived before it: a rewriting observer may hold the start of an event, which the app
      // would have read before the error without tokenmeter.
      finish(errorTypeOf(error));
      return held();
    },
    cancel() {
      finish();
    },
    internalError(error) {
      runtime.internalError('stream', error);
    },
  };
}

/** The body handed out: the native stream with its reads observed (made on first access). */
function bodyOf(state: TapState): ReadableStream<Uint8Array> {
  if (state.body === undefined) {
    try {
      state.body = observeReads(state.source, streamObserver(state));
    } catch (error) {
      state.call.runtime.internalError('stream', error);
      state.call.finish(undefined, { httpStatus: state.call.httpStatus });
      state.body = state.source;
    }
  }
  return state.body;
}

/**
 * A stream of the body's bytes to read whole (the reading methods, clone): the observed body's
 * pull-through stream, a branch of an earlier clone, or undefined when the platform's own method
 * must answer (the body is used or locked, or is not observed).
 */
function wholeBody(state: TapState, response: Response): ReadableStream<Uint8Array> | undefined {
  const body = bodyOf(state);
  if (body !== state.source) return body;
  return response.bodyUsed ? undefined : pullThroughOf(body);
}

function body(this: Response): ReadableStream<Uint8Array> | null {
  const state = ResponseSlot.get<TapState>(this);
  if (state === undefined)
    return findBodyGetter(Object.getPrototypeOf(Object.getPrototypeOf(this)))?.call(this) ?? null;
  return bodyOf(state);
}

/** A reading method over the observed body (what the platform's would do over the body). */
function reader<K extends 'text' | 'json' | 'arrayBuffer' | 'blob' | 'bytes' | 'formData'>(name: K) {
  return function (this: Response): Promise<unknown> {
    const state = ResponseSlot.get<TapState>(this);
    const proto = Object.getPrototypeOf(Object.getPrototypeOf(this)) as Record<
      K,
      (this: Response) => Promise<unknown>
    >;
    if (state === undefined) return proto[name].call(this);
    try {
      const stream = wholeBody(state, this);
      if (stream === undefined) return proto[name].call(this);
      // A Response over the stream reads it the platform's way (locked/used → TypeError).
      const view = new Response(stream, { headers: this.headers });
      return (view as unknown as Record<K, () => Promise<unknown>>)[name]();
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** clone(): tee the body; the copy is a Response with this one's url, redirected and type. */
function clone(this: Response): Response {
  const state = ResponseSlot.get<TapState>(this);
  const proto = Object.getPrototypeOf(Object.getPrototypeOf(this)) as { clone(this: Response): Response };
  if (state === undefined) return proto.clone.call(this);
  const stream = wholeBody(state, this);
  if (stream === undefined) return proto.clone.call(this);
  if (stream.locked || this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
  const [mine, theirs] = stream.tee();
  state.body = mine;
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
  ResponseSlot.set<TapState>(response, { call, options, source, body: undefined });
  Object.setPrototypeOf(response, tappingPrototype(base));
  // Until someone asks for the body, a never-read stream ends after the bounded time.
  call.runtime.pending.add(call);
  return response;
}
