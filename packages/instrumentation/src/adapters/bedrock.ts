// Amazon Bedrock: the Converse API (converse, converse-stream) and InvokeModel bodies per model
// family (invoke, invoke-with-response-stream), reached through fetch (bedrock-runtime URLs, e.g.
// the Vercel AI SDK's provider) or through the AWS SDK's send layer (see `recognizeBedrockCommand`).
//
// Usage normalisation: Converse `inputTokens` EXCLUDES prompt-cache reads and writes, which come as
// `cacheReadInputTokens` / `cacheWriteInputTokens` (AWS prompt-caching guide: total input =
// inputTokens + cacheReadInputTokens + cacheWriteInputTokens; `totalTokens` counts all of them).
// So inputTokens(semconv) = inputTokens + cacheRead + cacheWrite. One guard: when `totalTokens`
// equals inputTokens + outputTokens while cache counts are non-zero, the cache was already folded
// into inputTokens (seen on some ConverseStream models) and is not added twice.
// InvokeModel: the family's own body (Anthropic messages JSON with its usage; Meta
// prompt_token_count / generation_token_count; Titan inputTextTokenCount / tokenCount; Nova usage),
// else the `x-amzn-bedrock-input-token-count` / `-output-token-count` response headers.

import type { TokenUsage } from '@tokenmeter/pricing';
import {
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
} from '@tokenmeter/semconv';
import { AnthropicStreamState, parseAnthropicMessage } from './anthropic.js';
import { openaiUsage } from './openai.js';
import type { HeaderSource, RequestInfo, ResponseInfo, StreamParser, StreamParserOptions } from './types.js';
import {
  arr,
  clean,
  count,
  denseReasons,
  header,
  headerTokens,
  makeCapture,
  makeUsage,
  num,
  type Obj,
  obj,
  parseJson,
  setFinish,
  str,
  tokens,
} from './util.js';

const REGION_PREFIX = /^(?:us|eu|apac|global|us-gov|jp|au|ca)\./;

/**
 * The model id to record for a Bedrock `modelId` (URL-decoded): a foundation-model or
 * inference-profile ARN gives its last path segment (`us.anthropic.claude-3-7-sonnet-20250219-v1:0`);
 * other ARNs (provisioned, application profiles, imported models) are kept whole.
 */
export function bedrockModelFromId(modelId: string): string {
  if (!modelId.startsWith('arn:')) return modelId;
  const slash = modelId.indexOf('/');
  const resource = slash === -1 ? '' : modelId.slice(modelId.lastIndexOf(':', slash) + 1, slash);
  if (resource === 'foundation-model' || resource === 'inference-profile') return modelId.slice(slash + 1);
  return modelId;
}

/** The model family (`anthropic`, `meta`, `amazon`, `cohere`, `mistral`, ...) of a Bedrock model id. */
export function bedrockFamily(model: string): string {
  const id = bedrockModelFromId(model).replace(REGION_PREFIX, '');
  const dot = id.indexOf('.');
  return dot === -1 ? id : id.slice(0, dot);
}

function isEmbeddingModel(model: string): boolean {
  return /embed/i.test(model);
}

/** Normalise Bedrock Converse (or Nova invoke) usage. */
export function bedrockUsage(value: unknown): TokenUsage | undefined {
  const u = obj(value);
  if (!u) return undefined;
  const input = tokens(u.inputTokens);
  const output = tokens(u.outputTokens);
  if (input === undefined && output === undefined) return undefined;
  const cacheRead = tokens(u.cacheReadInputTokens) ?? tokens(u.cacheReadInputTokenCount);
  const cacheWrite = tokens(u.cacheWriteInputTokens) ?? tokens(u.cacheWriteInputTokenCount);
  const cache = (cacheRead ?? 0) + (cacheWrite ?? 0);
  const total = tokens(u.totalTokens);
  let fullInput = (input ?? 0) + cache;
  if (cache > 0 && total !== undefined && total === (input ?? 0) + (output ?? 0) && (input ?? 0) >= cache) {
    fullInput = input ?? 0; // cache already inside inputTokens
  }
  return makeUsage({ input: fullInput, output: output ?? 0, cacheRead, cacheWrite });
}

function headerUsage(headers: HeaderSource | undefined): TokenUsage | undefined {
  const input = header(headers, 'x-amzn-bedrock-input-token-count');
  const output = header(headers, 'x-amzn-bedrock-output-token-count');
  if (input === undefined && output === undefined) return undefined;
  const cacheRead = headerTokens(header(headers, 'x-amzn-bedrock-cache-read-input-token-count'));
  const cacheWrite = headerTokens(header(headers, 'x-amzn-bedrock-cache-write-input-token-count'));
  return makeUsage({
    input: (headerTokens(input) ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0),
    output: headerTokens(output) ?? 0,
    cacheRead,
    cacheWrite,
  });
}

function metricsUsage(value: unknown): TokenUsage | undefined {
  const m = obj(value);
  if (!m) return undefined;
  const input = tokens(m.inputTokenCount);
  const output = tokens(m.outputTokenCount);
  if (input === undefined && output === undefined) return undefined;
  const cacheRead = tokens(m.cacheReadInputTokenCount);
  const cacheWrite = tokens(m.cacheWriteInputTokenCount);
  return makeUsage({
    input: (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0),
    output: output ?? 0,
    cacheRead,
    cacheWrite,
  });
}

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

// ---------------------------------------------------------------------------------------------
// Streams

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

// ---------------------------------------------------------------------------------------------
// Requests

function firstNumber(...values: unknown[]): number | undefined {
  for (const v of values) {
    const n = count(v);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** Read the request parameters of a Converse or InvokeModel body into `info` (mutates it). */
export function readBedrockRequestBody(info: RequestInfo, body: unknown): void {
  const b = obj(body);
  if (!b) return;
  if (info.api === 'bedrock.converse') {
    const cfg = obj(b.inferenceConfig);
    info.maxTokens = count(cfg?.maxTokens);
    info.temperature = num(cfg?.temperature);
    info.topP = num(cfg?.topP);
    info.serviceTier = str(obj(b.serviceTier)?.type) ?? info.serviceTier;
    return;
  }
  const cfg = obj(b.inferenceConfig) ?? obj(b.textGenerationConfig);
  info.maxTokens = firstNumber(
    b.max_tokens,
    b.max_gen_len,
    b.max_new_tokens,
    b.maxTokens,
    b.max_completion_tokens,
    cfg?.maxTokens,
    cfg?.max_new_tokens,
    cfg?.maxTokenCount,
  );
  info.temperature = num(b.temperature) ?? num(cfg?.temperature);
  info.topP = num(b.top_p) ?? num(b.topP) ?? num(b.p) ?? num(cfg?.topP) ?? num(cfg?.top_p);
  if (isEmbeddingModel(info.requestModel ?? '')) info.operation = GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS;
  else if (b.messages !== undefined) info.operation = GEN_AI_OPERATION_NAME_VALUE_CHAT;
  else if (b.prompt !== undefined || b.inputText !== undefined)
    info.operation = GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION;
}

/** The AWS SDK commands of @aws-sdk/client-bedrock-runtime that are inference calls. */
export type BedrockCommandName =
  | 'ConverseCommand'
  | 'ConverseStreamCommand'
  | 'InvokeModelCommand'
  | 'InvokeModelWithResponseStreamCommand';

/**
 * RequestInfo for a Bedrock call made through the AWS SDK (no fetch): the command's class name and
 * its input. Returns null for other commands (CountTokens, ApplyGuardrail, async invoke, ...).
 * `input.body` of InvokeModel may be a string or bytes (it is JSON-parsed here).
 */
export function recognizeBedrockCommand(
  commandName: string,
  input: unknown,
  endpoint?: { host?: string; port?: number },
): RequestInfo | null {
  try {
    const i = obj(input);
    const modelId = str(i?.modelId);
    if (!i || !modelId) return null;
    let api: RequestInfo['api'];
    let stream: boolean;
    switch (commandName) {
      case 'ConverseCommand':
        api = 'bedrock.converse';
        stream = false;
        break;
      case 'ConverseStreamCommand':
        api = 'bedrock.converse';
        stream = true;
        break;
      case 'InvokeModelCommand':
        api = 'bedrock.invoke';
        stream = false;
        break;
      case 'InvokeModelWithResponseStreamCommand':
        api = 'bedrock.invoke';
        stream = true;
        break;
      default:
        return null;
    }
    const info: RequestInfo = {
      provider: GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
      operation: GEN_AI_OPERATION_NAME_VALUE_CHAT,
      requestModel: bedrockModelFromId(modelId),
      stream,
      serverAddress: endpoint?.host ?? 'bedrock-runtime.amazonaws.com',
      serverPort: endpoint?.port ?? 443,
      api,
    };
    if (api === 'bedrock.converse') {
      readBedrockRequestBody(info, i);
    } else {
      let body: unknown = i.body;
      if (body instanceof Uint8Array)
        body = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
      if (typeof body === 'string') body = parseJson(body);
      readBedrockRequestBody(info, body);
    }
    return info;
  } catch {
    return null;
  }
}
