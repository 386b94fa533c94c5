// The one capture point: a fetch wrapper. Every fetch of the app goes through it when the global
// fetch is instrumented, so the path for anything that is not an LLM call is a method check (and,
// for POSTs, one URL parse and a host lookup) before the original fetch is called with the very
// same arguments. An LLM call gets a CLIENT span (not made the active context), its body parsed
// once, and its response observed: non-streamed bodies on the same Response object, streams
// through a pull-based tap. Errors and aborts reach the caller as the same objects. Nothing of
// ours throws into the app: on our own failure the call goes on as if uninstrumented.
import { context, createContextKey } from '@opentelemetry/api';
import {
  AI_GATEWAY_LITELLM,
  AI_GATEWAY_PORTKEY,
  gatewayCacheHit,
  gatewayFromHeaders,
  headerReportedCost,
  PORTKEY_CONFIG_HEADER,
  PORTKEY_PROVIDER_HEADER,
  portkeyProvider,
} from '../adapters/gateways.js';
import {
  endsLikeBatchGet,
  isOpenAIStreamFormat,
  mayBeBatchJob,
  mayBeBatchResults,
  planStreamUsageInjection,
  type RecognizeOptions,
  type RequestInfo,
  recognizeUrl,
  requestInfoOf,
  type UrlMatch,
} from '../adapters/index.js';
import { errorTypeOf, LlmCall } from '../call.js';
import { type FetchFn, getDefaultRuntime, type TokenmeterRuntime } from '../runtime.js';
import { batchDownload } from './batch-download.js';
import { batchJob } from './batch-jobs.js';
import { checkBudget, type Send } from './budget.js';
import { INSTRUMENTED, isInstrumented } from './instrumented-mark.js';
import { observeBody } from './observe-body.js';
import { bodyTextOf, canReplaceBody, methodOf, parseBody, requestHeader, urlOf } from './request.js';
import { type StreamFraming, tapStream } from './tap-stream.js';

export { INSTRUMENTED, isInstrumented, unwrapFetch } from './instrumented-mark.js';

/**
 * Context key set while a client-level wrapper runs a user's own fetch: the global wrapper then
 * passes the call through, so one HTTP call makes one span even when the user's fetch calls the
 * (instrumented) global fetch.
 */
const SUPPRESS = createContextKey('tokenmeter.instrumentation.suppress');

export interface InstrumentFetchOptions {
  /**
   * The wrapper is the global fetch: it honours the suppression of a client-level wrapper of a
   * custom fetch. Set by TokenmeterInstrumentation.
   */
  global?: boolean;
}

/** Wrappers made so far, per runtime and kind (client-level or global). */
const wrappers = new WeakMap<TokenmeterRuntime, [WeakMap<FetchFn, FetchFn>, WeakMap<FetchFn, FetchFn>]>();

/**
 * Wrap a fetch so that every LLM call made through it becomes a priced GenAI span, a CallRecord and
 * metrics. Idempotent: an instrumented fetch is returned as is, and wrapping the same function
 * twice returns the same wrapper.
 * @param fetchImpl the fetch to wrap (a client's own, or `globalThis.fetch`).
 * @param runtime the runtime to report to; default: one configured from env vars.
 */
export function instrumentFetch<F extends FetchFn>(
  fetchImpl: F,
  runtime: TokenmeterRuntime = getDefaultRuntime(),
  options: InstrumentFetchOptions = {},
): F {
  if (typeof fetchImpl !== 'function' || isInstrumented(fetchImpl)) return fetchImpl;
  const global = options.global === true;
  let caches = wrappers.get(runtime);
  if (caches === undefined) {
    caches = [new WeakMap(), new WeakMap()];
    wrappers.set(runtime, caches);
  }
  const cache = caches[global ? 1 : 0];
  const cached = cache.get(fetchImpl);
  if (cached !== undefined) return cached as F;
  const original: FetchFn = fetchImpl;

  function fetch(this: unknown, ...args: unknown[]): Promise<Response> {
    if (!runtime.enabled) return Reflect.apply(original, this, args);
    const input = args[0];
    const init = args[1];
    // Fast path: only POSTs are inference calls (the usual GET has no init.method at all); of such
    // a GET, only a batch read or results download is observed, told by the URL's path end (no parse).
    const m = (init as { method?: unknown } | null | undefined)?.method;
    if (m === undefined && typeof input === 'string')
      return endsLikeBatchGet(input)
        ? batchGet(runtime, original, this, args, global)
        : Reflect.apply(original, this, args);
    const method = methodOf(input, init);
    if (method !== 'POST') {
      // A batch read or a download of its results (its results are calls); any other non-POST goes straight on.
      if (method.length === 3 && mayBeBatchGet(method, input))
        return batchGet(runtime, original, this, args, global);
      return Reflect.apply(original, this, args);
    }
    return post(runtime, original, this, args, input, init, global);
  }
  Object.defineProperty(fetch, INSTRUMENTED, { value: original });
  cache.set(fetchImpl, fetch as FetchFn);
  return fetch as F;
}

/** A GET whose URL may be a batch read or a results download (a few string checks, no URL parse). */
function mayBeBatchGet(method: string, input: unknown): boolean {
  if (method !== 'GET' && method.toUpperCase() !== 'GET') return false;
  const href =
    typeof input === 'string'
      ? input
      : input instanceof URL
        ? input.href
        : (input as { url?: unknown } | null)?.url;
  return typeof href === 'string' && (mayBeBatchResults(href) || mayBeBatchJob(href));
}

/**
 * Sends a request tokenmeter observes (a batch request) the way `dispatch` sends an LLM call: a
 * client-level wrapper of the user's own fetch suppresses the global wrapper, so one request is
 * observed once. Undefined when this wrapper is the suppressed global one (the request goes on as is).
 */
function observedSend(
  runtime: TokenmeterRuntime,
  original: FetchFn,
  self: unknown,
  args: unknown[],
  global: boolean,
): (() => Promise<Response>) | undefined {
  if (global) {
    if (context.active().getValue(SUPPRESS) === true) return undefined;
    return () => Reflect.apply(original, self, args);
  }
  if (runtime.globalWrapper === undefined || runtime.isGlobalFetch(original))
    return () => Reflect.apply(original, self, args);
  return () =>
    context.with(context.active().setValue(SUPPRESS, true), () => Reflect.apply(original, self, args));
}

/** A GET that may read a batch or download its results: observed when it does, else straight on. */
function batchGet(
  runtime: TokenmeterRuntime,
  original: FetchFn,
  self: unknown,
  args: unknown[],
  global: boolean,
): Promise<Response> {
  const url = urlOf(args[0]);
  const send = url && observedSend(runtime, original, self, args, global);
  if (!url || !send) return Reflect.apply(original, self, args);
  return batchJob(runtime, send, url, 'GET') ?? batchDownload(runtime, send, url);
}

/** A POST that is no LLM call: a batch creation is observed, anything else goes straight on. */
function batchPost(
  runtime: TokenmeterRuntime,
  original: FetchFn,
  self: unknown,
  args: unknown[],
  url: URL,
  global: boolean,
): Promise<Response> {
  const send = mayBeBatchJob(url.pathname) ? observedSend(runtime, original, self, args, global) : undefined;
  return (send && batchJob(runtime, send, url, 'POST')) ?? passThrough(original, self, args);
}

/** What a POST's URL is, for the recognize options it was recognised with. */
interface KnownUrl {
  readonly options: RecognizeOptions;
  readonly match: UrlMatch | null;
  /** The URL's origin, when it is an LLM call's. */
  readonly origin: string | undefined;
}

/**
 * The URLs tokenmeter parsed itself (from a string or a Request's url: `urlOf` keeps them, and nothing
 * changes them), recognised once per URL and options instead of once per call: an app calls the same
 * few URLs again and again.
 */
const knownUrls = new WeakMap<URL, KnownUrl>();

function knownUrl(url: URL, input: unknown, options: RecognizeOptions): KnownUrl {
  // A URL object the app passed may change between calls: recognised each time.
  const own = !(input instanceof URL);
  if (own) {
    const known = knownUrls.get(url);
    if (known !== undefined && known.options === options) return known;
  }
  const match = recognizeUrl(url, options);
  const known: KnownUrl = { options, match, origin: match === null ? undefined : url.origin };
  if (own) knownUrls.set(url, known);
  return known;
}

function passThrough(original: FetchFn, self: unknown, args: unknown[]): Promise<Response> {
  return Reflect.apply(original, self, args);
}

function post(
  runtime: TokenmeterRuntime,
  original: FetchFn,
  self: unknown,
  args: unknown[],
  input: unknown,
  init: unknown,
  global: boolean,
): Promise<Response> {
  let call: LlmCall;
  let url: URL;
  let bodyText: string | undefined;
  let body: Record<string, unknown> | undefined;
  let askedForUsage = false;
  let custom = false;
  try {
    const parsed = urlOf(input);
    if (parsed === undefined) return passThrough(original, self, args);
    url = parsed;
    // The URL is recognised once (per URL, not per call); the body is read into what the URL said.
    const known = knownUrl(url, input, runtime.recognizeOptions);
    const match = known.match;
    if (match === null) return batchPost(runtime, original, self, args, url, global);
    const active = context.active();
    if (global && active.getValue(SUPPRESS) === true) return passThrough(original, self, args);
    bodyText = bodyTextOf(input, init);
    body = parseBody(bodyText);
    const info = requestInfoOf(match, url, body);
    if (info === null) return passThrough(original, self, args);
    if (info.providerFromModel !== undefined) portkeyNamesProvider(info, input, init);
    const learned =
      info.providerFromModel === 'first' && info.gateway === undefined
        ? knownGateway(runtime, info, known.origin)
        : undefined;
    const config = runtime.config;
    const openaiStream = info.stream && isOpenAIStreamFormat(info);
    if (openaiStream) askedForUsage = includeUsageOf(body) === true;
    // A format whose provider reports no usage (Gemini API embeddings) is counted from the request.
    const countRequest = match.format.reportsNoUsage === true;
    const keepBody =
      config.captureMessageContent ||
      countRequest ||
      (openaiStream && config.openaiStreamUsage !== 'off' && !askedForUsage);
    call = new LlmCall(runtime, info, {
      requestBody: keepBody ? body : undefined,
      requestText: keepBody ? bodyText : undefined,
      origin: known.origin,
      context: active,
    });
    if (countRequest) call.estimateIfMissing = true;
    if (learned !== undefined) call.gateway = learned;
    custom = !global && runtime.globalWrapper !== undefined && !runtime.isGlobalFetch(original);
  } catch (error) {
    runtime.internalError('fetch', error);
    return passThrough(original, self, args);
  }
  const hook = runtime.beforeSend;
  // No budget: straight on, nothing allocated for the hook.
  if (hook === undefined)
    return dispatch(original, self, args, init, call, bodyText, body, askedForUsage, custom);
  const send: Send = (a, i, text, json) =>
    dispatch(original, self, a, i, call, text, json, askedForUsage, custom);
  return checkBudget(hook, call, { url, input, init, args, bodyText, body }, send);
}

/** Sends the call (with usage asked for, when the stream needs it) and observes its response. */
function dispatch(
  original: FetchFn,
  self: unknown,
  args: unknown[],
  init: unknown,
  call: LlmCall,
  bodyText: string | undefined,
  body: Record<string, unknown> | undefined,
  askedForUsage: boolean,
  custom: boolean,
): Promise<Response> {
  let callArgs: unknown[] = args;
  let injected = false;
  try {
    const info = call.info;
    if (
      info.stream &&
      call.runtime.config.openaiStreamUsage === 'inject' &&
      bodyText !== undefined &&
      canReplaceBody(args[0], init)
    ) {
      const plan = planStreamUsageInjection(info, bodyText, 'inject', body);
      if (plan !== null) {
        const copy = args.slice();
        copy[1] = { ...(init as object), body: plan.body };
        callArgs = copy;
        injected = true;
      }
    }
  } catch (error) {
    call.runtime.internalError('fetch', error);
    callArgs = args;
    injected = false;
  }

  let pending: Promise<Response>;
  try {
    pending = custom
      ? context.with(context.active().setValue(SUPPRESS, true), () => Reflect.apply(original, self, callArgs))
      : Reflect.apply(original, self, callArgs);
  } catch (error) {
    // fetch threw synchronously (invalid arguments): the same error, as without tokenmeter.
    call.finish(undefined, { errorType: errorTypeOf(error) });
    throw error;
  }
  return Promise.resolve(pending).then(
    (response) => onResponse(call, response, injected, askedForUsage),
    (error: unknown) => {
      call.finish(undefined, { errorType: errorTypeOf(error) });
      throw error;
    },
  );
}

/**
 * A call through Portkey (its host, or any gateway or unknown host: a self-hosted Portkey) whose
 * request headers name the provider it relays to: that provider prices it, then the model's.
 */
function portkeyNamesProvider(info: RequestInfo, input: unknown, init: unknown): void {
  const provider = portkeyProvider(
    requestHeader(input, init, PORTKEY_PROVIDER_HEADER),
    requestHeader(input, init, PORTKEY_CONFIG_HEADER),
  );
  if (provider === undefined) return;
  info.provider = provider;
  info.providerFromModel = 'fallback';
  info.gateway ??= AI_GATEWAY_PORTKEY;
}

/** An unknown host whose earlier response named its gateway: a LiteLLM proxy accepts include_usage. */
function knownGateway(
  runtime: TokenmeterRuntime,
  info: RequestInfo,
  origin: string | undefined,
): string | undefined {
  const gateway = origin === undefined ? undefined : runtime.gatewayAt(origin);
  if (gateway === AI_GATEWAY_LITELLM) info.streamOptions = true;
  return gateway;
}

/**
 * What the response headers say about a call that did not go to a provider's own host: the gateway
 * they name (remembered for the origin's next calls), the provider Portkey says served it, an
 * answer from the gateway's cache (no cost), and the cost a gateway reports in a header
 * (non-streamed responses: a stream's headers leave before its cost is known).
 */
function readGatewayHeaders(call: LlmCall, headers: Headers): void {
  const info = call.info;
  // A gateway the URL names stays; otherwise the headers of this very response say which one.
  if (info.gateway === undefined) {
    const named = gatewayFromHeaders(headers);
    if (named !== undefined) {
      call.gateway = named;
      if (call.origin !== undefined) call.runtime.learnGateway(call.origin, named);
    }
  }
  const gateway = call.gateway;
  if (gateway === undefined) return;
  if (gateway === AI_GATEWAY_PORTKEY) portkeyServedBy(info, headers);
  if (gatewayCacheHit(gateway, headers)) call.gatewayCacheHit = true;
  else if (!info.stream) call.headerCostNanos = headerReportedCost(headers);
}

/**
 * Portkey names the provider that served a call in its response (`x-portkey-provider`, the target
 * it ended on after fallbacks or load balancing): that provider prices the call, then the model's,
 * even when the request named none (a virtual key, a saved config) or another one.
 */
function portkeyServedBy(info: RequestInfo, headers: Headers): void {
  const served = portkeyProvider(headers.get(PORTKEY_PROVIDER_HEADER) ?? undefined, undefined);
  if (served === undefined) return;
  info.provider = served;
  info.providerFromModel = 'fallback';
}

function includeUsageOf(body: unknown): unknown {
  const options = (body as { stream_options?: unknown } | undefined)?.stream_options;
  return typeof options === 'object' && options !== null
    ? (options as { include_usage?: unknown }).include_usage
    : undefined;
}

function framingOf(info: RequestInfo, contentType: string | null): StreamFraming | undefined {
  if (contentType !== null) {
    if (contentType.includes('text/event-stream')) return 'sse';
    if (contentType.includes('application/vnd.amazon.eventstream')) return 'aws-eventstream';
  }
  if (info.stream && info.streamFormat === 'json-array') return 'json-array';
  if (info.stream && info.streamFormat === 'aws-eventstream') return 'aws-eventstream';
  if (info.stream && info.streamFormat === 'ndjson') return 'ndjson';
  return undefined;
}

/**
 * The response says how long its body is (a `content-length` on an identity-encoded body; under a
 * content-encoding the length never matched the decoded bytes). Removing the include_usage traces
 * would make the body shorter than the header says, so tokenmeter steps aside for such a response:
 * the app reads the server's own bytes, the traces included.
 */
function declaresBodyLength(headers: Headers): boolean {
  if (headers.get('content-length') === null) return false;
  const encoding = headers.get('content-encoding');
  return encoding === null || encoding.trim().toLowerCase() === 'identity';
}

function onResponse(call: LlmCall, response: Response, injected: boolean, askedForUsage: boolean): Response {
  try {
    call.onHeaders();
    if (typeof response !== 'object' || response === null || typeof response.status !== 'number') {
      call.finish(undefined);
      return response;
    }
    const status = response.status;
    if (call.info.providerFromModel !== undefined) readGatewayHeaders(call, response.headers);
    if (status >= 400) {
      // The SDK reads the error body itself: it is not touched.
      call.finish(undefined, { httpStatus: status, errorType: String(status) });
      return response;
    }
    const framing = framingOf(call.info, response.headers.get('content-type'));
    if (framing !== undefined) {
      const config = call.runtime.config;
      // Usage will not come (the caller did not ask for it and we could not add the option): keep
      // the output text to count it locally if the stream ends without usage after all.
      call.estimateIfMissing =
        isOpenAIStreamFormat(call.info) && config.openaiStreamUsage !== 'off' && !injected && !askedForUsage;
      return tapStream(response, call, {
        framing,
        injected: injected && !declaresBodyLength(response.headers),
        captureText: call.estimateIfMissing || config.captureMessageContent,
      });
    }
    if (response.body === null) {
      call.finish(undefined, { httpStatus: status });
      return response;
    }
    observeBody(response, call);
    return response;
  } catch (error) {
    call.runtime.internalError('fetch', error);
    call.finish(undefined);
    return response;
  }
}
