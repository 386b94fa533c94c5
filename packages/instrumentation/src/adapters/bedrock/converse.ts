// Bedrock Converse (`/model/{modelId}/converse`, `converse-stream`; the AWS SDK's ConverseCommand
// and ConverseStreamCommand). The model is in the URL path. Usage: see usage.ts.
import { GEN_AI_OPERATION_NAME_VALUE_CHAT } from '@tokenmeter/semconv';
import { asList, asText, type Message, pushRoleMessages, textParts } from '../messages.js';
import { messagesFrom, pushText } from '../request-text.js';
import type { HeaderSource, ResponseInfo, StreamFormat, WireFormat } from '../types.js';
import { clean, header, obj, str } from '../util.js';
import { bedrockBudgetExceeded, bedrockWithModel } from './budget.js';
import { readConverseRequest } from './request.js';
import { createBedrockStreamParser } from './stream.js';
import { bedrockUsage, headerUsage } from './usage.js';

/** Converse response body (or the AWS SDK's ConverseCommand output). */
export function parseBedrockConverse(json: unknown, headers?: HeaderSource): ResponseInfo {
  const body = obj(json);
  if (!body) return clean({ usage: headerUsage(headers) });
  const stop = str(body.stopReason);
  return clean({
    responseId: header(headers, 'x-amzn-requestid') ?? str(obj(body.$metadata)?.requestId),
    finishReasons: stop ? [stop] : undefined,
    usage: bedrockUsage(body.usage) ?? headerUsage(headers),
    serviceTier: str(obj(body.serviceTier)?.type),
  });
}

/** Bedrock streams are AWS event streams. */
export function eventStreamFraming(): StreamFormat {
  return 'aws-eventstream';
}

/** Bedrock Converse. */
export const bedrockConverse: WireFormat = {
  api: 'bedrock.converse',
  operation: GEN_AI_OPERATION_NAME_VALUE_CHAT,
  modelIn: 'path',
  usageOnRequest: false,
  estimate: 'chat',
  streamFraming: eventStreamFraming,
  readRequest: readConverseRequest,
  plausible: () => true,
  readsResponseHeaders: true,
  parseResponse: (json, _info, headers) => parseBedrockConverse(json, headers),
  createStreamParser: createBedrockStreamParser,
  inputMessages(b) {
    const out: Message[] = [];
    const system = asList(b.system);
    if (system.length > 0) out.push({ role: 'system', parts: textParts(system) });
    return pushRoleMessages(out, b.messages);
  },
  outputMessages(b) {
    const message = obj(obj(b.output)?.message);
    return message
      ? [{ role: 'assistant', parts: textParts(message.content), finish_reason: asText(b.stopReason) }]
      : [];
  },
  requestText(b, into) {
    pushText(into.texts, b.system);
    messagesFrom(b.messages, into);
  },
  budgetExceeded: bedrockBudgetExceeded,
  withModel: bedrockWithModel,
};
