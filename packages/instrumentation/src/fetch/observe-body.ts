// Non-streamed responses: the usage is read from the body the SDK reads anyway, on the same Response
// object. Its reading methods (json, text, arrayBuffer, bytes, blob) are wrapped on the instance, as
// non-enumerable own properties: the first read that completes ends the call. A reader of
// `response.body` (the Vercel AI SDK reads JSON that way) gets fetch's own body stream, its reads
// observed (stream-reads.ts) and decoded as they pass. Nothing is cloned, teed or rebuilt, and a
// body that is never read ends the call after a bounded time (PendingBodies).
import type { HeaderSource } from '../adapters/index.js';
import { ERROR_TYPE_MALFORMED_RESPONSE, errorTypeOf, type LlmCall } from '../call.js';
import { BodySlot } from './hidden-slot.js';
import { type BodyObserver, observeReads } from './stream-reads.js';

type Reader<T> = (this: Response) => Promise<T>;

interface Observation {
  call: LlmCall;
  /** The tapped `body`, once someone asked for it (null: the response has no `body` getter). */
  tapped: ReadableStream<Uint8Array> | null | undefined;
  /** The Response prototype ours derives from: the platform's reading methods, looked up when called. */
  base: ResponseMethods;
}

/** The reading methods of a Response prototype (the platform's, below ours). */
interface ResponseMethods {
  json: Reader<unknown>;
  text: Reader<string>;
  arrayBuffer: Reader<ArrayBuffer>;
  bytes?: Reader<Uint8Array>;
  blob: Reader<Blob>;
  clone: (this: Response) => Response;
}

const decoder = new TextDecoder();

function finishWithJson(call: LlmCall, json: unknown, response: Response): void {
  if (!call.done) call.finishWithJson(json, response.status, response.headers as HeaderSource);
}

function finishWithText(call: LlmCall, text: string, response: Response): void {
  if (!call.done) call.finishWithText(text, response.status, response.headers as HeaderSource);
}

function finishWithError(call: LlmCall, error: unknown, response: Response): void {
  call.finish(undefined, { httpStatus: response.status, errorType: errorTypeOf(error) });
}

function json(this: Response): Promise<unknown> {
  const o = BodySlot.get<Observation>(this);
  if (o === undefined) return baseOf(this).json.call(this);
  return o.base.json.call(this).then(
    (value) => {
      finishWithJson(o.call, value, this);
      return value;
    },
    (error: unknown) => {
      // JSON.parse failures reject json() too: the body, not the transfer, is broken.
      if (error instanceof SyntaxError)
        o.call.finish(undefined, { httpStatus: this.status, errorType: ERROR_TYPE_MALFORMED_RESPONSE });
      else finishWithError(o.call, error, this);
      throw error;
    },
  );
}

function text(this: Response): Promise<string> {
  const o = BodySlot.get<Observation>(this);
  if (o === undefined) return baseOf(this).text.call(this);
  return o.base.text.call(this).then(
    (value) => {
      finishWithText(o.call, value, this);
      return value;
    },
    (error: unknown) => {
      finishWithError(o.call, error, this);
      throw error;
    },
  );
}

function arrayBuffer(this: Response): Promise<ArrayBuffer> {
  const o = BodySlot.get<Observation>(this);
  if (o === undefined) return baseOf(this).arrayBuffer.call(this);
  return o.base.arrayBuffer.call(this).then(
    (value) => {
      if (!o.call.done) finishWithText(o.call, decoder.decode(value), this);
      return value;
    },
    (error: unknown) => {
      finishWithError(o.call, error, this);
      throw error;
    },
  );
}

function bytes(this: Response): Promise<Uint8Array> {
  const o = BodySlot.get<Observation>(this);
  if (o === undefined) return baseOf(this).bytes.call(this);
  return o.base.bytes!.call(this).then(
    (value) => {
      if (!o.call.done) finishWithText(o.call, decoder.decode(value), this);
      return value;
    },
    (error: unknown) => {
      finishWithError(o.call, error, this);
      throw error;
    },
  );
}

function blob(this: Response): Promise<Blob> {
  const o = BodySlot.get<Observation>(this);
  if (o === undefined) return baseOf(this).blob.call(this);
  return o.base.blob.call(this).then(
    (value) => {
      if (!o.call.done) {
        value.text().then(
          (t) => finishWithText(o.call, t, this),
          () => o.call.finish(undefined, { httpStatus: this.status }),
        );
      }
      return value;
    },
    (error: unknown) => {
      finishWithError(o.call, error, this);
      throw error;
    },
  );
}

function clone(this: Response): Response {
  const o = BodySlot.get<Observation>(this);
  if (o === undefined) return baseOf(this).clone.call(this);
  const copy = o.base.clone.call(this);
  // Whichever copy is read first ends the call.
  if (!o.call.done) observeBody(copy, o.call);
  return copy;
}

/** Largest JSON body decoded from a `body` reader; past it the call ends without usage. */
const MAX_TAPPED_JSON_CHARS = 64 * 1024 * 1024;

/** A JSON body read through `response.body`: bytes pass on untouched, decoded text is kept. */
function jsonObserver(call: LlmCall, response: Response): BodyObserver {
  const textDecoder = new TextDecoder();
  let parts: string[] | null = [];
  let chars = 0;
  return {
    rewrites: false,
    chunk(chunk) {
      if (parts !== null) {
        try {
          const text = textDecoder.decode(chunk, { stream: true });
          chars += text.length;
          if (chars > MAX_TAPPED_JSON_CHARS) parts = null;
          else parts.push(text);
        } catch (error) {
          parts = null;
          call.runtime.internalError('response', error);
        }
      }
      return chunk;
    },
    end() {
      if (parts !== null && !call.done) {
        try {
          parts.push(textDecoder.decode());
          finishWithText(call, parts.join(''), response);
        } catch (error) {
          call.runtime.internalError('response', error);
        }
      }
      parts = null;
      call.finish(undefined, { httpStatus: response.status });
      return null;
    },
    error(error) {
      parts = null;
      finishWithError(call, error, response);
      return null;
    },
    cancel() {
      parts = null;
      call.finish(undefined, { httpStatus: response.status });
    },
    internalError(error) {
      call.runtime.internalError('response', error);
    },
  };
}

function body(this: Response): ReadableStream<Uint8Array> | null {
  const o = BodySlot.get<Observation>(this);
  if (o === undefined) return nativeBodyGetter(baseOf(this))?.call(this) ?? null;
  if (o.tapped !== undefined) return o.tapped;
  const source = nativeBodyGetter(o.base)!.call(this);
  if (source === null || o.call.done) {
    o.tapped = source;
    return source;
  }
  try {
    o.tapped = observeReads(source, jsonObserver(o.call, this));
  } catch (error) {
    o.call.runtime.internalError('response', error);
    o.tapped = source;
  }
  return o.tapped;
}

const bodyGetters = new WeakMap<
  object,
  ((this: Response) => ReadableStream<Uint8Array> | null) | undefined
>();

/** The `body` getter of a Response prototype (undici's, or another fetch implementation's). */
function nativeBodyGetter(
  proto: object | null,
): ((this: Response) => ReadableStream<Uint8Array> | null) | undefined {
  if (proto === null) return undefined;
  if (bodyGetters.has(proto)) return bodyGetters.get(proto);
  let getter: ((this: Response) => ReadableStream<Uint8Array> | null) | undefined;
  for (let p: object | null = proto; p !== null && getter === undefined; p = Object.getPrototypeOf(p)) {
    getter = Object.getOwnPropertyDescriptor(p, 'body')?.get;
  }
  bodyGetters.set(proto, getter);
  return getter;
}

function method<T>(value: T): PropertyDescriptor {
  return { value, writable: true, configurable: true, enumerable: false };
}

const DESCRIPTORS: PropertyDescriptorMap = {
  body: { get: body, configurable: true, enumerable: false },
  json: method(json),
  text: method(text),
  arrayBuffer: method(arrayBuffer),
  blob: method(blob),
  clone: method(clone),
};

/** Our observing prototypes (each derives from one Response prototype). */
const OURS = new WeakSet<object>();
/** base prototype → [observing prototype with `body`, without] */
const DERIVED = new WeakMap<object, [object | undefined, object | undefined]>();

/** The Response prototype below ours (where the platform's methods are). */
// biome-ignore lint/suspicious/noExplicitAny: the platform's Response methods, looked up by name
function baseOf(response: object): any {
  let p = Object.getPrototypeOf(response) as object | null;
  while (p !== null && OURS.has(p)) p = Object.getPrototypeOf(p) as object | null;
  return p ?? {};
}

function derived(base: object, withBody: boolean): object {
  let pair = DERIVED.get(base);
  if (pair === undefined) {
    pair = [undefined, undefined];
    DERIVED.set(base, pair);
  }
  const i = withBody ? 0 : 1;
  let proto = pair[i];
  if (proto === undefined) {
    const { body: bodyDescriptor, ...methods } = DESCRIPTORS;
    const descriptors: PropertyDescriptorMap = withBody ? { body: bodyDescriptor!, ...methods } : methods;
    if (typeof (base as { bytes?: unknown }).bytes === 'function') descriptors.bytes = method(bytes);
    proto = Object.create(base, descriptors) as object;
    OURS.add(proto);
    pair[i] = proto;
  }
  return proto;
}

/**
 * Watch the body reads of a non-streamed response for `call`. The response itself is returned as
 * is; its prototype becomes one derived from its own, overriding the reading methods (one
 * prototype switch: cheaper than defining properties on the instance, and invisible to
 * `Object.keys` and `instanceof`).
 */
export function observeBody(response: Response, call: LlmCall): void {
  const base = Object.getPrototypeOf(response) as object | null;
  if (base === null) return;
  if (base !== last.base) lastFor(base);
  BodySlot.set<Observation>(response, { call, tapped: last.tapped, base: base as ResponseMethods });
  Object.setPrototypeOf(response, last.proto);
  call.runtime.pending.add(call);
}

/**
 * The last Response prototype observed and what observing one of its instances takes: responses in a
 * row share it (undici's), so a call compares one object instead of looking up three WeakMaps.
 */
const last: { base: object | null; proto: object | null; tapped: null | undefined } = {
  base: null,
  proto: null,
  tapped: undefined,
};

function lastFor(base: object): void {
  // No `body` getter: not a WHATWG Response (node-fetch 2 in openai 4); its methods are observed.
  const hasBody = nativeBodyGetter(base) !== undefined;
  last.proto = derived(base, hasBody);
  last.tapped = hasBody ? undefined : null;
  last.base = base;
}
