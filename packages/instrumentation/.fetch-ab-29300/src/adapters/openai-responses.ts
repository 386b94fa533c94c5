// OpenAI Responses API (`/responses`): its body, its typed stream events (usage in the terminal
// `response.completed` / `.incomplete` / `.failed`), its input items and output items.
import { GEN_AI_OPERATION_NAME_VALUE_CHAT } from '@tokenmeter/semconv';
import { asList, asText, type Message, textParts } from './messages.js';
import {
  hasBodyModel,
  openaiBudgetExceeded,
  openaiErrorType,
  openaiUsage,
  openaiWithModel,
  readOpenAIRequest,
  sseFraming,
} from './openai.js';
import { messagesFrom } from './request-text.js';
import type { RequestInfo, ResponseInfo, StreamParser, StreamParserOptions, WireFormat } from './types.js';
import { clean, makeCapture, type Obj, obj, parseJson, str } from './util.js';

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
    errorType: openaiErrorType(body.error),
  });
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
      result = { ...result, errorType: str(body.code) ?? openaiErrorType(body.error) ?? 'error' };
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

/** OpenAI Responses API. */
export const openaiResponses: WireFormat = {
  api: 'openai.responses',
  operation: GEN_AI_OPERATION_NAME_VALUE_CHAT,
  modelIn: 'body',
  usageOnRequest: false,
  estimate: 'chat',
  streamFraming: sseFraming,
  readRequest: readOpenAIRequest,
  plausible: hasBodyModel,
  parseResponse: (json) => parseOpenAIResponses(json),
  createStreamParser: createOpenAIResponsesStreamParser,
  inputMessages(b) {
    const out: Message[] = [];
    const instructions = asText(b.instructions);
    if (instructions !== undefined)
      out.push({ role: 'system', parts: [{ type: 'text', content: instructions }] });
    if (typeof b.input === 'string') out.push({ role: 'user', parts: [{ type: 'text', content: b.input }] });
    for (const m of asList(b.input)) {
      const msg = obj(m);
      if (!msg) continue;
      const type = asText(msg.type);
      if (type === 'function_call' || type === 'function_call_output') {
        out.push({ role: type === 'function_call' ? 'assistant' : 'tool', parts: textParts([msg]) });
      } else {
        out.push({ role: asText(msg.role) ?? 'user', parts: textParts(msg.content) });
      }
    }
    return out;
  },
  outputMessages(b: Obj) {
    const out: Message[] = [];
    for (const item of asList(b.output)) {
      const o = obj(item);
      if (!o) continue;
      if (o.type === 'message') out.push({ role: 'assistant', parts: textParts(o.content) });
      else if (o.type === 'function_call') out.push({ role: 'assistant', parts: textParts([o]) });
    }
    return out;
  },
  requestText(b, into) {
    if (typeof b.instructions === 'string') into.texts.push(b.instructions);
    if (typeof b.input === 'string') into.messages.push({ role: 'user', texts: [b.input] });
    else messagesFrom(b.input, into);
  },
  budgetExceeded: openaiBudgetExceeded,
  withModel: openaiWithModel,
};
