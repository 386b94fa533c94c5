// Attribute names of other instrumentations' GenAI spans, read (never written) by the
// shared peer-span reader (CostSpanProcessor, gateway). They are not tokenmeter's conventions and not in @tokenmeter/semconv:
// - OpenInference (Arize): https://github.com/Arize-ai/openinference/blob/main/spec/semantic_conventions.md
// - Vercel AI SDK telemetry (ai 3.x to 5.x): https://ai-sdk.dev/docs/ai-sdk-core/telemetry
// - OpenLLMetry (Traceloop) before its move to gen_ai.*: `llm.request.type`, `gen_ai.usage.cache_*`
//   (packages/opentelemetry-semantic-conventions-ai/opentelemetry/semconv_ai/__init__.py).
// - OpenLIT: https://github.com/openlit/openlit sdk/python/src/openlit/semcov/__init__.py

export const OPENINFERENCE_SPAN_KIND = 'openinference.span.kind';
export const OPENINFERENCE_KIND_LLM = 'LLM';
export const OPENINFERENCE_KIND_EMBEDDING = 'EMBEDDING';
export const OPENINFERENCE_TOKEN_PROMPT = 'llm.token_count.prompt';
export const OPENINFERENCE_TOKEN_COMPLETION = 'llm.token_count.completion';
export const OPENINFERENCE_TOKEN_CACHE_READ = 'llm.token_count.prompt_details.cache_read';
export const OPENINFERENCE_TOKEN_CACHE_WRITE = 'llm.token_count.prompt_details.cache_write';
export const OPENINFERENCE_TOKEN_REASONING = 'llm.token_count.completion_details.reasoning';
export const OPENINFERENCE_PROVIDER = 'llm.provider';
export const OPENINFERENCE_SYSTEM = 'llm.system';
export const OPENINFERENCE_MODEL = 'llm.model_name';
export const OPENINFERENCE_INVOCATION_PARAMETERS = 'llm.invocation_parameters';

export const VERCEL_OPERATION_ID = 'ai.operationId';
export const VERCEL_MODEL_ID = 'ai.model.id';
export const VERCEL_MODEL_PROVIDER = 'ai.model.provider';
export const VERCEL_RESPONSE_MODEL = 'ai.response.model';
export const VERCEL_USAGE_INPUT = 'ai.usage.inputTokens';
export const VERCEL_USAGE_OUTPUT = 'ai.usage.outputTokens';
export const VERCEL_USAGE_PROMPT = 'ai.usage.promptTokens';
export const VERCEL_USAGE_COMPLETION = 'ai.usage.completionTokens';
export const VERCEL_USAGE_CACHED_INPUT = 'ai.usage.cachedInputTokens';
export const VERCEL_USAGE_CACHE_READ = 'ai.usage.inputTokenDetails.cacheReadTokens';
export const VERCEL_USAGE_CACHE_WRITE = 'ai.usage.inputTokenDetails.cacheWriteTokens';
export const VERCEL_USAGE_REASONING = 'ai.usage.reasoningTokens';
/** The Vercel AI SDK's inner (per model call) operations: `ai.generateText.doGenerate`, `ai.streamText.doStream`, `ai.embed.doEmbed`. */
export const VERCEL_INNER_OPERATION = /\.do(?:Generate|Stream|Embed)$/;

export const TRACELOOP_REQUEST_TYPE = 'llm.request.type';
export const TRACELOOP_CACHE_READ = 'gen_ai.usage.cache_read_input_tokens';
export const TRACELOOP_CACHE_WRITE = 'gen_ai.usage.cache_creation_input_tokens';
/** OpenLLMetry's reasoning tokens: `gen_ai.usage.reasoning_tokens`, before that `llm.usage.reasoning_tokens`. */
export const TRACELOOP_REASONING = 'gen_ai.usage.reasoning_tokens';
export const TRACELOOP_REASONING_LEGACY = 'llm.usage.reasoning_tokens';

// OpenLIT (sdk/python/src/openlit/semcov/__init__.py): usage details beside the GenAI names.
export const OPENLIT_CACHE_READ = 'gen_ai.usage.prompt_tokens_details.cached_tokens';
export const OPENLIT_CACHE_WRITE = 'gen_ai.usage.prompt_tokens_details.cache_creation_tokens';
export const OPENLIT_REASONING = 'gen_ai.usage.completion_tokens_details.reasoning_tokens';
