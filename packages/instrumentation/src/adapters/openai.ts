// OpenAI wire formats: Chat Completions, legacy Completions, Embeddings and the Responses API. Also
// read for every OpenAI-compatible server (Azure OpenAI, Groq, DeepSeek, xAI, Together, Fireworks,
// OpenRouter, Mistral, vLLM, Ollama's /v1, ...).
//
// Usage normalisation (GenAI semconv meaning, see @tokenmeter/pricing TokenUsage):
// - Chat/Completions: `prompt_tokens` already includes `prompt_tokens_details.cached_tokens`;
//   `completion_tokens` includes `completion_tokens_details.reasoning_tokens` (OpenAI).
// - Responses: `input_tokens` includes `input_tokens_details.cached_tokens`; `output_tokens`
//   includes `output_tokens_details.reasoning_tokens`.
// - DeepSeek reports `prompt_cache_hit_tokens` (part of `prompt_tokens`) instead of cached_tokens.
// - Some compatible servers (xAI) leave reasoning out of `completion_tokens`; it shows in
//   `total_tokens` = prompt + completion + reasoning. When `total_tokens` says so, reasoning is
//   added to the output, so output always includes reasoning.
import type { TokenUsage } from '@tokenmeter/pricing';
import type { RequestInfo, ResponseInfo, StreamParser, StreamParserOptions } from './types.js';
import {
  arr,
  clean,
  count,
  denseReasons,
  makeCapture,
  makeUsage,
  type Obj,
  obj,
  parseJson,
  setFinish,
  str,
  tokens,
} from './util.js';

/** Normalise an OpenAI-style `usage` object (chat, completions, embeddings or responses shape). */
export function openaiUsage(value: unknown): TokenUsage | undefined {
  const u = obj(value);
  if (!u) return undefined;
  const promptTokens = tokens(u.prompt_tokens);
  const inputTokens = tokens(u.input_tokens);
  const input = promptTokens ?? inputTokens;
  const completion = tokens(u.completion_tokens) ?? tokens(u.output_tokens);
  if (input === undefined && completion === undefined) return undefined;
  const inDetails = obj(u.prompt_tokens_details) ?? obj(u.input_tokens_details);
  const outDetails = obj(u.completion_tokens_details) ?? obj(u.output_tokens_details);
  const cacheRead = tokens(inDetails?.cached_tokens) ?? tokens(u.prompt_cache_hit_tokens);
  const reasoning = tokens(outDetails?.reasoning_tokens);
  let output = completion ?? 0;
  const total = tokens(u.total_tokens);
  const inTotal = input ?? 0;
  if (
    reasoning &&
    total !== undefined &&
    total === inTotal + output + reasoning &&
    total !== inTotal + output
  ) {
    output += reasoning; // reasoning reported apart from completion_tokens
  }
  return makeUsage({
    input: inTotal,
    output,
    cacheRead,
    reasoning,
    inputAudio: tokens(inDetails?.audio_tokens),
    outputAudio: tokens(outDetails?.audio_tokens),
  });
}

function readChoices(choices: unknown, reasons: string[]): void {
  const list = arr(choices);
  if (!list) return;
  for (let i = 0; i < list.length; i++) {
    const choice = obj(list[i]);
    if (!choice) continue;
    const reason = str(choice.finish_reason);
    if (reason) setFinish(reasons, count(choice.index) ?? i, reason);
  }
}

/** Chat Completions or legacy Completions response body. */
export function parseOpenAIChat(json: unknown): ResponseInfo {
  const body = obj(json);
  if (!body) return {};
  const reasons: string[] = [];
  readChoices(body.choices, reasons);
  return clean({
    responseId: str(body.id),
    responseModel: str(body.model),
    finishReasons: denseReasons(reasons),
    usage: openaiUsage(body.usage) ?? openaiUsage(obj(body.x_groq)?.usage),
    serviceTier: str(body.service_tier),
    errorType: errorType(body.error),
  });
}

/** Embeddings response body: input tokens only. */
export function parseOpenAIEmbeddings(json: unknown): ResponseInfo {
  const body = obj(json);
  if (!body) return {};
  const u = obj(body.usage);
  const input = tokens(u?.prompt_tokens) ?? tokens(u?.input_tokens) ?? tokens(u?.total_tokens);
  return clean({
    responseId: str(body.id),
    responseModel: str(body.model),
    usage: input !== undefined ? makeUsage({ input, output: 0 }) : undefined,
  });
}

function errorType(value: unknown): string | undefined {
  const e = obj(value);
  if (!e) return undefined;
  return str(e.type) ?? str(e.code) ?? (typeof e.code === 'number' ? String(e.code) : undefined);
}

/** The finish reason of a Responses API response: `stop`, the incomplete reason, or `error`. */
function responsesFinish(body: Obj): string | undefined {
  const status = str(body.status);
  if (status === 'completed') return 'stop';
  if (status === 'incomplete') return str(obj(body.incomplete_details)?.reason) ?? 'incomplete';
  if (status === 'failed') return 'error';
  if (status === 'cancelled') return 'cancelled';
  return undefined;
}

/** Responses API response body (also the `response` object of its stream's terminal events). */
export function parseOpenAIResponses(json: unknown): ResponseInfo {
  const body = obj(json);
  if (!body) return {};
  const finish = responsesFinish(body);
  return clean({
    responseId: str(body.id),
    responseModel: str(body.model),
    finishReasons: finish ? [finish] : undefined,
    usage: openaiUsage(body.usage),
    serviceTier: str(body.service_tier),
    errorType: errorType(body.error),
  });
}

// Chunks worth parsing when no text is being captured: the first one (id, model), those with a
// finish reason, usage or an error. The rest (content deltas) are skipped without JSON.parse.
const CHAT_INTERESTING = /"finish_reason"\s*:\s*"|"usage"\s*:\s*\{|"error"\s*:/;

/** Stream parser for Chat Completions and legacy Completions streams. Terminal event: `[DONE]`. */
export function createOpenAIChatStreamParser(
  _info: RequestInfo,
  options?: StreamParserOptions,
): StreamParser {
  const capture = makeCapture(options);
  const reasons: string[] = [];
  let responseId: string | undefined;
  let responseModel: string | undefined;
  let serviceTier: string | undefined;
  let usage: TokenUsage | undefined;
  let error: string | undefined;
  let events = 0;
  let malformed = 0;
  let terminal = false;
  let seenFirst = false;

  function onEvent(data: string): boolean {
    events++;
    if (data === '[DONE]') {
      terminal = true;
      return true;
    }
    if (!capture && seenFirst && !CHAT_INTERESTING.test(data)) return false;
    const chunk = obj(parseJson(data));
    if (!chunk) {
      malformed++;
      return false;
    }
    seenFirst = true;
    responseId ??= str(chunk.id);
    const model = str(chunk.model);
    if (model) responseModel = model;
    serviceTier = str(chunk.service_tier) ?? serviceTier;
    const list = arr(chunk.choices);
    if (list) {
      readChoices(list, reasons);
      if (capture) {
        for (const c of list) {
          const choice = obj(c);
          if (!choice) continue;
          const text = choice.text;
          if (typeof text === 'string') capture.add(text);
          const delta = obj(choice.delta);
          if (!delta) continue;
          for (const key of ['content', 'refusal', 'reasoning_content', 'reasoning'] as const) {
            const v = delta[key];
            if (typeof v === 'string') capture.add(v);
          }
          const calls = arr(delta.tool_calls);
          if (calls) {
            for (const call of calls) {
              const args = obj(obj(call)?.function)?.arguments;
              if (typeof args === 'string') capture.add(args);
            }
          }
        }
      }
    }
    const u = openaiUsage(chunk.usage) ?? openaiUsage(obj(chunk.x_groq)?.usage);
    if (u) usage = u;
    error = errorType(chunk.error) ?? error;
    return false;
  }

  return {
    onEvent,
    result: () =>
      clean({
        responseId,
        responseModel,
        finishReasons: denseReasons(reasons),
        usage,
        serviceTier,
        errorType: error,
      }),
    stats: () => ({ events, malformed, terminal }),
    outputText: () => capture?.snapshot(),
  };
}

const RESPONSES_TERMINAL = new Set(['response.completed', 'response.failed', 'response.incomplete']);
const RESPONSES_TEXT_DELTAS = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.function_call_arguments.delta',
  'response.reasoning_summary_text.delta',
]);

/**
 * Stream parser for the Responses API. Terminal events: `response.completed`, `response.failed`,
 * `response.incomplete` (usage is in `response.usage`), and `error`.
 */
export function createOpenAIResponsesStreamParser(
  _info: RequestInfo,
  options?: StreamParserOptions,
): StreamParser {
  const capture = makeCapture(options);
  let result: ResponseInfo = {};
  let events = 0;
  let malformed = 0;
  let terminal = false;

  function onEvent(data: string, event?: string): boolean {
    events++;
    if (data === '[DONE]') {
      terminal = true;
      return true;
    }
    // The `event:` line names the type: skip deltas unparsed unless their text is wanted.
    if (event !== undefined && !capture && event.endsWith('.delta')) return false;
    const body = obj(parseJson(data));
    if (!body) {
      malformed++;
      return false;
    }
    const type = str(body.type) ?? event;
    if (type === undefined) return false;
    if (type === 'response.created' || type === 'response.in_progress' || RESPONSES_TERMINAL.has(type)) {
      const parsed = parseOpenAIResponses(body.response);
      result = { ...result, ...parsed };
      if (RESPONSES_TERMINAL.has(type)) {
        terminal = true;
        return true;
      }
      return false;
    }
    if (type === 'error') {
      result = { ...result, errorType: str(body.code) ?? errorType(body.error) ?? 'error' };
      terminal = true;
      return true;
    }
    if (capture && RESPONSES_TEXT_DELTAS.has(type) && typeof body.delta === 'string') capture.add(body.delta);
    return false;
  }

  return {
    onEvent,
    result: () => clean(result),
    stats: () => ({ events, malformed, terminal }),
    outputText: () => capture?.snapshot(),
  };
}
