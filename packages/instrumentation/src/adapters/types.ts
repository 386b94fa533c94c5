// The contract of a provider adapter: pure functions over a provider's wire format.
// No @opentelemetry imports here or in any adapter: adapters are unit tested on recorded payloads.
import type { TokenUsage } from '@tokenmeter/pricing';
import type { BudgetWireFormat } from './budget-types.js';
import type { Message } from './messages.js';
import type { RequestText } from './request-text.js';

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
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  topP?: number | undefined;
  choiceCount?: number | undefined;
  serviceTier?: string | undefined;
  batch?: boolean;
  /** A call read from batch results: the batch (when the download names it) and the request's custom id. */
  batchId?: string;
  batchCustomId?: string;
  serverAddress: string;
  serverPort: number;
  /** Which wire format the response uses; selects the response and stream parsers. */
  api: WireApi;
  /**
   * How a streamed body is framed, when `stream` is true: `sse` (text/event-stream, decode with
   * `SseDecoder`), `json-array` (Gemini / Vertex `streamGenerateContent` without `alt=sse`: one JSON
   * array written element by element; split it with `JsonArrayStreamDecoder` and pass each element to
   * `onEvent`), `aws-eventstream` (Bedrock `converse-stream` / `invoke-with-response-stream` called
   * through fetch: binary frames, decode with `AwsEventStreamDecoder`, pass to `onBedrockEvent`),
   * `ndjson` (Ollama's native API: one JSON object a line; split it with `NdjsonDecoder` and pass
   * each line to `onEvent`).
   */
  streamFormat?: StreamFormat;
  /** Azure OpenAI: the `api-version` query parameter, when present. */
  apiVersion?: string;
  /**
   * The AI gateway the request goes through (`openrouter`, `litellm`, `portkey`, `helicone`,
   * `cloudflare`, `vercel`, or a declared entry's name), when the URL tells: tokenmeter.ai_gateway.name.
   */
  gateway?: string;
  /**
   * How pricing finds the provider (`CostInput.providerFromModel` of @tokenmeter/pricing): `first`
   * for a gateway or an unknown host (the provider is inferred from the model name, `provider` is
   * only the path's default), `fallback` for a declared endpoint or a gateway with its own price
   * list (OpenRouter): `provider`, then the inferred one. Absent: a provider's own host.
   */
  providerFromModel?: 'first' | 'fallback';
  /**
   * Whether the server is known to accept `stream_options.include_usage`, when the URL says so
   * beyond the provider (a declared endpoint, a gateway relaying to OpenAI); absent: by provider.
   */
  streamOptions?: boolean;
}

export type StreamFormat = 'sse' | 'json-array' | 'aws-eventstream' | 'ndjson';

export type WireApi =
  | 'openai.chat'
  | 'openai.responses'
  | 'openai.completions'
  | 'openai.embeddings'
  | 'anthropic.messages'
  | 'gemini.generate'
  | 'gemini.embed'
  | 'bedrock.converse'
  | 'bedrock.invoke'
  | 'ollama.chat'
  | 'ollama.generate'
  | 'ollama.embed';

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
  /**
   * The cost the response itself reports, in nano-dollars (OpenRouter's `usage.cost`, plus
   * `cost_details.upstream_inference_cost` for a bring-your-own-key call). Only a gateway's is used.
   */
  reportedCostNanos?: number;
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
  /**
   * The output text of an event that a byte-level reader recognised as a plain content delta and did
   * not pass to `onEvent` (it carries nothing else the parser keeps): counted as an event, its text
   * captured when output text is kept. `events`: how many such deltas the text joins (default 1).
   */
  onOutputText?(text: string, events?: number): void;
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

/**
 * Everything tokenmeter knows about one wire format, in one object: how a request in it names its
 * model and parameters, how its responses and streams report usage, where its message content is,
 * what text a local estimate counts. One per `WireApi`, looked up in `WIRE_FORMATS` (formats.ts);
 * URL classification (recognize.ts) only says which format a request is in. A new format is one
 * file that exports such an object and one row of that table. Its budget members (`BudgetWireFormat`:
 * the provider's own 429 for a blocked call, the request sent to another model) are what budgets ask.
 */
export interface WireFormat extends BudgetWireFormat {
  readonly api: WireApi;
  /** gen_ai.operation.name of a request in this format (Bedrock InvokeModel bodies refine it). */
  readonly operation: string;
  /**
   * Where a request names its model: the body's `model` member (OpenAI, Anthropic), or the URL path
   * (Gemini `models/{model}:generateContent`, Bedrock `model/{modelId}/converse`); the body's model,
   * if any, then does not count.
   */
  readonly modelIn: 'body' | 'path';
  /**
   * Streams report usage only when the request asks with `stream_options.include_usage` (OpenAI
   * Chat Completions and legacy Completions): the format whose usage tokenmeter may inject.
   */
  readonly usageOnRequest: boolean;
  /** What a local estimate counts: chat messages with their overhead and the output, a completion's prompt and output, or an embedding's input only. */
  readonly estimate: 'chat' | 'completion' | 'embeddings';
  /**
   * The provider's responses in this format carry no token count (the Gemini API's embedContent and
   * batchEmbedContents): the request is kept and its text counted locally when a response has no
   * usage, recorded as estimated and priced. Absent: false.
   */
  readonly reportsNoUsage?: true;
  /**
   * `parseResponse` reads the response headers too (Bedrock: token counts in headers). Such a body
   * is read when the app reads it, never later (the headers of a Response a custom fetch made can
   * still change). Absent: false.
   */
  readonly readsResponseHeaders?: true;
  /** How a streamed response is framed, from the request URL (Gemini: `alt=sse` or a JSON array). */
  streamFraming(url: URL): StreamFormat;
  /**
   * Read a parsed request body's parameters into `info`: the model (when carried in the body),
   * `stream`, max tokens, sampling, choice count, service tier. Fields left unset are not added.
   */
  readRequest(info: RequestInfo, body: Record<string, unknown>): void;
  /** A body on an unknown host has what this format cannot do without (a `model`; messages...). */
  plausible(body: Record<string, unknown>): boolean;
  /** Read a non-streamed response body. Never throws (a malformed body reads as `{}` or less). */
  parseResponse(json: unknown, info: RequestInfo, headers?: HeaderSource): ResponseInfo;
  /** An incremental parser for one streamed response (see `StreamParser`). */
  createStreamParser(info: RequestInfo, options?: StreamParserOptions): StreamParser;
  /** The request's input messages, for content capture (none for embeddings). */
  inputMessages(body: Record<string, unknown>): Message[];
  /** A non-streamed response's output messages, for content capture. */
  outputMessages(json: Record<string, unknown>): Message[];
  /** Add the request's countable text (messages, prompts, inputs) to `into`, for local estimation. */
  requestText(body: Record<string, unknown>, into: RequestText): void;
}
