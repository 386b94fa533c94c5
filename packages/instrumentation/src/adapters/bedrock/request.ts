// The request parameters of Bedrock bodies: Converse's inferenceConfig, and InvokeModel bodies in
// each model family's own names (max_tokens, max_gen_len, maxTokenCount, ...).
import {
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
} from '@tokenmeter/semconv';
import type { RequestInfo } from '../types.js';
import { count, num, type Obj, obj, setRequestParameters, str } from '../util.js';
import { isEmbeddingModel } from './model-id.js';

function firstNumber(...values: unknown[]): number | undefined {
  for (const v of values) {
    const n = count(v);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** Converse (and ConverseStream) request parameters: `inferenceConfig`, `serviceTier`. */
export function readConverseRequest(info: RequestInfo, b: Obj): void {
  const cfg = obj(b.inferenceConfig);
  setRequestParameters(
    info,
    count(cfg?.maxTokens),
    num(cfg?.temperature),
    num(cfg?.topP),
    undefined,
    str(obj(b.serviceTier)?.type),
  );
}

/**
 * InvokeModel request parameters in the model family's own names, and the operation the body says
 * (embeddings for an embedding model, chat for messages, text completion for a prompt).
 */
export function readInvokeRequest(info: RequestInfo, b: Obj): void {
  const cfg = obj(b.inferenceConfig) ?? obj(b.textGenerationConfig);
  const maxTokens = firstNumber(
    b.max_tokens,
    b.max_gen_len,
    b.max_new_tokens,
    b.maxTokens,
    b.max_completion_tokens,
    cfg?.maxTokens,
    cfg?.max_new_tokens,
    cfg?.maxTokenCount,
  );
  setRequestParameters(
    info,
    maxTokens,
    num(b.temperature) ?? num(cfg?.temperature),
    num(b.top_p) ?? num(b.topP) ?? num(b.p) ?? num(cfg?.topP) ?? num(cfg?.top_p),
  );
  if (isEmbeddingModel(info.requestModel ?? '')) info.operation = GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS;
  else if (b.messages !== undefined) info.operation = GEN_AI_OPERATION_NAME_VALUE_CHAT;
  else if (b.prompt !== undefined || b.inputText !== undefined)
    info.operation = GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION;
}

/** Read the request parameters of a Converse or InvokeModel body into `info` (mutates it). */
export function readBedrockRequestBody(info: RequestInfo, body: unknown): void {
  const b = obj(body);
  if (!b) return;
  if (info.api === 'bedrock.converse') readConverseRequest(info, b);
  else readInvokeRequest(info, b);
}
