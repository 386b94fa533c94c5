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
}

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
}

/** Request inputs an adapter may read. `body` is the parsed JSON request body, when there is one. */
export interface RequestView {
  url: URL;
  method: string;
  body: unknown;
}
