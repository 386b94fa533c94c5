// Bedrock streams: ConverseStream events, and InvokeModelWithResponseStream chunks read by model
// family (Anthropic events, Converse-shaped Nova events, Meta Llama, Titan, Mistral, Cohere...),
// as AWS SDK event objects or as `{ eventType, payload }` decoded from an event stream by fetch.
import type { TokenUsage } from '@tokenmeter/pricing';
import { AnthropicStreamState } from '../anthropic.js';
import type { RequestInfo, ResponseInfo, StreamParser, StreamParserOptions } from '../types.js';
import {
  arr,
  clean,
  denseReasons,
  makeCapture,
  makeUsage,
  type Obj,
  obj,
  parseJson,
  str,
  tokens,
} from '../util.js';
import { bedrockUsage, metricsUsage } from './usage.js';

function decodeChunkBytes(bytes: unknown): unknown {
  let text: string | undefined;
  if (typeof bytes === 'string') text = Buffer.from(bytes, 'base64').toString('utf8');
  else if (bytes instanceof Uint8Array)
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text === undefined ? undefined : parseJson(text);
}

/** Turn `{ eventType, payload }` (a decoded eventstream frame) into the SDK's `{ [eventType]: payload }`. */
function normaliseEvent(event: unknown): Obj | undefined {
  const e = obj(event);
  if (!e) return undefined;
  const eventType = str(e.eventType) ?? str(e.exceptionType);
  if (eventType !== undefined && 'payload' in e) {
    let payload = e.payload;
    if (typeof payload === 'string') payload = parseJson(payload);
    else if (payload instanceof Uint8Array)
      payload = decodeChunkBytes(Buffer.from(payload).toString('base64'));
    return { [eventType]: payload };
  }
  return e;
}

const EXCEPTION = /Exception$/;

class BedrockStreamState {
  readonly reasons: string[] = [];
  usage: TokenUsage | undefined;
  metricsUsage: TokenUsage | undefined;
  metaCounts: { input: number; output: number } | undefined;
  errorType: string | undefined;
  anthropic: AnthropicStreamState | undefined;
  responseId: string | undefined;
  constructor(private readonly capture?: { add(text: string): void }) {}

  /** A Converse-shaped event. @returns true when terminal. */
  converse(e: Obj): boolean {
    for (const key of Object.keys(e)) {
      const value = obj(e[key]);
      switch (key) {
        case 'contentBlockDelta': {
          const delta = obj(value?.delta);
          if (this.capture && delta) {
            const text = delta.text ?? obj(delta.reasoningContent)?.text ?? obj(delta.toolUse)?.input;
            if (typeof text === 'string') this.capture.add(text);
          }
          break;
        }
        case 'messageStop': {
          const reason = str(value?.stopReason);
          if (reason) this.reasons[0] = reason;
          break;
        }
        case 'metadata': {
          const usage = bedrockUsage(value?.usage);
          if (usage) this.usage = usage;
          return true;
        }
        default:
          if (EXCEPTION.test(key)) {
            this.errorType = key;
            return true;
          }
      }
    }
    return false;
  }

  /** One decoded InvokeModelWithResponseStream chunk. @returns true when terminal. */
  invokeChunk(chunk: Obj): boolean {
    const metrics = chunk['amazon-bedrock-invocationMetrics'];
    if (typeof chunk.type === 'string') {
      this.anthropic ??= new AnthropicStreamState(this.capture);
      this.anthropic.observe(chunk);
    } else if (
      'messageStart' in chunk ||
      'contentBlockDelta' in chunk ||
      'messageStop' in chunk ||
      'metadata' in chunk
    ) {
      if (this.converse(chunk) && metrics === undefined) return true;
    } else {
      const text = chunk.generation ?? chunk.outputText ?? chunk.text ?? obj(arr(chunk.outputs)?.[0])?.text;
      if (this.capture && typeof text === 'string') this.capture.add(text);
      const reason =
        str(chunk.stop_reason) ??
        str(chunk.completionReason) ??
        str(chunk.finish_reason) ??
        str(obj(arr(chunk.outputs)?.[0])?.stop_reason);
      if (reason) this.reasons[0] = reason;
      // Meta Llama: prompt_token_count on the first chunk, cumulative generation_token_count.
      const prompt = tokens(chunk.prompt_token_count);
      const generated = tokens(chunk.generation_token_count);
      if (prompt !== undefined || generated !== undefined) {
        this.metaCounts = {
          input: prompt ?? this.metaCounts?.input ?? 0,
          output: generated ?? this.metaCounts?.output ?? 0,
        };
      }
    }
    if (metrics !== undefined) {
      this.metricsUsage = metricsUsage(metrics);
      return true;
    }
    return false;
  }

  result(): ResponseInfo {
    const fromAnthropic = this.anthropic?.result();
    const reasons = denseReasons(this.reasons) ?? fromAnthropic?.finishReasons;
    return clean({
      responseId: fromAnthropic?.responseId ?? this.responseId,
      responseModel: fromAnthropic?.responseModel,
      finishReasons: reasons,
      usage:
        this.usage ??
        fromAnthropic?.usage ??
        this.metricsUsage ??
        (this.metaCounts ? makeUsage(this.metaCounts) : undefined),
      errorType: this.errorType ?? fromAnthropic?.errorType,
    });
  }
}

/**
 * Stream parser for Bedrock. Feed decoded events to `onBedrockEvent` (the AWS SDK's event objects,
 * or `{ eventType, payload }` from `AwsEventStreamDecoder`). `onEvent` also accepts each event as
 * JSON text in the SDK's shape, for callers that only have strings.
 */
export function createBedrockStreamParser(info: RequestInfo, options?: StreamParserOptions): StreamParser {
  const capture = makeCapture(options);
  const state = new BedrockStreamState(capture);
  const invoke = info.api === 'bedrock.invoke';
  let events = 0;
  let malformed = 0;
  let terminal = false;

  function onBedrockEvent(event: unknown): boolean {
    events++;
    const e = normaliseEvent(event);
    if (!e) {
      malformed++;
      return false;
    }
    let done: boolean;
    const chunk = obj(e.chunk);
    if (chunk && 'bytes' in chunk) {
      const decoded = obj(decodeChunkBytes(chunk.bytes));
      if (!decoded) {
        malformed++;
        return false;
      }
      done = state.invokeChunk(decoded);
    } else if (invoke && !Object.keys(e).some((k) => EXCEPTION.test(k))) {
      done = state.invokeChunk(e);
    } else {
      done = state.converse(e);
    }
    if (done) terminal = true;
    return done;
  }

  return {
    onEvent(data) {
      const parsed = parseJson(data);
      if (parsed === undefined) {
        events++;
        malformed++;
        return false;
      }
      return onBedrockEvent(parsed);
    },
    onBedrockEvent,
    result: () => state.result(),
    stats: () => ({ events, malformed, terminal }),
    outputText: () => capture?.snapshot(),
  };
}
