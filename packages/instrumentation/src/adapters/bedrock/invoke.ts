// Bedrock InvokeModel (`/model/{modelId}/invoke`, `invoke-with-response-stream`; the AWS SDK's
// InvokeModelCommand and InvokeModelWithResponseStreamCommand): each model family's own body
// (Anthropic Messages JSON with its usage; Meta prompt_token_count / generation_token_count; Titan
// inputTextTokenCount / tokenCount; Nova usage), else the `x-amzn-bedrock-input-token-count` /
// `-output-token-count` response headers.
import { GEN_AI_OPERATION_NAME_VALUE_CHAT } from '@tokenmeter/semconv';
import { anthropicInputMessages, messageBodyOutput, parseAnthropicMessage } from '../anthropic.js';
import { asText } from '../messages.js';
import { openaiUsage } from '../openai.js';
import { messagesFrom, promptLike, pushText } from '../request-text.js';
import type { HeaderSource, RequestInfo, ResponseInfo, WireFormat } from '../types.js';
import { arr, clean, denseReasons, header, makeUsage, obj, setFinish, str, tokens } from '../util.js';
import { bedrockBudgetExceeded, bedrockWithModel } from './budget.js';
import { eventStreamFraming } from './converse.js';
import { bedrockFamily } from './model-id.js';
import { readInvokeRequest } from './request.js';
import { createBedrockStreamParser } from './stream.js';
import { bedrockUsage, headerUsage } from './usage.js';

/** InvokeModel response body, read by the model family of `info.requestModel`. */
export function parseBedrockInvoke(info: RequestInfo, json: unknown, headers?: HeaderSource): ResponseInfo {
  const family = bedrockFamily(info.requestModel ?? '');
  const body = obj(json);
  const requestId = header(headers, 'x-amzn-requestid');
  const fromHeaders = headerUsage(headers);
  if (!body) return clean({ responseId: requestId, usage: fromHeaders });
  let result: ResponseInfo;
  if (family === 'anthropic' || body.type === 'message') {
    result = parseAnthropicMessage(body);
  } else if (body.usage !== undefined && obj(body.usage)?.inputTokens !== undefined) {
    // Amazon Nova (and other Converse-shaped bodies).
    const stop = str(body.stopReason);
    result = clean({ finishReasons: stop ? [stop] : undefined, usage: bedrockUsage(body.usage) });
  } else if (body.prompt_token_count !== undefined || body.generation_token_count !== undefined) {
    // Meta Llama.
    const stop = str(body.stop_reason);
    result = clean({
      finishReasons: stop ? [stop] : undefined,
      usage: makeUsage({
        input: tokens(body.prompt_token_count) ?? 0,
        output: tokens(body.generation_token_count) ?? 0,
      }),
    });
  } else if (body.inputTextTokenCount !== undefined) {
    // Amazon Titan text (results[]) and Titan embeddings.
    const reasons: string[] = [];
    let output = 0;
    const results = arr(body.results);
    if (results) {
      results.forEach((r, i) => {
        const entry = obj(r);
        output += tokens(entry?.tokenCount) ?? 0;
        const reason = str(entry?.completionReason);
        if (reason) setFinish(reasons, i, reason);
      });
    }
    result = clean({
      finishReasons: denseReasons(reasons),
      usage: makeUsage({ input: tokens(body.inputTextTokenCount) ?? 0, output }),
    });
  } else {
    // Cohere, Mistral, AI21 Jamba, OpenAI gpt-oss, DeepSeek, ...: finish reasons from the body,
    // usage from an OpenAI-style `usage` when there is one, else from the headers.
    const reasons: string[] = [];
    const list = arr(body.choices) ?? arr(body.outputs) ?? arr(body.generations);
    if (list) {
      list.forEach((c, i) => {
        const entry = obj(c);
        const reason = str(entry?.finish_reason) ?? str(entry?.stop_reason);
        if (reason) setFinish(reasons, i, reason);
      });
    }
    const single = str(body.finish_reason) ?? str(body.stop_reason);
    if (single && reasons.length === 0) reasons.push(single);
    result = clean({
      responseId: str(body.id) ?? str(body.response_id),
      responseModel: str(body.model),
      finishReasons: denseReasons(reasons),
      usage: openaiUsage(body.usage),
    });
  }
  const usage = result.usage ?? fromHeaders;
  return clean({ ...result, responseId: result.responseId ?? requestId, usage });
}

/** Bedrock InvokeModel. */
export const bedrockInvoke: WireFormat = {
  api: 'bedrock.invoke',
  operation: GEN_AI_OPERATION_NAME_VALUE_CHAT,
  modelIn: 'path',
  usageOnRequest: false,
  estimate: 'chat',
  streamFraming: eventStreamFraming,
  readRequest: readInvokeRequest,
  plausible: () => true,
  readsResponseHeaders: true,
  parseResponse: (json, info, headers) => parseBedrockInvoke(info, json, headers),
  createStreamParser: createBedrockStreamParser,
  inputMessages(b) {
    const out = anthropicInputMessages(b);
    const prompt = asText(b.prompt) ?? asText(b.inputText);
    if (prompt !== undefined) out.push({ role: 'user', parts: [{ type: 'text', content: prompt }] });
    return out;
  },
  outputMessages: messageBodyOutput,
  requestText(b, into) {
    pushText(into.texts, b.system);
    if (b.messages !== undefined) messagesFrom(b.messages, into);
    promptLike(b.prompt ?? b.inputText ?? b.texts, into);
  },
  budgetExceeded: bedrockBudgetExceeded,
  withModel: bedrockWithModel,
};
