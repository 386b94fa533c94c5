// Streamed responses (SSE, Gemini's streamed JSON array, AWS event streams): the bytes pass through
// a pull-based byte stream, untouched and unbuffered. A chunk is read from the network only when
// the consumer asks for one (backpressure), observed by an incremental decoder + stream parser
// (constant memory), then handed on. The call ends at the protocol's terminal event, or at the end
// of the body, an error, or the consumer's cancel(), with the usage seen so far.
//
// The Response the caller gets is a new Response over that stream, with everything the constructor
// cannot set restored on the instance: url, redirected, type and the original (immutable) headers
// object; clone() is kept consistent. status, statusText, ok, body, bodyUsed and the reading
// methods are the platform's own, working on the tapped stream.
import {
  AwsEventStreamDecoder,
  createStreamParser,
  eventStreamMessageToEvent,
  InjectedUsageStreamRewriter,
  JsonArrayStreamDecoder,
  type StreamParser,
} from '../adapters/index.js';
import { errorTypeOf, type LlmCall } from '../call.js';
import { SseDecoder } from '../sse.js';
import { closeByteStream, owned } from './byte-stream.js';

/** Observes (and, for an injected include_usage, rewrites) the bytes of one stream. */
interface ByteObserver {
  /** Observe a chunk; returns the bytes to hand on (the chunk itself unless rewritten), or null for none. */
  push(chunk: Uint8Array): Uint8Array | null;
  /** The body ended; returns bytes still held back (rewriting only). */
  end(): Uint8Array | null;
}

export type StreamFraming = 'sse' | 'json-array' | 'aws-eventstream';

function concat(pieces: Uint8Array[], chunk: Uint8Array): Uint8Array | null {
  if (pieces.length === 0) return null;
  if (pieces.length === 1 && pieces[0] === chunk) return chunk;
  let n = 0;
  for (const p of pieces) n += p.byteLength;
  if (n === 0) return null;
  // Always a fresh buffer: pieces may share one (and a byte stream transfers what it is given).
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function makeObserver(
  framing: StreamFraming,
  parser: StreamParser,
  onTerminal: () => void,
  injected: boolean,
): ByteObserver {
  let stopped = false;
  const onEvent = (data: string, event: string | undefined) => {
    if (stopped) return;
    if (parser.onEvent(data, event)) {
      stopped = true;
      onTerminal();
    }
  };
  if (injected) {
    const rewriter = new InjectedUsageStreamRewriter(onEvent);
    return {
      push: (chunk) => concat(rewriter.push(chunk), chunk),
      end: () => concat(rewriter.end(), EMPTY),
    };
  }
  if (framing === 'json-array') {
    const decoder = new JsonArrayStreamDecoder((element) => onEvent(element, undefined));
    return {
      push(chunk) {
        if (!stopped) decoder.push(chunk);
        return chunk;
      },
      end() {
        decoder.end();
        return null;
      },
    };
  }
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
  const decoder = new SseDecoder(onEvent);
  return {
    push(chunk) {
      if (!stopped) decoder.push(chunk);
      return chunk;
    },
    end() {
      if (!stopped) decoder.end();
      return null;
    },
  };
}

const EMPTY = new Uint8Array(0);

/** Restore on `target` what `new Response()` cannot set, from `source`. */
function restore(
  target: Response,
  source: { url: string; redirected: boolean; type: Response['type']; headers: Headers },
): void {
  Object.defineProperties(target, {
    url: { value: source.url, configurable: true },
    redirected: { value: source.redirected, configurable: true },
    type: { value: source.type, configurable: true },
    headers: { value: source.headers, configurable: true },
    clone: { value: cloneRestored, writable: true, configurable: true },
  });
}

const RESTORED = new WeakMap<
  Response,
  { url: string; redirected: boolean; type: Response['type']; headers: Headers }
>();

function cloneRestored(this: Response): Response {
  const copy = Response.prototype.clone.call(this);
  const source = RESTORED.get(this);
  if (source !== undefined) {
    RESTORED.set(copy, source);
    restore(copy, source);
  }
  return copy;
}

export interface TapOptions {
  framing: StreamFraming;
  /** include_usage was added by tokenmeter: strip its traces from what the caller gets. */
  injected: boolean;
  /** Keep the output text (estimation or content capture). */
  captureText: boolean;
}

/**
 * Tap the body of a streamed response for `call`. Returns the Response to give the caller.
 * Falls back to the original response (the call then ends without usage) if the body cannot be tapped.
 */
export function tapStream(response: Response, call: LlmCall, options: TapOptions): Response {
  const source = response.body;
  if (source === null) {
    call.finish(undefined, { httpStatus: response.status });
    return response;
  }
  const status = response.status;
  const parser = createStreamParser(call.info, options.captureText ? { captureOutputText: true } : undefined);
  const finish = (errorType?: string) => {
    if (call.done) return;
    const result = parser.result();
    call.finish(result, {
      httpStatus: status,
      errorType,
      outputText: options.captureText ? parser.outputText?.() : undefined,
    });
  };
  const observer = makeObserver(options.framing, parser, () => finish(), options.injected);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let observing = true;
  let cancelled = false;
  const runtime = call.runtime;

  const tapped = new ReadableStream(
    {
      type: 'bytes',
      async pull(controller: ReadableByteStreamController) {
        reader ??= source.getReader();
        let result: { done: boolean; value?: Uint8Array };
        try {
          result = await reader.read();
        } catch (error) {
          // The same error object reaches the consumer (an abort keeps its identity).
          finish(errorTypeOf(error));
          if (!cancelled) controller.error(error);
          return;
        }
        if (cancelled) return;
        if (result.done) {
          if (observing) {
            try {
              const rest = observer.end();
              if (rest !== null && rest.byteLength > 0) controller.enqueue(rest);
            } catch (error) {
              runtime.internalError('stream', error);
            }
          }
          finish();
          closeByteStream(controller);
          return;
        }
        const value = result.value as Uint8Array;
        let chunk: Uint8Array | null = value;
        if (call.firstChunkAt === undefined) call.firstChunkAt = performance.now();
        if (observing) {
          try {
            chunk = observer.push(value);
          } catch (error) {
            // Our parser failed: stop observing, pass the original bytes on.
            observing = false;
            runtime.internalError('stream', error);
            chunk = value;
            finish();
          }
        }
        if (chunk !== null && chunk.byteLength > 0) controller.enqueue(owned(chunk));
      },
      cancel(reason) {
        cancelled = true;
        finish();
        return (reader ?? source).cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );

  const wrapped = new Response(tapped, {
    status,
    statusText: response.statusText,
    headers: response.headers,
  });
  const props = {
    url: response.url,
    redirected: response.redirected,
    type: response.type,
    headers: response.headers,
  };
  RESTORED.set(wrapped, props);
  restore(wrapped, props);
  return wrapped;
}
