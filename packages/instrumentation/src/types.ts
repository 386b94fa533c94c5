// Public configuration of @tokenmeter/instrumentation. The node distro builds this from env vars;
// apps with their own OpenTelemetry SDK pass it to `new TokenmeterInstrumentation(config)`.
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { WireApi } from './adapters/types.js';
import type { Attribution, CallRecord, CallRecordSink } from './call-record.js';

export type OpenAIStreamUsageMode = 'inject' | 'estimate' | 'off';
export type CostAttributeNames = 'tokenmeter' | 'upstream' | 'both';

export interface ProviderEndpoint {
  /** Base URL prefix, e.g. `http://localhost:8000/v1` (a vLLM server). */
  baseUrl: string;
  /** gen_ai.provider.name to record, e.g. `vllm`, `ollama`, `openai` (for a proxy of OpenAI). */
  provider: string;
}

export interface TokenmeterInstrumentationConfig extends InstrumentationConfig {
  /**
   * Record prompt and completion text on spans (gen_ai.input.messages / gen_ai.output.messages).
   * Default false. Env: `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`.
   */
  captureMessageContent?: boolean | undefined;
  /**
   * How to get usage for OpenAI-format streams whose caller did not ask for it. `inject` (default)
   * adds `stream_options.include_usage` and removes its traces from what the caller receives;
   * `estimate` counts tokens locally; `off` records no usage. Env: `TOKENMETER_OPENAI_STREAM_USAGE`.
   */
  openaiStreamUsage?: OpenAIStreamUsageMode | undefined;
  /** Extra endpoints to recognise (self-hosted and proxies). Env: `TOKENMETER_PROVIDERS`. */
  providers?: ProviderEndpoint[] | undefined;
  /** Wrap `globalThis.fetch` as well as SDK clients (default true): catches raw fetch and the Vercel AI SDK. */
  instrumentGlobalFetch?: boolean | undefined;
  /** Called with every finished, priced CallRecord (the distro's store writer and budgets). */
  onCallRecord?: CallRecordSink | undefined;
  /**
   * Asked about each LLM request before it is sent (the distro wires its budgets here): proceed
   * (with a reservation settled when the call ends), send a cheaper model, or block the call with
   * the provider's own 429, answered locally. Default none: no work per call.
   */
  beforeSend?: PreSendHook | undefined;
  /**
   * Attribution labels allowed on the llm_* metrics besides provider, model and org_id.
   * Default none. Env: `TOKENMETER_METRIC_LABELS=feature,user`.
   */
  metricLabels?: ('feature' | 'user')[] | undefined;
  /** Series cap of every metric tokenmeter records (a histogram label set counts its buckets + 3); past it, new label sets go to the metric's overflow set (`other`, `otel.metric.overflow=true`). Default 2000. Env: `TOKENMETER_METRIC_MAX_SERIES`. */
  maxMetricSeries?: number | undefined;
  /**
   * Service-wide attribution: what every call of the process is attributed to where neither
   * `withAttribution` nor W3C baggage names a value (process-wide: the last instrumentation
   * configured sets it). Default none. Env: `TOKENMETER_FEATURE`, `TOKENMETER_USER`,
   * `TOKENMETER_TENANT` (read when this option is not given).
   */
  defaultAttribution?: Attribution | undefined;
  /** Which cost attribute names to write. Default `tokenmeter`. Env: `TOKENMETER_COST_ATTRIBUTES`. */
  costAttributes?: CostAttributeNames | undefined;
  /**
   * With `captureMessageContent`, the largest gen_ai.input.messages / gen_ai.output.messages
   * value in bytes; longer content is cut. Default 65536.
   */
  maxContentBytes?: number | undefined;
  /**
   * A non-streamed response whose body the app never reads ends its span (without usage) after this
   * many milliseconds. Default 60000.
   */
  unreadBodyTimeoutMs?: number | undefined;
}

/** An LLM request about to be sent, as the pre-send hook sees it. No message content. */
export interface PreSendRequest {
  /** gen_ai.provider.name */
  provider: string;
  /** gen_ai.operation.name */
  operation: string;
  /** The wire format. */
  api: WireApi;
  /** The model the request names, when known. */
  model: string | undefined;
  /** When the call starts, epoch ms. */
  startTimeMs: number;
  /** Who the call is for (withAttribution / baggage). */
  attribution: Attribution;
  /** max_tokens / max_output_tokens / maxOutputTokens of the request, when set. */
  maxOutputTokens: number | undefined;
  serviceTier: string | undefined;
  batch: boolean | undefined;
  /** The request URL's origin. */
  origin: string | undefined;
  stream: boolean;
  /** Whether the model can be replaced in this request (false: a signed request, a body in a stream). */
  canRewriteModel: boolean;
  /** Whether the request may write to the provider's prompt cache (Anthropic cache_control, Bedrock cachePoint). */
  mayWriteCache: boolean;
  /** Input tokens estimated from the request body (computed on the first call, then cached). */
  estimateInputTokens(): number;
}

/** What the pre-send hook decided. */
export type PreSendDecision =
  | {
      action: 'proceed';
      /** Called once when the call ends (errors and aborts included), before the record is stored. */
      settle?: (record: CallRecord) => void;
    }
  | {
      action: 'route';
      /** The model to send instead. */
      model: string;
      /** The budget that routed it (tokenmeter.budget.name). */
      budget: string;
      settle?: (record: CallRecord) => void;
    }
  | {
      action: 'block';
      /** The budget that blocked it (tokenmeter.budget.name). */
      budget: string;
      /** The error message the application's SDK raises. */
      message: string;
    };

/**
 * Decides on a request before it is sent. May return a promise (a ledger over the network); must
 * not throw (a throw is logged and counted, and the call proceeds).
 */
export type PreSendHook = (
  request: PreSendRequest,
) => PreSendDecision | undefined | Promise<PreSendDecision | undefined>;
