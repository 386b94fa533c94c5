// Gemini wire format: generativelanguage.googleapis.com (gcp.gemini) and Vertex AI publisher models
// (gcp.vertex_ai), generateContent / streamGenerateContent / embedContent / batchEmbedContents /
// Vertex predict for embedding models.
//
// Usage normalisation: `promptTokenCount` already includes `cachedContentTokenCount`;
// `toolUsePromptTokenCount` is counted apart and belongs to the input; thinking is reported apart
// from the output (`thoughtsTokenCount`), so
//   input  = promptTokenCount + toolUsePromptTokenCount   (cacheRead = cachedContentTokenCount)
//   output = candidatesTokenCount + thoughtsTokenCount    (reasoning = thoughtsTokenCount)
// which matches totalTokenCount. Audio comes from the per-modality details.
import type { TokenUsage } from '@tokenmeter/pricing';
import {
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT,
} from '@tokenmeter/semconv';
import { blockedResponse, type LocalResponse, type ModelRewrite, withPathModel } from './budget-types.js';
import { asList, asText, type Message, textParts } from './messages.js';
import { messagesFrom, pushText, type RequestText } from './request-text.js';
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
  arr,
  clean,
  count,
  denseReasons,
  makeCapture,
  makeUsage,
  noMessages,
  num,
  type Obj,
  obj,
  setFinish,
  setRequestParameters,
  str,
  tokens,
} from './util.js';

function modalityCount(details: unknown, modality: string): number | undefined {
  const list = arr(details);
  if (!list) return undefined;
  let total: number | undefined;
  for (const d of list) {
    const entry = obj(d);
    if (entry && entry.modality === modality) total = (total ?? 0) + (tokens(entry.tokenCount) ?? 0);
  }
  return total;
}

/** Normalise a Gemini `usageMetadata` object. */
export function geminiUsage(value: unknown): TokenUsage | undefined {
  const u = obj(value);
  if (!u) return undefined;
  const prompt = tokens(u.promptTokenCount);
  const candidates = tokens(u.candidatesTokenCount) ?? tokens(u.responseTokenCount);
  const thoughts = tokens(u.thoughtsTokenCount);
  const toolUse = tokens(u.toolUsePromptTokenCount);
  if (prompt === undefined && candidates === undefined && thoughts === undefined) return undefined;
  return makeUsage({
    input: (prompt ?? 0) + (toolUse ?? 0),
    output: (candidates ?? 0) + (thoughts ?? 0),
    cacheRead: tokens(u.cachedContentTokenCount),
    reasoning: thoughts,
    inputAudio: modalityCount(u.promptTokensDetails, 'AUDIO'),
    outputAudio: modalityCount(u.candidatesTokensDetails ?? u.responseTokensDetails, 'AUDIO'),
  });
}

class GeminiState {
  responseId: string | undefined;
  responseModel: string | undefined;
  usage: TokenUsage | undefined;
  readonly reasons: string[] = [];
  blockReason: string | undefined;
  constructor(private readonly capture?: { add(text: string): void }) {}

  /** @returns true when this chunk carries a finish reason. */
  observe(chunk: Record<string, unknown>): boolean {
    this.responseId = str(chunk.responseId) ?? this.responseId;
    this.responseModel = str(chunk.modelVersion) ?? this.responseModel;
    const usage = geminiUsage(chunk.usageMetadata);
    if (usage) this.usage = usage;
    this.blockReason = str(obj(chunk.promptFeedback)?.blockReason) ?? this.blockReason;
    let finished = false;
    const candidates = arr(chunk.candidates);
    if (candidates) {
      for (let i = 0; i < candidates.length; i++) {
        const c = obj(candidates[i]);
        if (!c) continue;
        const reason = str(c.finishReason);
        if (reason) {
          setFinish(this.reasons, count(c.index) ?? i, reason);
          finished = true;
        }
        if (this.capture) {
          const parts = arr(obj(c.content)?.parts);
          if (parts) {
            for (const p of parts) {
              const part = obj(p);
              if (typeof part?.text === 'string') this.capture.add(part.text);
              const call = obj(part?.functionCall);
              if (call) this.capture.add(JSON.stringify(call.args ?? {}));
            }
          }
        }
      }
    }
    return finished;
  }

  result(): ResponseInfo {
    let reasons = denseReasons(this.reasons);
    if (!reasons && this.blockReason) reasons = [this.blockReason];
    return clean({
      responseId: this.responseId,
      responseModel: this.responseModel,
      finishReasons: reasons,
      usage: this.usage,
    });
  }
}

/**
 * generateContent response body; also accepts the JSON array that `streamGenerateContent` returns
 * without `alt=sse` (usage from the last chunk that has it, finish reasons from all).
 */
export function parseGeminiGenerate(json: unknown): ResponseInfo {
  const state = new GeminiState();
  const list = arr(json);
  if (list) {
    for (const item of list) {
      const chunk = obj(item);
      if (chunk) state.observe(chunk);
    }
  } else {
    const body = obj(json);
    if (!body) return {};
    state.observe(body);
  }
  return state.result();
}

/**
 * Embedding responses. The Gemini API's embedContent / batchEmbedContents report no token count
 * (usage stays undefined: estimate it); Vertex `:predict` on embedding models reports
 * `predictions[].embeddings.statistics.token_count`, summed here; Vertex `embedContent` may carry
 * `usageMetadata`.
 */
export function parseGeminiEmbed(json: unknown): ResponseInfo {
  const body = obj(json);
  if (!body) return {};
  const fromMetadata = geminiUsage(body.usageMetadata);
  if (fromMetadata) return clean({ usage: { ...fromMetadata, outputTokens: 0 } });
  const predictions = arr(body.predictions);
  if (predictions) {
    let total: number | undefined;
    for (const p of predictions) {
      const n = tokens(obj(obj(obj(p)?.embeddings)?.statistics)?.token_count);
      if (n !== undefined) total = (total ?? 0) + n;
    }
    if (total !== undefined) return { usage: makeUsage({ input: total, output: 0 }) };
  }
  return {};
}

/**
 * Stream parser for `streamGenerateContent?alt=sse`. Every chunk carries the cumulative
 * usageMetadata; the last one has the finish reason. Terminal: a chunk with a finish reason and
 * usage (otherwise the end of the body).
 */
export function createGeminiStreamParser(_info: RequestInfo, options?: StreamParserOptions): StreamParser {
  const capture = makeCapture(options);
  const state = new GeminiState(capture);
  return new ShellStreamParser(
    {
      observe: (chunk) => state.observe(chunk) && chunk.usageMetadata !== undefined,
      result: () => state.result(),
    },
    capture,
  );
}

/** `streamGenerateContent?alt=sse` streams events; without `alt=sse` it writes one JSON array. */
function geminiFraming(url: URL): StreamFormat {
  return url.searchParams.get('alt') === 'sse' ? 'sse' : 'json-array';
}

/** The text of a Gemini body (both formats): system instruction, contents, embedding inputs. */
function geminiText(b: Obj, into: RequestText): void {
  const system = obj(b.systemInstruction) ?? obj(b.system_instruction);
  if (system) pushText(into.texts, system.parts);
  messagesFrom(b.contents, into);
  if (b.content !== undefined) pushText(into.texts, obj(b.content)?.parts);
  if (Array.isArray(b.requests))
    for (const r of b.requests) pushText(into.texts, obj(obj(r)?.content)?.parts);
  if (Array.isArray(b.instances)) for (const i of b.instances) pushText(into.texts, obj(i)?.content);
}

/** google.rpc.Status with RESOURCE_EXHAUSTED: the Gemini API's (and Vertex AI's) 429. */
function geminiBudgetExceeded(message: string): LocalResponse {
  return blockedResponse({ error: { code: 429, message, status: 'RESOURCE_EXHAUSTED' } });
}

const MODEL_IN_PATH = /(\/models\/)([^/:]+)(:[A-Za-z]+)$/;

/** The model is in the URL path (`.../models/{model}:generateContent`). */
function geminiWithModel(url: URL, _bodyText: string | undefined, model: string): ModelRewrite | undefined {
  return withPathModel(url, MODEL_IN_PATH, model);
}

/** Gemini generateContent / streamGenerateContent (the Gemini API and Vertex AI publisher models). */
export const geminiGenerate: WireFormat = {
  api: 'gemini.generate',
  operation: GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT,
  modelIn: 'path',
  usageOnRequest: false,
  estimate: 'chat',
  streamFraming: geminiFraming,
  readRequest(info: RequestInfo, b: Obj) {
    const cfg = obj(b.generationConfig) ?? obj(b.generation_config);
    setRequestParameters(
      info,
      count(cfg?.maxOutputTokens) ?? count(cfg?.max_output_tokens),
      num(cfg?.temperature),
      num(cfg?.topP) ?? num(cfg?.top_p),
      count(cfg?.candidateCount) ?? count(cfg?.candidate_count),
    );
  },
  plausible: () => true, // the model is in the URL
  parseResponse: (json) => parseGeminiGenerate(json),
  createStreamParser: createGeminiStreamParser,
  inputMessages(b) {
    const out: Message[] = [];
    const system = obj(b.systemInstruction) ?? obj(b.system_instruction);
    if (system) out.push({ role: 'system', parts: textParts(system.parts) });
    for (const c of asList(b.contents)) {
      const content = obj(c);
      if (content)
        out.push({
          role: asText(content.role) === 'model' ? 'assistant' : 'user',
          parts: textParts(content.parts),
        });
    }
    return out;
  },
  outputMessages(b) {
    const out: Message[] = [];
    for (const c of asList(b.candidates)) {
      const cand = obj(c);
      if (cand)
        out.push({
          role: 'assistant',
          parts: textParts(obj(cand.content)?.parts),
          finish_reason: asText(cand.finishReason),
        });
    }
    return out;
  },
  requestText: geminiText,
  budgetExceeded: geminiBudgetExceeded,
  withModel: geminiWithModel,
};

/** Gemini embedContent / batchEmbedContents, Vertex AI `:predict` on embedding models. */
export const geminiEmbed: WireFormat = {
  api: 'gemini.embed',
  operation: GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  modelIn: 'path',
  usageOnRequest: false,
  estimate: 'embeddings',
  reportsNoUsage: true, // Vertex `:predict` reports counts; the Gemini API's embed methods do not
  streamFraming: geminiFraming,
  readRequest: () => {},
  plausible: () => true,
  parseResponse: (json) => parseGeminiEmbed(json),
  createStreamParser: createGeminiStreamParser,
  inputMessages: noMessages,
  outputMessages: noMessages,
  requestText: geminiText,
  budgetExceeded: geminiBudgetExceeded,
  withModel: geminiWithModel,
};
