// OpenAI Embeddings (`/embeddings`): input tokens only; no messages to capture.
import { GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS } from '@tokenmeter/semconv';
import {
  createOpenAIChatStreamParser,
  hasBodyModel,
  openaiBudgetExceeded,
  openaiWithModel,
  readBodyModel,
  sseFraming,
} from './openai.js';
import { promptLike } from './request-text.js';
import type { ResponseInfo, WireFormat } from './types.js';
import { clean, makeUsage, noMessages, obj, str, tokens } from './util.js';

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

/** OpenAI Embeddings: the body names the model; nothing else of the request is recorded. */
export const openaiEmbeddings: WireFormat = {
  api: 'openai.embeddings',
  operation: GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  modelIn: 'body',
  usageOnRequest: false,
  estimate: 'embeddings',
  streamFraming: sseFraming,
  readRequest: readBodyModel,
  plausible: hasBodyModel,
  parseResponse: (json) => parseOpenAIEmbeddings(json),
  createStreamParser: createOpenAIChatStreamParser, // embeddings are not streamed; the chat parser reads anything OpenAI-shaped
  inputMessages: noMessages,
  outputMessages: noMessages,
  requestText(b, into) {
    promptLike(b.input, into);
  },
  budgetExceeded: openaiBudgetExceeded,
  withModel: openaiWithModel,
};
