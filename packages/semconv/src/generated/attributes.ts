// DO NOT EDIT. Generated from conventions/*.yaml by scripts/gen-semconv.ts: run `npm run conventions`.

/**
 * Describes a class of error the operation ended with.
 *
 * @example 429
 * @example timeout
 * @example AbortError
 * @see @opentelemetry/semantic-conventions 1.45.0
 */
export const ATTR_ERROR_TYPE = 'error.type' as const;

/**
 * The chat history provided to the model as an input. Recorded only on opt-in.
 *
 * @example [{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}]
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages' as const;

/**
 * The service tier requested. May be a specific tier, default, or auto.
 *
 * @example auto
 * @example default
 * @example flex
 * @example priority
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_OPENAI_REQUEST_SERVICE_TIER = 'gen_ai.openai.request.service_tier' as const;

/**
 * The service tier used for the response.
 *
 * @example scale
 * @example default
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_OPENAI_RESPONSE_SERVICE_TIER = 'gen_ai.openai.response.service_tier' as const;

/**
 * The name of the operation being performed.
 *
 * @example chat
 * @example embeddings
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name' as const;

/**
 * Chat completion operation such as OpenAI Chat API.
 */
export const GEN_AI_OPERATION_NAME_VALUE_CHAT = 'chat' as const;

/**
 * Text completions operation such as OpenAI Completions API (Legacy).
 */
export const GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION = 'text_completion' as const;

/**
 * Embeddings operation such as OpenAI Create embeddings API.
 */
export const GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS = 'embeddings' as const;

/**
 * Multimodal content generation operation such as Gemini Generate Content.
 */
export const GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT = 'generate_content' as const;

/**
 * Submitting a batch job (OpenAI Batch API, Anthropic Message Batches) - tokenmeter value, following the upstream rule that an operation without a well-known value uses a custom one. Not an inference operation - it has no usage and no cost.
 */
export const GEN_AI_OPERATION_NAME_VALUE_CREATE_BATCH = 'create_batch' as const;

/**
 * Messages returned by the model. Recorded only on opt-in.
 *
 * @example [{"role": "assistant", "parts": [{"type": "text", "content": "Rainy."}]}]
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages' as const;

/**
 * The Generative AI provider as identified by the client instrumentation.
 *
 * @note Values not in the upstream list (together_ai, fireworks_ai, openrouter, ollama, vllm, lm_studio, openai_compatible) are tokenmeter's own, following the upstream rule that a provider without a well-known value uses a custom one.
 *
 * @example openai
 * @example anthropic
 * @example aws.bedrock
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name' as const;

/**
 * OpenAI
 */
export const GEN_AI_PROVIDER_NAME_VALUE_OPENAI = 'openai' as const;

/**
 * Azure OpenAI
 */
export const GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI = 'azure.ai.openai' as const;

/**
 * Anthropic
 */
export const GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC = 'anthropic' as const;

/**
 * Gemini API (generativelanguage.googleapis.com)
 */
export const GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI = 'gcp.gemini' as const;

/**
 * Vertex AI (aiplatform.googleapis.com)
 */
export const GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI = 'gcp.vertex_ai' as const;

/**
 * AWS Bedrock
 */
export const GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK = 'aws.bedrock' as const;

/**
 * Mistral AI
 */
export const GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI = 'mistral_ai' as const;

/**
 * Groq
 */
export const GEN_AI_PROVIDER_NAME_VALUE_GROQ = 'groq' as const;

/**
 * DeepSeek
 */
export const GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK = 'deepseek' as const;

/**
 * xAI
 */
export const GEN_AI_PROVIDER_NAME_VALUE_X_AI = 'x_ai' as const;

/**
 * Together AI (tokenmeter value)
 */
export const GEN_AI_PROVIDER_NAME_VALUE_TOGETHER_AI = 'together_ai' as const;

/**
 * Fireworks AI (tokenmeter value)
 */
export const GEN_AI_PROVIDER_NAME_VALUE_FIREWORKS_AI = 'fireworks_ai' as const;

/**
 * OpenRouter (tokenmeter value)
 */
export const GEN_AI_PROVIDER_NAME_VALUE_OPENROUTER = 'openrouter' as const;

/**
 * Ollama (tokenmeter value)
 */
export const GEN_AI_PROVIDER_NAME_VALUE_OLLAMA = 'ollama' as const;

/**
 * vLLM (tokenmeter value)
 */
export const GEN_AI_PROVIDER_NAME_VALUE_VLLM = 'vllm' as const;

/**
 * LM Studio (tokenmeter value)
 */
export const GEN_AI_PROVIDER_NAME_VALUE_LM_STUDIO = 'lm_studio' as const;

/**
 * Any other server speaking the OpenAI wire format (tokenmeter value)
 */
export const GEN_AI_PROVIDER_NAME_VALUE_OPENAI_COMPATIBLE = 'openai_compatible' as const;

/**
 * The target number of candidate completions to return.
 *
 * @example 3
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count' as const;

/**
 * The maximum number of tokens the model generates for a request.
 *
 * @example 100
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens' as const;

/**
 * The name of the GenAI model a request is being made to.
 *
 * @example gpt-4o-mini
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model' as const;

/**
 * Whether the request asked for a streamed response.
 *
 * @example true
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream' as const;

/**
 * The temperature setting for the GenAI request.
 *
 * @example 0
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature' as const;

/**
 * The top_p sampling setting for the GenAI request.
 *
 * @example 1
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p' as const;

/**
 * Array of reasons the model stopped generating tokens, one per generation.
 *
 * @example ["stop"]
 * @example ["stop","length"]
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons' as const;

/**
 * The unique identifier for the completion.
 *
 * @example chatcmpl-123
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id' as const;

/**
 * The name of the model that generated the response.
 *
 * @example gpt-4o-mini-2024-07-18
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model' as const;

/**
 * Deprecated, use gen_ai.provider.name instead. Read from spans made by older instrumentations.
 *
 * @example openai
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_SYSTEM = 'gen_ai.system' as const;

/**
 * The type of token being counted.
 *
 * @example input
 * @example output
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type' as const;

/**
 * Input tokens (prompt
 */
export const GEN_AI_TOKEN_TYPE_VALUE_INPUT = 'input' as const;

/**
 * Output tokens (completion
 */
export const GEN_AI_TOKEN_TYPE_VALUE_OUTPUT = 'output' as const;

/**
 * The number of input tokens written to a provider-managed cache.
 *
 * @note The value SHOULD be included in gen_ai.usage.input_tokens.
 *
 * @example 2000
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens' as const;

/**
 * The number of input tokens served from a provider-managed cache.
 *
 * @note The value SHOULD be included in gen_ai.usage.input_tokens.
 *
 * @example 1024
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens' as const;

/**
 * Deprecated, use gen_ai.usage.output_tokens instead. Read from spans made by older instrumentations.
 *
 * @example 42
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_USAGE_COMPLETION_TOKENS = 'gen_ai.usage.completion_tokens' as const;

/**
 * The total cost of the call in USD.
 *
 * @note The name Langfuse and OpenLIT already read. Equals the sum of tokenmeter.cost.input, tokenmeter.cost.output, tokenmeter.cost.cache_read and tokenmeter.cost.cache_write (plus any request fee). Set only on inference spans, never on their parents, so that summing it over a trace counts each call once.
 *
 * @example 0.0002832
 * @example 0.018
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_USAGE_COST = 'gen_ai.usage.cost' as const;

/**
 * The monetary cost of the operation (proposed upstream).
 *
 * @note tokenmeter writes the same value as gen_ai.usage.cost.
 *
 * @example 0.0002832
 * @see open-telemetry/semantic-conventions-genai#443 proposal (2026-08)
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_USAGE_COST_AMOUNT = 'gen_ai.usage.cost.amount' as const;

/**
 * The ISO 4217 currency of gen_ai.usage.cost.amount (proposed upstream).
 *
 * @example USD
 * @see open-telemetry/semantic-conventions-genai#443 proposal (2026-08)
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_USAGE_COST_CURRENCY = 'gen_ai.usage.cost.currency' as const;

/**
 * Whether the cost came in the response (provider) or was computed by the recorder (local).
 *
 * @example local
 * @see open-telemetry/semantic-conventions-genai#443 proposal (2026-08)
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_USAGE_COST_SOURCE = 'gen_ai.usage.cost.source' as const;

/**
 * The cost was present in the response the client received.
 */
export const GEN_AI_USAGE_COST_SOURCE_VALUE_PROVIDER = 'provider' as const;

/**
 * The recorder computed the cost from token counts and its price data.
 */
export const GEN_AI_USAGE_COST_SOURCE_VALUE_LOCAL = 'local' as const;

/**
 * The number of tokens used in the GenAI input (prompt).
 *
 * @note This value SHOULD include all types of input tokens, including cached tokens.
 *
 * @example 1200
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens' as const;

/**
 * The number of tokens used in the GenAI response (completion), reasoning tokens included.
 *
 * @example 300
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens' as const;

/**
 * Deprecated, use gen_ai.usage.input_tokens instead. Read from spans made by older instrumentations.
 *
 * @example 42
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_USAGE_PROMPT_TOKENS = 'gen_ai.usage.prompt_tokens' as const;

/**
 * The number of output tokens used for reasoning (thinking).
 *
 * @note The value SHOULD be included in gen_ai.usage.output_tokens.
 *
 * @example 128
 * @see @opentelemetry/semantic-conventions 1.45.0
 * @experimental This attribute is in development and may change.
 */
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens' as const;

/**
 * Set (true) on the overflow label set of a metric that reached its series cap.
 *
 * @note The OpenTelemetry metrics SDK specification's name for it (cardinality limits). Every metric tokenmeter records holds at most TOKENMETER_METRIC_MAX_SERIES series, counted as Prometheus counts them (a histogram label set is its buckets, _sum and _count). Past the cap a new label set is recorded in the overflow set instead: the low-cardinality labels kept (provider, operation, token type, priced), model, org_id, feature, user and error.type as "other", server and response model left off, and this attribute set. Totals stay whole.
 *
 * @example true
 * @experimental This attribute is in development and may change.
 */
export const ATTR_OTEL_METRIC_OVERFLOW = 'otel.metric.overflow' as const;

/**
 * Server domain name if available without reverse DNS lookup; otherwise, IP address.
 *
 * @example api.openai.com
 * @see @opentelemetry/semantic-conventions 1.45.0
 */
export const ATTR_SERVER_ADDRESS = 'server.address' as const;

/**
 * Server port number.
 *
 * @example 443
 * @see @opentelemetry/semantic-conventions 1.45.0
 */
export const ATTR_SERVER_PORT = 'server.port' as const;

/**
 * The AI gateway the call went through, recognised by its host or a response header, or named in TOKENMETER_PROVIDERS.
 *
 * @note Known values: openrouter, litellm, portkey, helicone, cloudflare, vercel; a declared gateway (TOKENMETER_PROVIDERS=gateway=https://gw/v1) is recorded as gateway.
 *
 * @example litellm
 * @example openrouter
 * @example cloudflare
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_AI_GATEWAY_NAME = 'tokenmeter.ai_gateway.name' as const;

/**
 * The custom id the application gave the request in the batch.
 *
 * @example request-1
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_BATCH_CUSTOM_ID = 'tokenmeter.batch.custom_id' as const;

/**
 * The batch the call belongs to (or, on a batch creation span, the batch created).
 *
 * @note Anthropic's results URL names the batch. OpenAI's output file URL names only the file: the batch is known when the application created or retrieved the batch in the same process (the batch object names its output file), as the openai SDK's usual create, poll, download sequence does.
 *
 * @example msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d
 * @example batch_abc123
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_BATCH_ID = 'tokenmeter.batch.id' as const;

/**
 * On an OpenAI batch creation span, the uploaded file that holds the batch's requests.
 *
 * @example file-abc123
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_BATCH_INPUT_FILE_ID = 'tokenmeter.batch.input_file_id' as const;

/**
 * On a batch creation span, the number of requests the batch holds.
 *
 * @note Anthropic - the requests sent; OpenAI - request_counts.total of the created batch when the API reports it (the input file is uploaded apart, so it is unknown until the batch is read).
 *
 * @example 100
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_BATCH_REQUEST_COUNT = 'tokenmeter.batch.request_count' as const;

/**
 * What the budget did.
 *
 * @example block
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_BUDGET_ACTION = 'tokenmeter.budget.action' as const;

/**
 * The call was answered locally with the provider's 429.
 */
export const TOKENMETER_BUDGET_ACTION_VALUE_BLOCK = 'block' as const;

/**
 * The call was sent to the cheaper model of the budget's route.
 */
export const TOKENMETER_BUDGET_ACTION_VALUE_ROUTE_CHEAP = 'route-cheap' as const;

/**
 * The budget that acted (its name, else a description of its period and scope).
 *
 * @example daily-openai
 * @example monthly budget for tenant=acme
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_BUDGET_NAME = 'tokenmeter.budget.name' as const;

/**
 * The model the application asked for, when a route-cheap budget sent another (gen_ai.request.model).
 *
 * @example gpt-4o
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_BUDGET_REQUESTED_MODEL = 'tokenmeter.budget.requested_model' as const;

/**
 * The part of tokenmeter that failed.
 *
 * @example adapter
 * @example stream_parser
 * @example pricing
 * @example store
 * @example exporter
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_COMPONENT = 'tokenmeter.component' as const;

/**
 * Cost in USD of the input tokens read from the provider's prompt cache.
 *
 * @example 0.0000768
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_COST_CACHE_READ = 'tokenmeter.cost.cache_read' as const;

/**
 * Cost in USD of the input tokens written to the provider's prompt cache.
 *
 * @example 0.0075
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_COST_CACHE_WRITE = 'tokenmeter.cost.cache_write' as const;

/**
 * The ISO 4217 currency of every cost attribute. Always USD.
 *
 * @example USD
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_COST_CURRENCY = 'tokenmeter.cost.currency' as const;

/**
 * Cost in USD of the input tokens that were neither read from nor written to a cache.
 *
 * @example 0.0000264
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_COST_INPUT = 'tokenmeter.cost.input' as const;

/**
 * The cost in USD tokenmeter computed from the token counts and its price data, when the call's cost (gen_ai.usage.cost) is one the provider reported.
 *
 * @note Set only when tokenmeter.pricing.source is provider (OpenRouter's usage.cost, LiteLLM's x-litellm-response-cost header) and the call could also be priced locally, so that the drift between what a gateway charged and the price list is visible. The breakdown attributes (tokenmeter.cost.input, .output, .cache_read, .cache_write) are this local computation's: a provider reports only a total.
 *
 * @example 0.0002832
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_COST_LOCAL = 'tokenmeter.cost.local' as const;

/**
 * Cost in USD of the output tokens, reasoning tokens included.
 *
 * @example 0.00018
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_COST_OUTPUT = 'tokenmeter.cost.output' as const;

/**
 * The product feature the call serves.
 *
 * @example search-summary
 * @example support-bot
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_FEATURE = 'tokenmeter.feature' as const;

/**
 * What the gateway answered a request, or what became of an accepted span.
 *
 * @example accepted
 * @example queue_full
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_GATEWAY_RESULT = 'tokenmeter.gateway.result' as const;

/**
 * Taken in (200).
 */
export const TOKENMETER_GATEWAY_RESULT_VALUE_ACCEPTED = 'accepted' as const;

/**
 * A body that does not decode (400).
 */
export const TOKENMETER_GATEWAY_RESULT_VALUE_MALFORMED = 'malformed' as const;

/**
 * A body over the size limit (413).
 */
export const TOKENMETER_GATEWAY_RESULT_VALUE_TOO_LARGE = 'too_large' as const;

/**
 * A content type or encoding the gateway does not read (415).
 */
export const TOKENMETER_GATEWAY_RESULT_VALUE_UNSUPPORTED = 'unsupported' as const;

/**
 * A missing or wrong bearer token (401).
 */
export const TOKENMETER_GATEWAY_RESULT_VALUE_UNAUTHORIZED = 'unauthorized' as const;

/**
 * The queue was full (429 with Retry-After).
 */
export const TOKENMETER_GATEWAY_RESULT_VALUE_QUEUE_FULL = 'queue_full' as const;

/**
 * The gateway was shutting down (503 with Retry-After).
 */
export const TOKENMETER_GATEWAY_RESULT_VALUE_DRAINING = 'draining' as const;

/**
 * A passed-through request the next hop could not be reached for (502).
 */
export const TOKENMETER_GATEWAY_RESULT_VALUE_UPSTREAM_ERROR = 'upstream_error' as const;

/**
 * An accepted span the next hop took (2xx).
 */
export const TOKENMETER_GATEWAY_RESULT_VALUE_FORWARDED = 'forwarded' as const;

/**
 * An accepted span given up on (refused for good
 */
export const TOKENMETER_GATEWAY_RESULT_VALUE_DROPPED = 'dropped' as const;

/**
 * The OTLP signal of a request.
 *
 * @example traces
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_GATEWAY_SIGNAL = 'tokenmeter.gateway.signal' as const;

/**
 * POST /v1/traces (priced).
 */
export const TOKENMETER_GATEWAY_SIGNAL_VALUE_TRACES = 'traces' as const;

/**
 * POST /v1/metrics (passed through).
 */
export const TOKENMETER_GATEWAY_SIGNAL_VALUE_METRICS = 'metrics' as const;

/**
 * POST /v1/logs (passed through).
 */
export const TOKENMETER_GATEWAY_SIGNAL_VALUE_LOGS = 'logs' as const;

/**
 * How well the model name matched a priced entry, or why the call is unpriced.
 *
 * @example exact
 * @example unknown_model
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_PRICING_MATCH = 'tokenmeter.pricing.match' as const;

/**
 * The model name equals a catalog name or alias.
 */
export const TOKENMETER_PRICING_MATCH_VALUE_EXACT = 'exact' as const;

/**
 * The model name matched a catalog rule (prefix
 */
export const TOKENMETER_PRICING_MATCH_VALUE_PATTERN = 'pattern' as const;

/**
 * Priced from another provider's list that the catalog names as a fallback (e.g. a reseller).
 */
export const TOKENMETER_PRICING_MATCH_VALUE_FALLBACK_PROVIDER = 'fallback_provider' as const;

/**
 * Matched a user override rule.
 */
export const TOKENMETER_PRICING_MATCH_VALUE_OVERRIDE = 'override' as const;

/**
 * The call went through a gateway or an unknown host (or a declared provider that does not price the model), so the provider was inferred from the model name the way genai-prices does (gpt-* is openai, claude-* is anthropic, a vendor prefix such as anthropic/ names the vendor) and its price list matched.
 */
export const TOKENMETER_PRICING_MATCH_VALUE_INFERRED_PROVIDER = 'inferred_provider' as const;

/**
 * Priced by the provider - the cost is the one the provider or an AI gateway reported (tokenmeter.pricing.source provider: OpenRouter's usage.cost, LiteLLM's x-litellm-response-cost) and tokenmeter has no local price for the model, so there is no tokenmeter.cost.local. When the model is priced locally too, the match says how the local price matched and tokenmeter.cost.local holds it.
 */
export const TOKENMETER_PRICING_MATCH_VALUE_PROVIDER_REPORTED = 'provider_reported' as const;

/**
 * An Azure OpenAI deployment name mapped to a model by the user.
 */
export const TOKENMETER_PRICING_MATCH_VALUE_DEPLOYMENT = 'deployment' as const;

/**
 * Unpriced - no price is known for this model.
 */
export const TOKENMETER_PRICING_MATCH_VALUE_UNKNOWN_MODEL = 'unknown_model' as const;

/**
 * Unpriced - the provider has no price list.
 */
export const TOKENMETER_PRICING_MATCH_VALUE_UNKNOWN_PROVIDER = 'unknown_provider' as const;

/**
 * Unpriced - the response reported no token usage and none could be estimated.
 */
export const TOKENMETER_PRICING_MATCH_VALUE_NO_USAGE = 'no_usage' as const;

/**
 * Unpriced - the provider reported token counts that are not valid (negative, fractional, infinite, not a number, above 1e12, or cached or reasoning tokens above their total); they are not recorded.
 */
export const TOKENMETER_PRICING_MATCH_VALUE_INVALID_USAGE = 'invalid_usage' as const;

/**
 * The catalog model entry that matched the response (or request) model.
 *
 * @example gpt-4o-mini
 * @example claude-3-5-sonnet
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_PRICING_MODEL_ID = 'tokenmeter.pricing.model_id' as const;

/**
 * The catalog provider whose price list matched.
 *
 * @example openai
 * @example anthropic
 * @example google
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_PRICING_PROVIDER_ID = 'tokenmeter.pricing.provider_id' as const;

/**
 * The billing tier the price was taken for.
 *
 * @note standard unless the request named another tier (OpenAI flex or priority, a batch API).
 *
 * @example standard
 * @example batch
 * @example flex
 * @example priority
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_PRICING_SERVICE_TIER = 'tokenmeter.pricing.service_tier' as const;

/**
 * Where the price that was applied came from.
 *
 * @example catalog
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_PRICING_SOURCE = 'tokenmeter.pricing.source' as const;

/**
 * The catalog bundled with tokenmeter at build time (from @pydantic/genai-prices).
 */
export const TOKENMETER_PRICING_SOURCE_VALUE_CATALOG = 'catalog' as const;

/**
 * A catalog fetched by the opt-in background refresh.
 */
export const TOKENMETER_PRICING_SOURCE_VALUE_REFRESHED_CATALOG = 'refreshed_catalog' as const;

/**
 * A user override from TOKENMETER_PRICING_FILE.
 */
export const TOKENMETER_PRICING_SOURCE_VALUE_OVERRIDE = 'override' as const;

/**
 * A cost the provider (or a gateway such as OpenRouter) returned in the response.
 */
export const TOKENMETER_PRICING_SOURCE_VALUE_PROVIDER = 'provider' as const;

/**
 * The version of the price data that priced the call.
 *
 * @example genai-prices@0.1.8
 * @example overrides:sha256:4f2a9c
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_PRICING_VERSION = 'tokenmeter.pricing.version' as const;

/**
 * The tenant, organisation or customer account that pays for the call.
 *
 * @example acme
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_TENANT_ID = 'tokenmeter.tenant.id' as const;

/**
 * True when the token counts were counted locally because the provider reported none.
 *
 * @note Set only when true. A cost computed from estimated tokens is itself an estimate.
 *
 * @example true
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_USAGE_ESTIMATED = 'tokenmeter.usage.estimated' as const;

/**
 * The end user the call was made for (an opaque id, not personal data).
 *
 * @example u_1842
 * @experimental This attribute is in development and may change.
 */
export const ATTR_TOKENMETER_USER_ID = 'tokenmeter.user.id' as const;

/**
 * The tokenmeter.feature of the call, only when allowlisted.
 *
 * @example search-summary
 * @experimental This attribute is in development and may change.
 */
export const LABEL_FEATURE = 'feature' as const;

/**
 * The model the request named (gen_ai.request.model), lowercase.
 *
 * @example gpt-4o-mini
 * @experimental This attribute is in development and may change.
 */
export const LABEL_MODEL = 'model' as const;

/**
 * The tenant (tokenmeter.tenant.id), when one is set.
 *
 * @example acme
 * @experimental This attribute is in development and may change.
 */
export const LABEL_ORG_ID = 'org_id' as const;

/**
 * What a budget did to the call (on llm_requests_total); absent for a call no budget acted on.
 *
 * @note A blocked call is counted once, on its outcome="blocked" series, at $0 (it was never sent); sum(llm_requests_total) still counts every call once.
 *
 * @example blocked
 * @experimental This attribute is in development and may change.
 */
export const LABEL_OUTCOME = 'outcome' as const;

/**
 * A block budget answered the call locally with the provider's 429; nothing was sent.
 */
export const LABEL_OUTCOME_VALUE_BLOCKED = 'blocked' as const;

/**
 * A route-cheap budget sent a cheaper model than the one asked for.
 */
export const LABEL_OUTCOME_VALUE_ROUTED = 'routed' as const;

/**
 * Whether the call could be priced (on llm_requests_total).
 *
 * @example true
 * @experimental This attribute is in development and may change.
 */
export const LABEL_PRICED = 'priced' as const;

/**
 * The gen_ai.provider.name of the call.
 *
 * @example openai
 * @example aws.bedrock
 * @experimental This attribute is in development and may change.
 */
export const LABEL_PROVIDER = 'provider' as const;

/**
 * The kind of token counted by llm_tokens_total.
 *
 * @example input
 * @example output
 * @experimental This attribute is in development and may change.
 */
export const LABEL_TOKEN_TYPE = 'token_type' as const;

/**
 * Input tokens not read from or written to a cache.
 */
export const LABEL_TOKEN_TYPE_VALUE_INPUT = 'input' as const;

/**
 * Input tokens read from the prompt cache.
 */
export const LABEL_TOKEN_TYPE_VALUE_CACHE_READ = 'cache_read' as const;

/**
 * Input tokens written to the prompt cache.
 */
export const LABEL_TOKEN_TYPE_VALUE_CACHE_WRITE = 'cache_write' as const;

/**
 * Output tokens
 */
export const LABEL_TOKEN_TYPE_VALUE_OUTPUT = 'output' as const;

/**
 * The tokenmeter.user.id of the call, only when allowlisted.
 *
 * @example u_1842
 * @experimental This attribute is in development and may change.
 */
export const LABEL_USER = 'user' as const;
