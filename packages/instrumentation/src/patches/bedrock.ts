// @aws-sdk/client-bedrock-runtime does not use fetch: it sends through its own middleware stack
// (HTTP/2 by default). On a client's first `send`, a middleware is added at the deserialize step,
// where it sees each HTTP attempt (bedrock-module.ts adds it; this file loads with the first `send`):
// the signed request (host), the raw response (status, the
// `x-amzn-bedrock-*-token-count` headers of InvokeModel) and the parsed output. It produces the same
// CallRecord and span as the fetch path:
// - ConverseCommand: usage from the output; InvokeModelCommand: the family's body, else the headers.
// - ConverseStreamCommand / InvokeModelWithResponseStreamCommand: the output's event stream is
//   wrapped so that events pass through as they are; the call ends at the terminal event (metadata,
//   invocation metrics), the end of the stream, an error (rethrown as is) or the consumer's break.
import {
  createStreamParser,
  type HeaderSource,
  parseResponse,
  type RequestInfo,
  recognizeBedrockCommand,
} from '../adapters/index.js';
import { errorTypeOf, LlmCall } from '../call.js';
import { reportParserFailure } from '../internal-error.js';
import type { TokenmeterRuntime } from '../runtime.js';
import {
  budgetMiddleware,
  decideBedrock,
  PENDING_BUDGET,
  type PendingBudget,
  pendingOf,
  type ThrottlingCtor,
} from './bedrock-budget.js';

interface HttpRequestLike {
  hostname?: string;
  port?: number;
  protocol?: string;
}

interface HttpResponseLike {
  statusCode?: number;
  headers?: Record<string, string>;
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
        reportParserFailure,
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
          call.finish(
            parseResponse(info, json, response?.headers as HeaderSource | undefined, reportParserFailure),
            {
              httpStatus: status,
              responseJson: rt.config.captureMessageContent ? json : undefined,
            },
          );
        }
      } catch (error) {
        rt.internalError('bedrock', error);
        call.finish(undefined);
      }
      return result;
    };
}

/** The two middlewares a client gets at its first `send` (bedrock-module.ts adds them). */
export function bedrockMiddlewares(
  runtime: () => TokenmeterRuntime,
  throttlingClass: () => ThrottlingCtor | undefined,
): { observe: unknown; budget: unknown } {
  return {
    observe: middleware(runtime, throttlingClass),
    budget: budgetMiddleware(runtime, throttlingClass),
  };
}
