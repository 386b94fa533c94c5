// Non-streamed responses: the usage is read from the body the SDK reads anyway, on the same Response
// object. Its reading methods (json, text, arrayBuffer, bytes, blob) are wrapped on the instance, as
// non-enumerable own properties: the first read that completes ends the call. Nothing is cloned,
// teed or rebuilt, and a body that is never read ends the call after a bounded time (PendingBodies).
import { type HeaderSource, parseResponse } from '../adapters/index.js';
import { errorTypeOf, type LlmCall } from '../call.js';

type Reader<T> = (this: Response) => Promise<T>;

interface Observation {
  call: LlmCall;
  json: Reader<unknown>;
  text: Reader<string>;
  arrayBuffer: Reader<ArrayBuffer>;
  bytes: Reader<Uint8Array> | undefined;
  blob: Reader<Blob>;
  clone: (this: Response) => Response;
}

const OBSERVED = new WeakMap<object, Observation>();
const decoder = new TextDecoder();

function finishWithJson(call: LlmCall, json: unknown, response: Response): void {
  if (call.done) return;
  try {
    const info = parseResponse(call.info, json, response.headers as HeaderSource);
    call.finish(info, {
      httpStatus: response.status,
      responseJson: call.runtime.config.captureMessageContent ? json : undefined,
    });
  } catch (error) {
    call.runtime.internalError('response', error);
    call.finish(undefined, { httpStatus: response.status });
  }
}

function finishWithText(call: LlmCall, text: string, response: Response): void {
  if (call.done) return;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON (a malformed or cut body): the call ends without usage; the app sees its own error.
    call.finish(undefined, { httpStatus: response.status });
    return;
  }
  finishWithJson(call, json, response);
}

function finishWithError(call: LlmCall, error: unknown, response: Response): void {
  call.finish(undefined, { httpStatus: response.status, errorType: errorTypeOf(error) });
}

function json(this: Response): Promise<unknown> {
  const o = OBSERVED.get(this);
  if (o === undefined) return Object.getPrototypeOf(this).json.call(this);
  return o.json.call(this).then(
    (value) => {
      finishWithJson(o.call, value, this);
      return value;
    },
    (error: unknown) => {
      // JSON.parse failures reject json() too: that is a body without usage, not a failed call.
      if (error instanceof SyntaxError) o.call.finish(undefined, { httpStatus: this.status });
      else finishWithError(o.call, error, this);
      throw error;
    },
  );
}

function text(this: Response): Promise<string> {
  const o = OBSERVED.get(this);
  if (o === undefined) return Object.getPrototypeOf(this).text.call(this);
  return o.text.call(this).then(
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
  const o = OBSERVED.get(this);
  if (o === undefined) return Object.getPrototypeOf(this).arrayBuffer.call(this);
  return o.arrayBuffer.call(this).then(
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
  const o = OBSERVED.get(this);
  const original = o?.bytes ?? (Object.getPrototypeOf(this).bytes as Reader<Uint8Array>);
  if (o === undefined) return original.call(this);
  return original.call(this).then(
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
  const o = OBSERVED.get(this);
  if (o === undefined) return Object.getPrototypeOf(this).blob.call(this);
  return o.blob.call(this).then(
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
  const o = OBSERVED.get(this);
  if (o === undefined) return Object.getPrototypeOf(this).clone.call(this);
  const copy = o.clone.call(this);
  // Whichever copy is read first ends the call.
  if (!o.call.done) observeBody(copy, o.call);
  return copy;
}

function method<T>(value: T): PropertyDescriptor {
  return { value, writable: true, configurable: true, enumerable: false };
}

const DESCRIPTORS: PropertyDescriptorMap = {
  json: method(json),
  text: method(text),
  arrayBuffer: method(arrayBuffer),
  blob: method(blob),
  clone: method(clone),
};
const DESCRIPTORS_WITH_BYTES: PropertyDescriptorMap = { ...DESCRIPTORS, bytes: method(bytes) };

/** Watch the body reads of a non-streamed response for `call`. The response itself is returned as is. */
export function observeBody(response: Response, call: LlmCall): void {
  const r = response as Response & { bytes?: Reader<Uint8Array> };
  const hasBytes = typeof r.bytes === 'function';
  OBSERVED.set(response, {
    call,
    json: r.json,
    text: r.text,
    arrayBuffer: r.arrayBuffer,
    bytes: hasBytes ? r.bytes : undefined,
    blob: r.blob,
    clone: r.clone,
  });
  Object.defineProperties(response, hasBytes ? DESCRIPTORS_WITH_BYTES : DESCRIPTORS);
  call.runtime.pending.add(call);
}
