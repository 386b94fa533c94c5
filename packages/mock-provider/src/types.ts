import type { AdminFault, BilledUsage, BillingPrice } from './billing.js';

/** Options of {@link startMockProvider}. */
export interface MockProviderOptions {
  /** TCP port. Default 0 (a free port chosen by the OS). */
  port?: number;
  /** Address to bind. Default `127.0.0.1` (loopback only). */
  host?: string;
  /**
   * Delay before every response starts, in milliseconds. Default 0. A request can set its own with
   * the `x-mock-latency-ms` header.
   */
  latencyMs?: number;
  /**
   * Azure OpenAI deployment name → underlying model reported in the response `model`. A deployment
   * that is not listed reports the dated snapshot of its own name when that is a known OpenAI model
   * (`gpt-4o-mini` → `gpt-4o-mini-2024-07-18`), else {@link MockProviderOptions.azureDefaultModel}.
   */
  azureDeployments?: Record<string, string>;
  /** Model reported for an Azure deployment that is neither mapped nor a known model. Default `gpt-4o-2024-08-06`. */
  azureDefaultModel?: string;
  /**
   * Length of a reply in tokens when the request does not cap it lower. Default 20. A request can
   * set its own with the `x-mock-output-tokens` header.
   */
  replyTokens?: number;
  /** How many requests {@link MockProvider.requests} keeps (the most recent). Default 1000. */
  maxRecordedRequests?: number;
  /**
   * Prices of the mock organisation's bill (USD per million tokens), by model without its date
   * stamp, over {@link DEFAULT_BILLING_PRICES}. A model without a price is in the usage reports
   * but not in the cost reports.
   */
  billingPrices?: Record<string, BillingPrice>;
  /**
   * The admin key the cost and usage endpoints accept (OpenAI bearer token, Anthropic x-api-key).
   * Default: any key; a request without one gets 401.
   */
  adminKey?: string;
}

/** One request the mock received, as recorded in {@link MockProvider.requests}. */
export interface RecordedRequest {
  method: string;
  /** URL path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Query parameters (`key`, the Gemini API key parameter, is redacted). */
  query: Record<string, string>;
  /** Request headers, lower-case names. Credentials (authorization, x-api-key, api-key, ...) are `[REDACTED]`. */
  headers: Record<string, string>;
  /** The body parsed as JSON, or the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  /** Which route served it, e.g. `openai.chat`, `anthropic.messages`, `gemini.generateContent`, `bedrock.converse`, or `unknown`. */
  route: string;
  /** Epoch milliseconds when the request arrived. */
  time: number;
}

/** A running mock server. */
export interface MockProvider {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** `${url}/v1`: the OpenAI client's `baseURL` (and any OpenAI-compatible client's). */
  readonly openaiBaseURL: string;
  /** `url`: the Anthropic client's `baseURL`. */
  readonly anthropicBaseURL: string;
  /** `url`: `@google/genai`'s `httpOptions.baseUrl`. */
  readonly geminiBaseURL: string;
  /** `url`: `BedrockRuntimeClient`'s `endpoint`. */
  readonly bedrockEndpoint: string;
  /** `url`: `AzureOpenAI`'s `endpoint`. */
  readonly azureEndpoint: string;
  /** The most recent requests, oldest first (bounded by `maxRecordedRequests`). */
  readonly requests: readonly RecordedRequest[];
  /**
   * The organisation's bill behind the admin cost and usage endpoints. Every OpenAI chat completion
   * and Anthropic message served is on it; `add` puts more (calls tokenmeter never saw, other days),
   * `failNext` makes the next admin requests fail (429 with Retry-After, 5xx, a partial page).
   */
  readonly billing: {
    add(usage: BilledUsage): void;
    failNext(fault: AdminFault, times?: number): void;
  };
  /**
   * Queues a recorded response: the next request (any path) is answered with its status, headers
   * and body bytes instead of the mock's own answer, and is still listed in `requests`. Queued
   * responses answer requests in order. The recorded length, chunking and compression headers are
   * replaced by the bytes served.
   */
  replayNext(recording: RecordedResponse): void;
  /** Forgets recorded requests, queued replays, the prompt-cache state, the fault counters and the bill. */
  reset(): void;
  /** Stops the server, dropping open connections (hanging and streaming requests included). */
  close(): Promise<void>;
}

/** A response recorded from a real server, for {@link MockProvider.replayNext}. */
export interface RecordedResponse {
  /** Default 200. */
  status?: number;
  /** As recorded (names in any case). */
  headers: Record<string, string>;
  /** The body's bytes (a string is sent as UTF-8). */
  body: string | Uint8Array;
}

/**
 * What a request can ask the mock to do wrong, with the `x-mock-fault` header or a model named
 * `mock-fault-<kind>` (or `mock-error-<status>` for `status-<status>`).
 */
export type FaultKind =
  | `status-${number}`
  | 'malformed-json'
  | 'truncated-sse'
  | 'cut-stream'
  | 'slow-stream'
  | 'hang'
  | 'reset'
  | 'no-usage';
