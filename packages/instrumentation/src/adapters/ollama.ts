// Ollama's native API (`/api/chat`, `/api/generate`, `/api/embed` and the legacy `/api/embeddings`),
// what the `ollama` npm client speaks. Not the OpenAI-compatible `/v1` API, which is openai*.ts.
//
// A request streams unless it says `stream: false` (Ollama's default, unlike every other API): the
// stream is NDJSON (`application/x-ndjson`), one object a line, the last with `done: true`. Usage is
// on the final object: `prompt_eval_count` (input; absent when the whole prompt came from Ollama's
// cache, so read as 0 when `eval_count` is there) and `eval_count` (output). `/api/embed` reports
// `prompt_eval_count`; the legacy `/api/embeddings` reports nothing, so it is counted locally.
// Ollama runs on your hardware: the catalog has no price, the overrides file (TOKENMETER_PRICING_FILE)
// gives one, and without one a call is counted unpriced with its reason.
import {
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
} from '@tokenmeter/semconv';
import { blockedResponse, type LocalResponse, type ModelRewrite, withBodyModel } from './budget-types.js';
import { asText, type Message, pushRoleMessages, textParts } from './messages.js';
import { hasBodyModel, readBodyModel } from './openai.js';
import { messagesFrom, promptLike, pushText, type RequestText } from './request-text.js';
import { ShellStreamParser } from './stream-parser.js';
import type {
  RequestInfo,
  ResponseInfo,
  StreamFormat,
  StreamParser,
  StreamParserOptions,
  WireFormat,
} from './types.js';
import {
  clean,
  count,
  makeCapture,
  makeUsage,
  noMessages,
  num,
  type Obj,
  obj,
  setRequestParameters,
  str,
  tokens,
} from './util.js';

/** The usage on a final (`done: true`) object, or on an `/api/embed` response. */
function ollamaUsage(body: Obj, output: boolean) {
  const input = tokens(body.prompt_eval_count);
  const out = output ? tokens(body.eval_count) : undefined;
  if (input === undefined && out === undefined) return undefined;
  return makeUsage({ input: input ?? 0, output: out ?? 0 });
}

/** What one chat/generate object says: the model, and on the final one the finish reason and usage. */
function readObject(body: Obj, into: ResponseInfo): boolean {
  const model = str(body.model);
  if (model) into.responseModel = model;
  const error = str(body.error);
  if (error !== undefined) into.errorType = 'error';
  if (body.done !== true) return error !== undefined;
  const reason = str(body.done_reason);
  if (reason) into.finishReasons = [reason];
  const usage = ollamaUsage(body, true);
  if (usage) into.usage = usage;
  return true;
}

function parseGenerate(json: unknown): ResponseInfo {
  const body = obj(json);
  if (!body) return {};
  const info: ResponseInfo = {};
  readObject(body, info);
  return clean(info);
}

function parseEmbed(json: unknown): ResponseInfo {
  const body = obj(json);
  if (!body) return {};
  const usage = ollamaUsage(body, false);
  return clean({ responseModel: str(body.model), usage: usage && { ...usage, outputTokens: 0 } });
}

/** Stream parser of an NDJSON stream (each line passed as one event). Terminal: `done: true`, or an error line. */
function createOllamaStreamParser(_info: RequestInfo, options?: StreamParserOptions): StreamParser {
  const capture = makeCapture(options);
  const seen: ResponseInfo = {};
  return new ShellStreamParser(
    {
      observe(body) {
        if (capture) {
          const text = asText(obj(body.message)?.content) ?? asText(body.response);
          if (text) capture.add(text);
        }
        return readObject(body, seen);
      },
      result: () => clean({ ...seen }),
    },
    capture,
  );
}

function ndjsonFraming(): StreamFormat {
  return 'ndjson';
}

/** Ollama streams unless told not to; sampling options sit under `options`. */
function readOllamaRequest(info: RequestInfo, b: Obj): void {
  readBodyModel(info, b);
  info.stream = b.stream !== false;
  const o = obj(b.options);
  if (o) setRequestParameters(info, count(o.num_predict), num(o.temperature), num(o.top_p));
}

/** Ollama's error shape, with the 429 a budget block needs. */
function ollamaBudgetExceeded(message: string): LocalResponse {
  return blockedResponse({ error: message });
}

function ollamaWithModel(_url: URL, bodyText: string | undefined, model: string): ModelRewrite | undefined {
  return withBodyModel(bodyText, model);
}

const common = {
  modelIn: 'body',
  usageOnRequest: false,
  streamFraming: ndjsonFraming,
  plausible: hasBodyModel,
  createStreamParser: createOllamaStreamParser,
  budgetExceeded: ollamaBudgetExceeded,
  withModel: ollamaWithModel,
} as const;

/** `/api/chat`: messages in, one assistant message out. */
export const ollamaChat: WireFormat = {
  ...common,
  api: 'ollama.chat',
  operation: GEN_AI_OPERATION_NAME_VALUE_CHAT,
  estimate: 'chat',
  readRequest: readOllamaRequest,
  parseResponse: (json) => parseGenerate(json),
  inputMessages(b) {
    return pushRoleMessages([], b.messages);
  },
  outputMessages(b) {
    const message = obj(b.message);
    if (!message) return [];
    return [{ role: 'assistant', parts: textParts(message.content), finish_reason: asText(b.done_reason) }];
  },
  requestText(b, into: RequestText) {
    messagesFrom(b.messages, into);
  },
};

/** `/api/generate`: a prompt (and a system prompt) in, a completion out. */
export const ollamaGenerate: WireFormat = {
  ...common,
  api: 'ollama.generate',
  operation: GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
  estimate: 'completion',
  readRequest: readOllamaRequest,
  parseResponse: (json) => parseGenerate(json),
  inputMessages(b) {
    const out: Message[] = [];
    const system = asText(b.system);
    if (system !== undefined) out.push({ role: 'system', parts: textParts(system) });
    const prompt = asText(b.prompt);
    if (prompt !== undefined) out.push({ role: 'user', parts: textParts(prompt) });
    return out;
  },
  outputMessages(b) {
    const response = asText(b.response);
    if (response === undefined) return [];
    return [{ role: 'assistant', parts: textParts(response), finish_reason: asText(b.done_reason) }];
  },
  requestText(b, into: RequestText) {
    pushText(into.texts, b.system);
    promptLike(b.prompt, into);
  },
};

/** `/api/embed` (input) and the legacy `/api/embeddings` (prompt, no count reported: counted locally). */
export const ollamaEmbed: WireFormat = {
  ...common,
  api: 'ollama.embed',
  operation: GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  estimate: 'embeddings',
  reportsNoUsage: true,
  readRequest: readBodyModel, // never streamed
  parseResponse: (json) => parseEmbed(json),
  inputMessages: noMessages,
  outputMessages: noMessages,
  requestText(b, into: RequestText) {
    promptLike(b.input ?? b.prompt, into);
  },
};
