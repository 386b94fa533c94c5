// @aws-sdk/client-bedrock-runtime does not use fetch: it sends through its own middleware stack
// (HTTP/2 by default). On a client's first `send`, a middleware is added at the deserialize step,
// where it sees each HTTP attempt: the signed request (host), the raw response (status, the
// `x-amzn-bedrock-*-token-count` headers of InvokeModel) and the parsed output. It produces the same
// CallRecord and span as the fetch path:
// - ConverseCommand: usage from the output; InvokeModelCommand: the family's body, else the headers.
// - ConverseStreamCommand / InvokeModelWithResponseStreamCommand: the output's event stream is
//   wrapped so that events pass through as they are; the call ends at the terminal event (metadata,
//   invocation metrics), the end of the stream, an error (rethrown as is) or the consumer's break.
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import {
  createStreamParser,
  type HeaderSource,
  parseResponse,
  type RequestInfo,
  recognizeBedrockCommand,
} from '../adapters/index.js';
import { errorTypeOf, LlmCall } from '../call.js';
import type { TokenmeterRuntime } from '../runtime.js';
import { BEDROCK_SDK, versionRange } from '../supported-sdks.js';
import {
  budgetMiddleware,
  decideBedrock,
  PENDING_BUDGET,
  type PendingBudget,
  pendingOf,
  type ThrottlingCtor,
} from './bedrock-budget.js';
import { findClass } from './client-property.js';

export const BEDROCK_MODULE = BEDROCK_SDK.name;
export const BEDROCK_VERSIONS = [versionRange(BEDROCK_SDK)];

const MIDDLEWARE_NAME = 'tokenmeterInstrumentationMiddleware';
const BUDGET_MIDDLEWARE_NAME = 'tokenmeterBudgetMiddleware';
const ADDED = Symbol.for('tokenmeter.instrumentation.bedrock.middleware');
const ORIGINAL_SEND = Symbol.for('tokenmeter.instrumentation.bedrock.send');

interface HttpRequestLike {
  hostname?: string;
  port?: number;
  protocol?: string;
}

interface HttpResponseLike {
  statusCode?: number;
  headers?: Record<string, string>;
}

interface MiddlewareStackLike {
  add(middleware: unknown, options: Record<string, unknown>): void;
}

type Handler = (args: {
  input: unknown;
  request?: unknown;
}) => Promise<{ response: unknown; output: unknown }>;

const decoder = new TextDecoder();

function serverOf(request: unknown): { host?: string; port?: number } {
  const r = request as HttpRequestLike | undefined;
  if (r === undefined || typeof r.hostname !== 'string') return {};
  const port = typeof r.port === 'number' ? r.port : r.protocol === 'http:' ? 80 : 443;
  return { host: r.hostname, port };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata
    ?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Parse an InvokeModel body (bytes) as JSON; undefined when it is not JSON. */
function invokeBody(body: unknown): unknown {
  try {
    if (body instanceof Uint8Array) return JSON.parse(decoder.decode(body));
    if (typeof body === 'string') return JSON.parse(body);
  } catch {
    // not JSON (an embedding in another format, or a cut body)
  }
  return undefined;
}

function wrapEvents(source: AsyncIterable<unknown>, call: LlmCall): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = source[Symbol.asyncIterator]();
      const streamParser = createStreamParser(
        call.info,
        call.runtime.config.captureMessageContent ? { captureOutputText: true } : undefined,
      );
      let ended = false;
      const end = (errorType?: string) => {
        if (ended) return;
        ended = true;
        call.finish(streamParser.result(), { errorType, outputText: streamParser.outputText?.() });
      };
      return {
        async next(...args: [] | [unknown]) {
          let item: IteratorResult<unknown>;
          try {
            item = await iterator.next(...args);
          } catch (error) {
            end(errorTypeOf(error));
            throw error;
          }
          if (item.done) {
            end();
            return item;
          }
          if (!ended) {
            if (call.firstChunkAt === undefined) call.firstChunkAt = performance.now();
            try {
              if (streamParser.onBedrockEvent?.(item.value)) end();
            } catch (error) {
              call.runtime.internalError('stream', error);
              end();
            }
          }
          return item;
        },
        async return(value?: unknown) {
          end();
          if (typeof iterator.return === 'function') return iterator.return(value);
          return { done: true, value };
        },
        async throw(error?: unknown) {
          end(errorTypeOf(error));
          if (typeof iterator.throw === 'function') return iterator.throw(error);
          throw error;
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      } as AsyncIterableIterator<unknown>;
    },
  };
}

/** Attach the budget decision of this attempt to its call: the one made above the retry step, else a new one. */
async function attachBudget(
  rt: TokenmeterRuntime,
  call: LlmCall,
  context: { [PENDING_BUDGET]?: PendingBudget | undefined },
  input: unknown,
  Throttling: ThrottlingCtor | undefined,
): Promise<Error | undefined> {
  let pending = context[PENDING_BUDGET];
  context[PENDING_BUDGET] = undefined;
  const hook = rt.beforeSend;
  if (pending === undefined) {
    if (hook === undefined) return undefined;
    // A retried attempt: asked again (a block here is one more local answer, never a request).
    const { decision, error } = await decideBedrock(rt, hook, call.info, input, Throttling);
    if (error !== undefined) return error;
    pending = pendingOf(decision, call.info.requestModel);
  }
  call.budgetNote = pending.note;
  call.budgetSettle = pending.settle;
  return undefined;
}

function middleware(runtime: () => TokenmeterRuntime, throttlingClass: () => ThrottlingCtor | undefined) {
  return (next: Handler, context: { commandName?: string; [PENDING_BUDGET]?: PendingBudget }) =>
    async (args: { input: unknown; request?: unknown }) => {
      const rt = runtime();
      let call: LlmCall | undefined;
      try {
        if (rt.enabled) {
          const server = serverOf(args.request);
          const info: RequestInfo | null = recognizeBedrockCommand(
            context.commandName ?? '',
            args.input,
            server,
          );
          if (info !== null) {
            call = new LlmCall(rt, info, {
              requestBody: rt.config.captureMessageContent ? args.input : undefined,
            });
          }
        }
      } catch (error) {
        rt.internalError('bedrock', error);
        call = undefined;
      }
      if (call === undefined) return next(args);
      if (rt.beforeSend !== undefined || context[PENDING_BUDGET] !== undefined) {
        const blocked = await attachBudget(rt, call, context, args.input, throttlingClass());
        if (blocked !== undefined) throw blocked;
      }
      let result: { response: unknown; output: unknown };
      try {
        result = await next(args);
      } catch (error) {
        const status = statusOf(error);
        call.finish(undefined, {
          errorType: status !== undefined && status >= 400 ? String(status) : errorTypeOf(error),
          httpStatus: status,
        });
        throw error;
      }
      try {
        call.onHeaders();
        const response = result.response as HttpResponseLike | undefined;
        const status = response?.statusCode;
        const output = result.output as Record<string, unknown> | undefined;
        const info = call.info;
        if (info.stream && output !== undefined) {
          const key = info.api === 'bedrock.converse' ? 'stream' : 'body';
          const events = output[key] as AsyncIterable<unknown> | undefined;
          if (events !== undefined && typeof events[Symbol.asyncIterator] === 'function') {
            output[key] = wrapEvents(events, call);
          } else {
            call.finish(undefined, { httpStatus: status });
          }
        } else {
          const json = info.api === 'bedrock.converse' ? output : invokeBody(output?.body);
          call.finish(parseResponse(info, json, response?.headers as HeaderSource | undefined), {
            httpStatus: status,
            responseJson: rt.config.captureMessageContent ? json : undefined,
          });
        }
      } catch (error) {
        rt.internalError('bedrock', error);
        call.finish(undefined);
      }
      return result;
    };
}

type SendFn = ((this: { middlewareStack?: MiddlewareStackLike }, ...args: unknown[]) => unknown) & {
  [ORIGINAL_SEND]?: SendFn;
};

export function bedrockModule(runtime: () => TokenmeterRuntime): InstrumentationNodeModuleDefinition {
  let Throttling: ThrottlingCtor | undefined;
  const throttlingClass = () => Throttling;
  const mw = middleware(runtime, throttlingClass);
  const budget = budgetMiddleware(runtime, throttlingClass);
  return new InstrumentationNodeModuleDefinition(
    BEDROCK_MODULE,
    BEDROCK_VERSIONS,
    (exports) => {
      Throttling = findClass(exports, 'ThrottlingException') as ThrottlingCtor | undefined;
      const Client = findClass(exports, 'BedrockRuntimeClient');
      if (Client === undefined) return exports;
      const proto = Client.prototype as { send?: SendFn };
      const original = proto.send;
      if (typeof original !== 'function' || original[ORIGINAL_SEND] !== undefined) return exports;
      const send: SendFn = function (
        this: { middlewareStack?: MiddlewareStackLike; [ADDED]?: true },
        ...args
      ) {
        if (this[ADDED] === undefined) {
          try {
            this[ADDED] = true;
            this.middlewareStack?.add(mw, {
              step: 'deserialize',
              name: MIDDLEWARE_NAME,
              priority: 'high',
              override: true,
            });
            // Above the retry step: a blocked command is not retried.
            this.middlewareStack?.add(budget, {
              step: 'initialize',
              name: BUDGET_MIDDLEWARE_NAME,
              priority: 'high',
              override: true,
            });
          } catch (error) {
            runtime().internalError('bedrock', error);
          }
        }
        return original.apply(this, args);
      };
      send[ORIGINAL_SEND] = original;
      proto.send = send;
      return exports;
    },
    (exports) => {
      const Client = findClass(exports, 'BedrockRuntimeClient');
      const proto = Client?.prototype as { send?: SendFn } | undefined;
      const current = proto?.send;
      if (proto !== undefined && current?.[ORIGINAL_SEND] !== undefined) {
        // The original is inherited from the SDK's base Client: remove our own property.
        if (Object.hasOwn(proto, 'send')) delete proto.send;
        if (proto.send !== current[ORIGINAL_SEND]) proto.send = current[ORIGINAL_SEND];
      }
    },
  );
}
