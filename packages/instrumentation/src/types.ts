// Public configuration of @tokenmeter/instrumentation. The node distro builds this from env vars;
// apps with their own OpenTelemetry SDK pass it to `new TokenmeterInstrumentation(config)`.
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { CallRecordSink } from './call-record.js';

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
  captureMessageContent?: boolean;
  /**
   * How to get usage for OpenAI-format streams whose caller did not ask for it. `inject` (default)
   * adds `stream_options.include_usage` and removes its traces from what the caller receives;
   * `estimate` counts tokens locally; `off` records no usage. Env: `TOKENMETER_OPENAI_STREAM_USAGE`.
   */
  openaiStreamUsage?: OpenAIStreamUsageMode;
  /** Extra endpoints to recognise (self-hosted and proxies). Env: `TOKENMETER_PROVIDERS`. */
  providers?: ProviderEndpoint[];
  /** Wrap `globalThis.fetch` as well as SDK clients (default true): catches raw fetch and the Vercel AI SDK. */
  instrumentGlobalFetch?: boolean;
  /** Called with every finished, priced CallRecord (the distro's store writer and budgets). */
  onCallRecord?: CallRecordSink;
  /**
   * Attribution labels allowed on the llm_* metrics besides provider, model and org_id.
   * Default none. Env: `TOKENMETER_METRIC_LABELS=feature,user`.
   */
  metricLabels?: ('feature' | 'user')[];
  /** Series cap of every metric tokenmeter records (a histogram label set counts its buckets + 3); past it, new label sets go to the metric's overflow set (`other`, `otel.metric.overflow=true`). Default 2000. Env: `TOKENMETER_METRIC_MAX_SERIES`. */
  maxMetricSeries?: number;
  /** Which cost attribute names to write. Default `tokenmeter`. Env: `TOKENMETER_COST_ATTRIBUTES`. */
  costAttributes?: CostAttributeNames;
  /**
   * With `captureMessageContent`, the largest gen_ai.input.messages / gen_ai.output.messages
   * value in bytes; longer content is cut. Default 65536.
   */
  maxContentBytes?: number;
  /**
   * A non-streamed response whose body the app never reads ends its span (without usage) after this
   * many milliseconds. Default 60000.
   */
  unreadBodyTimeoutMs?: number;
}
