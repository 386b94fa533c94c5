// AWS Bedrock runtime: Converse, ConverseStream (event stream), InvokeModel and
// InvokeModelWithResponseStream for the anthropic, nova, titan, llama and mistral body formats.
import { arr, type Ctx, num, obj, planOutput, str } from '../context.js';
import { encodeEventStreamMessage, eventMessage } from '../eventstream.js';
import { bedrockAnthropicModel, bedrockBaseModel, bedrockFamily } from '../models.js';
import { pump, sendError, sendJson, wordIndices } from '../respond.js';
import { embedding, itemOf, type PromptItem, promptTokens, Reply, textTokens, toolsItem } from '../usage.js';
import { planAnthropic } from './anthropic.js';

const EVENTSTREAM = 'application/vnd.amazon.eventstream';

function baseHeaders(ctx: Ctx, contentType: string): Record<string, string> {
  return { 'content-type': contentType, 'x-amzn-requestid': ctx.state.id('', 36) };
}

/** The `p` padding field Bedrock adds to stream events. */
function pad(i: number): string {
  return 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0'.slice(0, 4 + (i % 20));
}

const MALFORMED = encodeEventStreamMessage(
  { ':event-type': 'contentBlockDelta', ':content-type': 'application/json', ':message-type': 'event' },
  '{"contentBlockIndex":0,"delta":',
);

function converseItems(body: Record<string, unknown>): PromptItem[] {
  const items: PromptItem[] = [];
  const tools = toolsItem(obj(body.toolConfig)?.tools);
  if (tools) items.push(tools);
  if (body.system !== undefined) items.push(itemOf(body.system));
  for (const m of arr(body.messages)) items.push(itemOf(obj(m)?.content));
  return items;
}

export async function converse(ctx: Ctx, modelId: string, stream: boolean): Promise<void> {
  const body = ctx.body ?? {};
  if (!Array.isArray(body.messages)) {
    sendError(
      ctx,
      400,
      "1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must not be null",
    );
    return;
  }
  const items = converseItems(body);
  const total = promptTokens(items);
  const cache = ctx.state.explicitCache(`bedrock:${bedrockBaseModel(modelId)}`, items, ctx.cacheMode);
  const input = total - cache.read - cache.write;
  const plan = planOutput(ctx.replyTokens, num(obj(body.inferenceConfig)?.maxTokens), 0);
  const seed = JSON.stringify(body.messages);
  const noUsage = ctx.fault === 'no-usage';
  const usage = (output: number): Record<string, unknown> => {
    const u: Record<string, unknown> = {
      inputTokens: input,
      outputTokens: output,
      totalTokens: input + output + cache.read + cache.write,
    };
    if (cache.read || cache.write) {
      u.cacheReadInputTokens = cache.read;
      u.cacheWriteInputTokens = cache.write;
    }
    return u;
  };
  const stopReason = plan.truncated ? 'max_tokens' : 'end_turn';
  if (!stream) {
    const res: Record<string, unknown> = {
      metrics: { latencyMs: Math.max(1, Date.now() - ctx.startTime) },
      output: { message: { content: [{ text: new Reply(seed, plan.visible).text() }], role: 'assistant' } },
      stopReason,
    };
    if (!noUsage) res.usage = usage(plan.visible);
    sendJson(ctx, 200, baseHeaders(ctx, 'application/json'), JSON.stringify(res));
    return;
  }
  const count = ctx.streamBytes !== undefined ? Number.POSITIVE_INFINITY : plan.visible;
  const reply = new Reply(seed, count);
  function* events(): Generator<Buffer> {
    let k = 0;
    yield eventMessage('messageStart', { p: pad(k++), role: 'assistant' });
    let emitted = 0;
    for (const i of wordIndices(ctx, count)) {
      emitted = i + 1;
      yield eventMessage('contentBlockDelta', {
        contentBlockIndex: 0,
        delta: { text: reply.delta(i) },
        p: pad(k++),
      });
    }
    yield eventMessage('contentBlockStop', { contentBlockIndex: 0, p: pad(k++) });
    yield eventMessage('messageStop', {
      p: pad(k++),
      stopReason: ctx.streamBytes !== undefined ? 'end_turn' : stopReason,
    });
    const meta: Record<string, unknown> = {
      metrics: { latencyMs: Math.max(1, Date.now() - ctx.startTime) },
      p: pad(k++),
    };
    if (!noUsage) meta.usage = usage(emitted);
    yield eventMessage('metadata', meta);
  }
  await pump(ctx, 200, baseHeaders(ctx, EVENTSTREAM), events(), { malformed: MALFORMED });
}

// ---------- InvokeModel ----------

interface InvokeFamily {
  /** Non-streaming body. */
  json(): Record<string, unknown>;
  /** Stream chunks (decoded JSON of each `bytes`); the last gets the invocation metrics added. */
  chunks(): Generator<Record<string, unknown>>;
  input: number;
  output(): number;
  cacheRead: number;
  cacheWrite: number;
}

function textFamily(
  ctx: Ctx,
  prompt: PromptItem[],
  limit: number | undefined,
  seed: string,
  shape: 'nova' | 'titan' | 'llama' | 'mistral',
): InvokeFamily {
  const input =
    shape === 'titan' || shape === 'llama' || shape === 'mistral'
      ? Math.max(1, textTokens(prompt.map((p) => p.text).join('')))
      : promptTokens(prompt);
  const plan = planOutput(ctx.replyTokens, limit, 0);
  const count = ctx.streamBytes !== undefined ? Number.POSITIVE_INFINITY : plan.visible;
  let emitted = plan.visible;
  const truncated = plan.truncated;
  const noUsage = ctx.fault === 'no-usage';
  return {
    input,
    cacheRead: 0,
    cacheWrite: 0,
    output: () => emitted,
    json() {
      const text = new Reply(seed, plan.visible).text();
      switch (shape) {
        case 'nova': {
          const r: Record<string, unknown> = {
            output: { message: { content: [{ text }], role: 'assistant' } },
            stopReason: truncated ? 'max_tokens' : 'end_turn',
          };
          if (!noUsage) {
            r.usage = {
              inputTokens: input,
              outputTokens: plan.visible,
              totalTokens: input + plan.visible,
              cacheReadInputTokenCount: 0,
              cacheWriteInputTokenCount: 0,
            };
          }
          return r;
        }
        case 'titan':
          return {
            inputTextTokenCount: input,
            results: [
              {
                tokenCount: plan.visible,
                outputText: text,
                completionReason: truncated ? 'LENGTH' : 'FINISH',
              },
            ],
          };
        case 'llama':
          return {
            generation: text,
            prompt_token_count: input,
            generation_token_count: plan.visible,
            stop_reason: truncated ? 'length' : 'stop',
          };
        case 'mistral':
          return { outputs: [{ text, stop_reason: truncated ? 'length' : 'stop' }] };
      }
    },
    *chunks() {
      const reply = new Reply(seed, count);
      emitted = 0;
      if (shape === 'nova') yield { messageStart: { role: 'assistant' } };
      for (const i of wordIndices(ctx, count)) {
        emitted = i + 1;
        const d = reply.delta(i);
        if (shape === 'nova') yield { contentBlockDelta: { delta: { text: d }, contentBlockIndex: 0 } };
        else if (shape === 'titan') {
          yield {
            outputText: d,
            index: 0,
            totalOutputTextTokenCount: emitted,
            completionReason: null,
            inputTextTokenCount: i === 0 ? input : null,
          };
        } else if (shape === 'llama') {
          yield {
            generation: d,
            prompt_token_count: i === 0 ? input : null,
            generation_token_count: emitted,
            stop_reason: null,
          };
        } else yield { outputs: [{ text: d, stop_reason: null }] };
      }
      const done = ctx.streamBytes === undefined && truncated;
      if (shape === 'nova') {
        yield { contentBlockStop: { contentBlockIndex: 0 } };
        yield { messageStop: { stopReason: done ? 'max_tokens' : 'end_turn' } };
        yield {
          metadata: noUsage
            ? { metrics: {}, trace: {} }
            : { usage: { inputTokens: input, outputTokens: emitted }, metrics: {}, trace: {} },
        };
      } else if (shape === 'titan') {
        yield {
          outputText: '',
          index: 0,
          totalOutputTextTokenCount: emitted,
          completionReason: done ? 'LENGTH' : 'FINISH',
          inputTextTokenCount: null,
        };
      } else if (shape === 'llama') {
        yield {
          generation: '',
          prompt_token_count: null,
          generation_token_count: emitted,
          stop_reason: done ? 'length' : 'stop',
        };
      } else yield { outputs: [{ text: '', stop_reason: done ? 'length' : 'stop' }] };
    },
  };
}

function family(ctx: Ctx, modelId: string, body: Record<string, unknown>): InvokeFamily | string {
  const fam = bedrockFamily(modelId);
  switch (fam) {
    case 'anthropic': {
      if (num(body.max_tokens) === undefined)
        return 'Malformed input request: #: required key [max_tokens] not found, please reformat your input and try again.';
      const call = planAnthropic(ctx, body, bedrockBaseModel(modelId), bedrockAnthropicModel(modelId));
      return {
        input: call.inputTotal - call.cacheRead - call.cacheWrite,
        cacheRead: call.cacheRead,
        cacheWrite: call.cacheWrite,
        output: () => call.outputTokens(),
        json: () => call.message(),
        *chunks() {
          for (const [, data] of call.events()) yield data;
        },
      };
    }
    case 'nova': {
      const items: PromptItem[] = [];
      if (body.system !== undefined) items.push(itemOf(body.system));
      for (const m of arr(body.messages)) items.push(itemOf(obj(m)?.content));
      const cfg = obj(body.inferenceConfig);
      return textFamily(
        ctx,
        items,
        num(cfg?.maxTokens) ?? num(cfg?.max_new_tokens),
        JSON.stringify(body.messages ?? ''),
        'nova',
      );
    }
    case 'titan-text': {
      const prompt = str(body.inputText) ?? '';
      return textFamily(
        ctx,
        [itemOf(prompt)],
        num(obj(body.textGenerationConfig)?.maxTokenCount),
        prompt,
        'titan',
      );
    }
    case 'llama': {
      const prompt = str(body.prompt) ?? '';
      return textFamily(ctx, [itemOf(prompt)], num(body.max_gen_len), prompt, 'llama');
    }
    case 'mistral': {
      const prompt = str(body.prompt) ?? '';
      return textFamily(ctx, [itemOf(prompt)], num(body.max_tokens), prompt, 'mistral');
    }
    default:
      return 'The provided model identifier is invalid.';
  }
}

export async function invoke(ctx: Ctx, modelId: string, stream: boolean): Promise<void> {
  const body = ctx.body ?? {};
  if (bedrockFamily(modelId) === 'titan-embed') {
    if (stream) {
      sendError(ctx, 400, 'The model is unsupported for streaming.');
      return;
    }
    const text = str(body.inputText) ?? '';
    const tokens = Math.max(1, textTokens(text));
    const headers = baseHeaders(ctx, 'application/json');
    headers['x-amzn-bedrock-input-token-count'] = String(tokens);
    headers['x-amzn-bedrock-invocation-latency'] = String(Math.max(1, Date.now() - ctx.startTime));
    const values = embedding(text, num(body.dimensions) ?? 1024);
    sendJson(ctx, 200, headers, JSON.stringify({ embedding: values, inputTextTokenCount: tokens }));
    return;
  }
  const planned = family(ctx, modelId, body);
  if (typeof planned === 'string') {
    sendError(ctx, 400, planned);
    return;
  }
  const fam: InvokeFamily = planned;
  if (!stream) {
    const json = fam.json();
    const headers = baseHeaders(ctx, 'application/json');
    headers['x-amzn-bedrock-invocation-latency'] = String(Math.max(1, Date.now() - ctx.startTime));
    if (ctx.fault !== 'no-usage') {
      headers['x-amzn-bedrock-input-token-count'] = String(fam.input);
      headers['x-amzn-bedrock-output-token-count'] = String(fam.output());
      if (fam.cacheRead) headers['x-amzn-bedrock-cache-read-input-token-count'] = String(fam.cacheRead);
      if (fam.cacheWrite) headers['x-amzn-bedrock-cache-write-input-token-count'] = String(fam.cacheWrite);
    }
    sendJson(ctx, 200, headers, JSON.stringify(json));
    return;
  }
  const noUsage = ctx.fault === 'no-usage';
  const start = ctx.startTime;
  function* events(): Generator<Buffer> {
    let firstByte: number | undefined;
    let prev: Record<string, unknown> | undefined;
    for (const chunk of fam.chunks()) {
      if (prev) yield chunkMessage(prev);
      firstByte ??= Math.max(1, Date.now() - start);
      prev = chunk;
    }
    if (prev) {
      if (!noUsage) {
        const metrics: Record<string, unknown> = {
          inputTokenCount: fam.input,
          outputTokenCount: fam.output(),
          invocationLatency: Math.max(1, Date.now() - start),
          firstByteLatency: firstByte ?? 1,
        };
        if (fam.cacheRead || fam.cacheWrite) {
          metrics.cacheReadInputTokenCount = fam.cacheRead;
          metrics.cacheWriteInputTokenCount = fam.cacheWrite;
        }
        prev['amazon-bedrock-invocationMetrics'] = metrics;
      }
      yield chunkMessage(prev);
    }
  }
  await pump(ctx, 200, baseHeaders(ctx, EVENTSTREAM), events(), { malformed: MALFORMED });
}

function chunkMessage(data: Record<string, unknown>): Buffer {
  return eventMessage('chunk', { bytes: Buffer.from(JSON.stringify(data)).toString('base64') });
}
