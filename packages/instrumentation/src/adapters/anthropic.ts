// Anthropic Messages format: api.anthropic.com, Claude on Vertex AI (rawPredict / streamRawPredict)
// and on Bedrock (InvokeModel bodies), and Anthropic-compatible servers.
//
// Usage normalisation: Anthropic's `input_tokens` EXCLUDES cache reads and writes, so
// inputTokens = input_tokens + cache_creation_input_tokens + cache_read_input_tokens.
// cache_creation.ephemeral_1h_input_tokens gives the 1-hour share of the cache writes.
// Streams: message_start carries input and cache counts; message_delta carries the cumulative
// output_tokens (and, on newer models, cumulative input/cache counts, which then win).
import type { TokenUsage } from '@tokenmeter/pricing';
import { GEN_AI_OPERATION_NAME_VALUE_CHAT } from '@tokenmeter/semconv';
import { blockedResponse, withBodyModel } from './budget-types.js';
import { asText, type Message, pushRoleMessages, textParts } from './messages.js';
import { readBodyModel, sseFraming } from './openai.js';
import { messagesFrom, pushText } from './request-text.js';
import { ShellStreamParser } from './stream-parser.js';
import type { RequestInfo, ResponseInfo, StreamParser, StreamParserOptions, WireFormat } from './types.js';
import {
  clean,
  count,
  makeCapture,
  makeUsage,
  num,
  type Obj,
  obj,
  setRequestParameters,
  str,
  tokens,
} from './util.js';

interface AnthropicCounts {
  input?: number | undefined;
  cacheWrite?: number | undefined;
  cacheRead?: number | undefined;
  cacheWrite1h?: number | undefined;
  output?: number | undefined;
  serviceTier?: string | undefined;
}

function readCounts(value: unknown, into: AnthropicCounts): void {
  const u = obj(value);
  if (!u) return;
  into.input = tokens(u.input_tokens) ?? into.input;
  into.cacheWrite = tokens(u.cache_creation_input_tokens) ?? into.cacheWrite;
  into.cacheRead = tokens(u.cache_read_input_tokens) ?? into.cacheRead;
  into.cacheWrite1h = tokens(obj(u.cache_creation)?.ephemeral_1h_input_tokens) ?? into.cacheWrite1h;
  into.output = tokens(u.output_tokens) ?? into.output;
  into.serviceTier = str(u.service_tier) ?? into.serviceTier;
}

function toUsage(c: AnthropicCounts): TokenUsage | undefined {
  if (
    c.input === undefined &&
    c.output === undefined &&
    c.cacheRead === undefined &&
    c.cacheWrite === undefined
  ) {
    return undefined;
  }
  const cacheWrite = c.cacheWrite ?? 0;
  const cacheRead = c.cacheRead ?? 0;
  return makeUsage({
    input: (c.input ?? 0) + cacheWrite + cacheRead,
    output: c.output ?? 0,
    cacheRead: c.cacheRead,
    cacheWrite: c.cacheWrite,
    cacheWrite1h: c.cacheWrite1h,
  });
}

/** Normalise an Anthropic `usage` object. */
export function anthropicUsage(value: unknown): TokenUsage | undefined {
  const c: AnthropicCounts = {};
  readCounts(value, c);
  return toUsage(c);
}

/** Anthropic Messages response body. */
export function parseAnthropicMessage(json: unknown): ResponseInfo {
  const body = obj(json);
  if (!body) return {};
  const counts: AnthropicCounts = {};
  readCounts(body.usage, counts);
  const stop = str(body.stop_reason);
  return clean({
    responseId: str(body.id),
    responseModel: str(body.model),
    finishReasons: stop ? [stop] : undefined,
    usage: toUsage(counts),
    serviceTier: counts.serviceTier,
    errorType: body.type === 'error' ? (str(obj(body.error)?.type) ?? 'error') : undefined,
  });
}

/**
 * The incremental state of one Anthropic stream; shared with the Bedrock and Vertex parsers, which
 * see the same events through another framing.
 */
export class AnthropicStreamState {
  readonly counts: AnthropicCounts = {};
  responseId: string | undefined;
  responseModel: string | undefined;
  stopReason: string | undefined;
  errorType: string | undefined;
  constructor(private readonly capture?: { add(text: string): void }) {}

  /** Observe one parsed event object. @returns true on `message_stop` or `error`. */
  observe(body: Record<string, unknown>, eventName?: string): boolean {
    const type = str(body.type) ?? eventName;
    switch (type) {
      case 'message_start': {
        const message = obj(body.message);
        if (message) {
          this.responseId = str(message.id) ?? this.responseId;
          this.responseModel = str(message.model) ?? this.responseModel;
          readCounts(message.usage, this.counts);
        }
        return false;
      }
      case 'message_delta': {
        this.stopReason = str(obj(body.delta)?.stop_reason) ?? this.stopReason;
        readCounts(body.usage, this.counts);
        return false;
      }
      case 'content_block_delta': {
        const delta = obj(body.delta);
        if (this.capture && delta) {
          const text = delta.text ?? delta.thinking ?? delta.partial_json;
          if (typeof text === 'string') this.capture.add(text);
        }
        return false;
      }
      case 'message_stop':
        return true;
      case 'error':
        this.errorType = str(obj(body.error)?.type) ?? 'error';
        return true;
      default:
        return false;
    }
  }

  result(): ResponseInfo {
    return clean({
      responseId: this.responseId,
      responseModel: this.responseModel,
      finishReasons: this.stopReason ? [this.stopReason] : undefined,
      usage: toUsage(this.counts),
      serviceTier: this.counts.serviceTier,
      errorType: this.errorType,
    });
  }
}

/** Stream parser for Anthropic Messages SSE. Terminal events: `message_stop`, `error`. */
export function createAnthropicStreamParser(_info: RequestInfo, options?: StreamParserOptions): StreamParser {
  const capture = makeCapture(options);
  const state = new AnthropicStreamState(capture);
  return new ShellStreamParser(
    {
      // Text deltas and pings carry nothing but text: skip them unparsed unless text is wanted.
      triage: (_data, event) =>
        event === 'ping' || (event === 'content_block_delta' && !capture) ? 'skip' : undefined,
      observe: (body, event) => state.observe(body, event),
      result: () => state.result(),
    },
    capture,
  );
}

/** The request parameters of a Messages body (also Claude's InvokeModel body on Bedrock). */
export function readAnthropicRequest(info: RequestInfo, b: Obj): void {
  readBodyModel(info, b);
  if (b.stream === true) info.stream = true;
  setRequestParameters(
    info,
    count(b.max_tokens),
    num(b.temperature),
    num(b.top_p),
    undefined,
    str(b.service_tier),
  );
}

/** The system prompt and messages of a Messages body, in the semconv shape. */
export function anthropicInputMessages(b: Obj): Message[] {
  const out: Message[] = [];
  if (b.system !== undefined) out.push({ role: 'system', parts: textParts(b.system) });
  return pushRoleMessages(out, b.messages);
}

/**
 * The output of a Messages response body (or of a Bedrock InvokeModel body: Claude's `content`, or
 * Meta Llama's `generation`).
 */
export function messageBodyOutput(b: Obj): Message[] {
  if (b.content !== undefined)
    return [{ role: 'assistant', parts: textParts(b.content), finish_reason: asText(b.stop_reason) }];
  const generation = asText(b.generation);
  return generation === undefined
    ? []
    : [{ role: 'assistant', parts: [{ type: 'text', content: generation }] }];
}

/** Anthropic Messages (`/v1/messages`; Claude on Vertex AI's rawPredict). */
export const anthropicMessages: WireFormat = {
  api: 'anthropic.messages',
  operation: GEN_AI_OPERATION_NAME_VALUE_CHAT,
  modelIn: 'body',
  usageOnRequest: false,
  estimate: 'chat',
  streamFraming: sseFraming,
  readRequest: readAnthropicRequest,
  plausible: (b) => typeof b.model === 'string' && Array.isArray(b.messages),
  parseResponse: (json) => parseAnthropicMessage(json),
  createStreamParser: createAnthropicStreamParser,
  inputMessages: anthropicInputMessages,
  outputMessages: messageBodyOutput,
  requestText(b, into) {
    pushText(into.texts, b.system);
    messagesFrom(b.messages, into);
  },
  budgetExceeded(message) {
    // The API's own rate-limit error shape.
    return blockedResponse({ type: 'error', error: { type: 'rate_limit_error', message } });
  },
  withModel: (_url, bodyText, model) => withBodyModel(bodyText, model),
};
