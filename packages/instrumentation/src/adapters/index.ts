// The provider adapters: pure functions over the wire formats, no OpenTelemetry. Each format is one
// WireFormat object in the WIRE_FORMATS table (formats.ts); recognize.ts classifies URLs. The fetch
// layer calls three entry points per call: recognizeRequest (before sending), then parseResponse
// (JSON body) or createStreamParser (streams). None of them throws; both results pass the one usage
// check (usage-check.ts).
import { WIRE_FORMATS } from './formats.js';
import { createOpenAIChatStreamParser } from './openai.js';
import type {
  HeaderSource,
  RequestInfo,
  ResponseInfo,
  StreamParser,
  StreamParserOptions,
  StreamParserStats,
} from './types.js';
import { checkedUsage } from './usage-check.js';

export { anthropicUsage, parseAnthropicMessage } from './anthropic.js';
export {
  type BatchJob,
  type BatchJobAction,
  type BatchJobRequest,
  endsLikeBatchGet,
  mayBeBatchJob,
  readBatchJobs,
  recognizeBatchJob,
} from './batch-jobs.js';
export {
  type BatchResultLine,
  type BatchResultsDownload,
  type BatchResultsKind,
  createBatchResultsParser,
  mayBeBatchResults,
  readBatchResultLine,
  recognizeBatchResults,
} from './batch-results.js';
export {
  AwsEventStreamDecoder,
  type AwsEventStreamDecoderOptions,
  type BedrockCommandName,
  bedrockFamily,
  bedrockModelFromId,
  bedrockUsage,
  type EventStreamMessage,
  eventStreamMessageToEvent,
  recognizeBedrockCommand,
} from './bedrock/index.js';
export { WIRE_FORMATS, wireFormat } from './formats.js';
export { geminiUsage } from './gemini.js';
export { JsonArrayStreamDecoder } from './json-array-stream.js';
export type { Message, Part } from './messages.js';
export { NdjsonDecoder } from './ndjson-stream.js';
export { openaiUsage } from './openai.js';
export {
  acceptsStreamOptions,
  InjectedUsageStreamRewriter,
  isOpenAIStreamFormat,
  type OpenAIStreamUsageMode,
  planStreamUsageInjection,
  rewriteSseEventBytes,
  STREAM_OPTIONS_PROVIDERS,
  stripInjectedUsage,
} from './openai-stream-usage.js';
export {
  isKnownProviderHost,
  type ProviderEndpointOption,
  type RecognizeOptions,
  recognizeRequest,
  recognizeUrl,
  requestInfoOf,
  type UrlMatch,
} from './recognize.js';
export type { RequestText } from './request-text.js';
export type * from './types.js';

/**
 * Where a parser of ours that threw is reported (adapters import nothing of OpenTelemetry: the
 * instrumentation passes its own counter and diag logger). A throw here is a bug of ours or a
 * payload no format expected; the call goes on with what could be read.
 */
export type ParserFailure = (message: string, error: unknown) => void;

/**
 * Read a non-streamed response body (already parsed JSON) into a ResponseInfo.
 * @param headers optional response headers: Bedrock InvokeModel reports token counts in
 *   `x-amzn-bedrock-input-token-count` / `-output-token-count`, and its request id in
 *   `x-amzn-requestid`. Other providers do not need them.
 * Never throws: a payload its format's parser cannot read yields `{}`, reported to `onFailure`.
 */
export function parseResponse(
  info: RequestInfo,
  json: unknown,
  headers?: HeaderSource,
  onFailure?: ParserFailure,
): ResponseInfo {
  try {
    const format = WIRE_FORMATS[info.api];
    return format === undefined ? {} : checkedUsage(format.parseResponse(json, info, headers));
  } catch (error) {
    onFailure?.(`a ${info.api} response could not be read; the call is recorded without usage`, error);
    return {};
  }
}

/**
 * Whether a stream that ended without its protocol's terminal event (`[DONE]`, `message_stop`, ...)
 * completed all the same: every choice asked for has its finish reason, and usage was reported. In
 * every format usage comes with or after the last finish reason (OpenAI's usage chunk, Anthropic's
 * message_delta, Gemini's last chunk, which is already the terminal event), so the two together
 * mean nothing was cut: only the closing marker is missing.
 */
export function streamCompleted(info: RequestInfo, result: ResponseInfo): boolean {
  return result.usage !== undefined && (result.finishReasons?.length ?? 0) >= (info.choiceCount ?? 1);
}

/**
 * An incremental parser for one streamed response, chosen by `info.api`. Constant memory: it keeps
 * no text unless `options.captureOutputText` asks for it (bounded). Never throws: an event that
 * breaks the parser is counted as malformed and skipped.
 *
 * SSE streams: decode with `SseDecoder` and call `onEvent(data, event)`; stop at the first `true`
 * (the protocol's terminal event). Bedrock: call `onBedrockEvent(event)` with the AWS SDK's event
 * objects, or with `eventStreamMessageToEvent(message)` from `AwsEventStreamDecoder` when the
 * stream came through fetch.
 */
export function createStreamParser(
  info: RequestInfo,
  options?: StreamParserOptions,
  onFailure?: ParserFailure,
): StreamParser {
  let inner: StreamParser;
  try {
    inner = (WIRE_FORMATS[info.api]?.createStreamParser ?? createOpenAIChatStreamParser)(info, options);
  } catch (error) {
    onFailure?.(`creating the ${info.api} stream parser failed; read as OpenAI chat`, error);
    inner = createOpenAIChatStreamParser(info);
  }
  let failures = 0;
  const safe = <A extends unknown[]>(fn: ((...args: A) => boolean) | undefined) =>
    fn === undefined
      ? undefined
      : (...args: A): boolean => {
          try {
            return fn(...args);
          } catch {
            failures++;
            return false;
          }
        };
  const parser: StreamParser = {
    onEvent: safe(inner.onEvent.bind(inner))!,
    result(): ResponseInfo {
      try {
        return checkedUsage(inner.result());
      } catch (error) {
        onFailure?.(
          `a ${info.api} stream's result could not be read; the call is recorded without usage`,
          error,
        );
        return {};
      }
    },
    stats(): StreamParserStats {
      try {
        const s = inner.stats?.() ?? { events: 0, malformed: 0, terminal: false };
        return { ...s, malformed: s.malformed + failures };
      } catch (error) {
        onFailure?.(`a ${info.api} stream's event counts could not be read`, error);
        return { events: 0, malformed: failures, terminal: false };
      }
    },
    outputText() {
      try {
        return inner.outputText?.();
      } catch (error) {
        onFailure?.(`a ${info.api} stream's output text could not be read`, error);
        return undefined;
      }
    },
  };
  const bedrock = safe(inner.onBedrockEvent?.bind(inner));
  if (bedrock) parser.onBedrockEvent = bedrock;
  const text = safe(
    inner.onOutputText &&
      ((t: string, events?: number) => {
        inner.onOutputText!(t, events);
        return false;
      }),
  );
  if (text) parser.onOutputText = text;
  return parser;
}
