// The contract of a provider adapter: pure functions over a provider's wire format.
// No @opentelemetry imports here or in any adapter: adapters are unit tested on recorded payloads.
import type { TokenUsage } from '@tokenmeter/pricing';

/** What the request tells us, before anything is sent. */
export interface RequestInfo {
  /** gen_ai.provider.name value (use the constants of @tokenmeter/semconv). */
  provider: string;
  /** gen_ai.operation.name value. */
  operation: string;
  /** The model the request names: body `model`, or the URL (Gemini, Azure deployment, Bedrock model id). */
  requestModel?: string;
  /** Azure OpenAI: the deployment name from the URL, mapped to a model by the response or the user. */
  deployment?: string;
  stream: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  choiceCount?: number;
  serviceTier?: string;
  batch?: boolean;
  serverAddress: string;
  serverPort: number;
  /** Which wire format the response uses; selects the response and stream parsers. */
  api: WireApi;
  /**
   * How a streamed body is framed, when `stream` is true: `sse` (text/event-stream, decode with
   * `SseDecoder`), `json-array` (Gemini / Vertex `streamGenerateContent` without `alt=sse`: one JSON
   * array written element by element; split it with `JsonArrayStreamDecoder` and pass each element to
   * `onEvent`), `aws-eventstream` (Bedrock `converse-stream` / `invoke-with-response-stream` called
   * through fetch: binary frames, decode with `AwsEventStreamDecoder`, pass to `onBedrockEvent`).
   */
  streamFormat?: StreamFormat;
  /** Azure OpenAI: the `api-version` query parameter, when present. */
  apiVersion?: string;
}

export type StreamFormat = 'sse' | 'json-array' | 'aws-eventstream';

export type WireApi =
  | 'openai.chat'
  | 'openai.responses'
  | 'openai.completions'
  | 'openai.embeddings'
  | 'anthropic.messages'
  | 'gemini.generate'
  | 'gemini.embed'
  | 'bedrock.converse'
  | 'bedrock.invoke';

/** What the response tells us. Every field optional: a parser fills what it saw. */
export interface ResponseInfo {
  responseId?: string;
  responseModel?: string;
  finishReasons?: string[];
  /** Normalised to the GenAI semconv meaning (input includes cached, output includes reasoning). */
  usage?: TokenUsage;
  /** The service tier the provider says it used. */
  serviceTier?: string;
  /**
   * The error the provider reported inside a 200 response or stream (Anthropic `error` event, a
   * Responses API `response.failed`/`error`, Bedrock stream exception): its type, e.g. `overloaded_error`.
   */
  errorType?: string;
  /**
   * Set instead of `usage` when the reported counts are not valid (negative, fractional, infinite,
   * not numbers, above 1e12, or parts above their totals): what is wrong, naming the field. The call
   * is then recorded unpriced (`invalid_usage`), with no token counts.
   */
  invalidUsage?: string;
}

/**
 * Incremental reader of one streamed response. Fed one decoded SSE event at a time (or, for Bedrock,
 * one decoded event object). Keeps constant memory: it never stores the stream's text.
 */
export interface StreamParser {
  /**
   * Observe one event. `data` is the SSE data field (JSON text, or `[DONE]`).
   * @returns true when this event is the protocol's terminal event ([DONE], message_stop,
   * response.completed, Gemini's chunk with a finish reason and usage).
   */
  onEvent(data: string, event?: string): boolean;
  /** What was seen so far; callable at any time (also after a cut stream). */
  result(): ResponseInfo;
  /**
   * Bedrock streams (`bedrock.converse` and `bedrock.invoke` apis): observe one decoded event, in the
   * AWS SDK's shape (`{ metadata: {...} }`, `{ chunk: { bytes } }`) or as `{ eventType, payload }`.
   * @returns true on the terminal event (`metadata` for ConverseStream; the chunk carrying
   * `amazon-bedrock-invocationMetrics` for InvokeModelWithResponseStream; an exception).
   */
  onBedrockEvent?(event: unknown): boolean;
  /** Counters of what was seen: events, events whose data was not valid JSON (skipped), terminal seen. */
  stats?(): StreamParserStats;
  /**
   * The output text seen so far, when the parser was created with `captureOutputText` (for local
   * token estimation when the provider reports no usage). Undefined otherwise.
   */
  outputText?(): CapturedText | undefined;
}

export interface StreamParserStats {
  events: number;
  malformed: number;
  terminal: boolean;
}

/** Output text kept for estimation: the first `maxChars` characters, and the count of all of them. */
export interface CapturedText {
  text: string;
  /** All characters seen, including those past the kept prefix. */
  totalChars: number;
  truncated: boolean;
}

export interface StreamParserOptions {
  /**
   * Keep the output text (first 1 MB by default, then count characters only) so usage can be
   * estimated locally when none arrives. Off by default: the parser then keeps no text at all.
   */
  captureOutputText?: boolean | { maxChars?: number };
}

/** Response headers, as a fetch `Headers` or a plain lower-case record. */
export type HeaderSource =
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>;

/** Request inputs an adapter may read. `body` is the parsed JSON request body, when there is one. */
export interface RequestView {
  url: URL;
  method: string;
  body: unknown;
}
