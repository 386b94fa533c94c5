// OpenAI Chat Completions and legacy Completions, and what the OpenAI formats share (usage, request
// parameters, error objects); Embeddings and the Responses API are in their own files. Also read for
// every OpenAI-compatible server (Azure OpenAI, Groq, DeepSeek, xAI, Together, Fireworks,
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
import {
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
} from '@tokenmeter/semconv';
import { blockedResponse, type LocalResponse, type ModelRewrite, withBodyModel } from './budget-types.js';
import { asList, asText, type Message, openaiToolCalls, textParts } from './messages.js';
import { readChatChunk } from './openai-chunk.js';
import { messagesFrom, promptLike, type RequestText } from './request-text.js';
import { ShellStreamParser, type Triage } from './stream-parser.js';
import type {
  RequestInfo,
  ResponseInfo,
  StreamFormat,
  StreamParser,
  StreamParserOptions,
  WireFormat,
} from './types.js';
import {
  arr,
  clean,
  count,
  denseReasons,
  makeCapture,
  makeUsage,
  num,
  type Obj,
  obj,
  setFinish,
  setRequestParameters,
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

/** The largest cost a response may report for one call, in USD (the pricing engine's bound too). */
const MAX_REPORTED_USD = 9_000_000;

/** A USD amount a response reports, in nano-dollars, or undefined when it is not a sane amount. */
export function usdToNanos(value: unknown): number | undefined {
  const usd = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0 || usd > MAX_REPORTED_USD) return undefined;
  return Math.round(usd * 1e9);
}

/**
 * The cost an OpenAI-format `usage` reports (OpenRouter: `cost`, in USD-denominated credits; with
 * bring-your-own-key, `is_byok: true`, `cost` is OpenRouter's fee and the provider bills
 * `cost_details.upstream_inference_cost` to the user's own key, so the call cost both).
 */
export function openaiReportedCost(value: unknown): number | undefined {
  const u = obj(value);
  if (!u || u.cost === undefined || u.cost === null) return undefined;
  const fee = usdToNanos(u.cost);
  if (fee === undefined) return undefined;
  if (u.is_byok !== true) return fee;
  const upstream = usdToNanos(obj(u.cost_details)?.upstream_inference_cost);
  return upstream === undefined ? fee : fee + upstream;
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

export function openaiErrorType(value: unknown): string | undefined {
  const e = obj(value);
  if (!e) return undefined;
  return str(e.type) ?? str(e.code) ?? (typeof e.code === 'number' ? String(e.code) : undefined);
}

/** The request parameters the OpenAI formats share (Chat, Completions, Responses). */
export function readOpenAIRequest(info: RequestInfo, b: Obj): void {
  readBodyModel(info, b);
  if (b.stream === true) info.stream = true;
  setRequestParameters(
    info,
    count(b.max_completion_tokens) ?? count(b.max_tokens) ?? count(b.max_output_tokens),
    num(b.temperature),
    num(b.top_p),
    count(b.n),
    str(b.service_tier),
  );
}

/** The body's `model`, for formats that carry it there. */
export function readBodyModel(info: RequestInfo, b: Obj): void {
  const model = str(b.model);
  if (model) info.requestModel = model;
}

/** A body on an unknown host names its model (every body-model format needs one). */
export function hasBodyModel(b: Obj): boolean {
  return typeof b.model === 'string';
}

/** The OpenAI formats' 429 for a call a budget blocked (also OpenAI-compatible servers). */
export function openaiBudgetExceeded(message: string): LocalResponse {
  return blockedResponse({
    error: { message, type: 'budget_exceeded', param: null, code: 'budget_exceeded' },
  });
}

/** The OpenAI formats name the model in the body; Azure OpenAI names a deployment in the path: not routed. */
export function openaiWithModel(
  url: URL,
  bodyText: string | undefined,
  model: string,
): ModelRewrite | undefined {
  return url.pathname.includes('/openai/deployments/') ? undefined : withBodyModel(bodyText, model);
}

/** Server-sent events, whatever the URL. */
export function sseFraming(): StreamFormat {
  return 'sse';
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
    errorType: openaiErrorType(body.error),
    reportedCostNanos: openaiReportedCost(body.usage),
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
  let reportedCostNanos: number | undefined;
  let error: string | undefined;
  let seenFirst = false;

  function triage(data: string): Triage {
    if (data === '[DONE]') return 'terminal';
    return !capture && seenFirst && !CHAT_INTERESTING.test(data) ? 'skip' : undefined;
  }

  function observe(chunk: Obj): false {
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
    reportedCostNanos = openaiReportedCost(chunk.usage) ?? reportedCostNanos;
    error = openaiErrorType(chunk.error) ?? error;
    return false;
  }

  const result = () =>
    clean({
      responseId,
      responseModel,
      finishReasons: denseReasons(reasons),
      usage,
      serviceTier,
      errorType: error,
      reportedCostNanos,
    });
  return new ShellStreamParser({ triage, read: readChatChunk, observe, result }, capture);
}

/** OpenAI Chat Completions (`/chat/completions`). */
export const openaiChat: WireFormat = {
  api: 'openai.chat',
  operation: GEN_AI_OPERATION_NAME_VALUE_CHAT,
  modelIn: 'body',
  usageOnRequest: true,
  estimate: 'chat',
  streamFraming: sseFraming,
  readRequest: readOpenAIRequest,
  plausible: hasBodyModel,
  parseResponse: (json) => parseOpenAIChat(json),
  createStreamParser: createOpenAIChatStreamParser,
  inputMessages(b) {
    const out: Message[] = [];
    for (const m of asList(b.messages)) {
      const msg = obj(m);
      if (!msg) continue;
      const parts = textParts(msg.content).concat(openaiToolCalls(msg.tool_calls));
      out.push({ role: asText(msg.role) ?? 'user', parts });
    }
    return out;
  },
  outputMessages: choiceMessages,
  requestText(b, into) {
    messagesFrom(b.messages, into);
    if (b.messages === undefined) promptLike(b.prompt ?? b.input, into);
  },
  budgetExceeded: openaiBudgetExceeded,
  withModel: openaiWithModel,
};

/** OpenAI legacy Completions (`/completions`): a prompt in, choices of text out; the chat stream. */
export const openaiCompletions: WireFormat = {
  ...openaiChat,
  api: 'openai.completions',
  operation: GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
  estimate: 'completion',
  inputMessages(b) {
    const out: Message[] = [];
    for (const p of Array.isArray(b.prompt) ? b.prompt : [b.prompt]) {
      if (typeof p === 'string') out.push({ role: 'user', parts: [{ type: 'text', content: p }] });
    }
    return out;
  },
  requestText(b: Obj, into: RequestText) {
    promptLike(b.prompt, into);
  },
};

/** The choices of a chat or completion response, as assistant messages. */
function choiceMessages(b: Obj): Message[] {
  const out: Message[] = [];
  for (const c of asList(b.choices)) {
    const choice = obj(c);
    if (!choice) continue;
    const message = obj(choice.message);
    const parts = message
      ? textParts(message.content).concat(openaiToolCalls(message.tool_calls))
      : textParts(asText(choice.text));
    out.push({ role: 'assistant', parts, finish_reason: asText(choice.finish_reason) });
  }
  return out;
}
