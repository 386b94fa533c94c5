// Anthropic Messages wire format (also the body of Bedrock InvokeModel for anthropic.* models).
import { arr, type Ctx, num, obj, planOutput, str } from '../context.js';
import { anthropicResponseModel } from '../models.js';
import { pump, sendError, sendJson, sseEvent, wordIndices } from '../respond.js';
import {
  ITEM_OVERHEAD_TOKENS,
  itemOf,
  type PromptItem,
  promptTokens,
  REASONING_TOKENS,
  Reply,
  textTokens,
  toolsItem,
} from '../usage.js';

export function anthropicItems(body: Record<string, unknown>): PromptItem[] {
  const items: PromptItem[] = [];
  const tools = toolsItem(body.tools);
  if (tools) items.push(tools);
  if (body.system !== undefined) items.push(itemOf(body.system));
  for (const m of arr(body.messages)) items.push(itemOf(obj(m)?.content));
  return items;
}

/** One Anthropic call, planned: the JSON message and the stream events come from the same numbers. */
export interface AnthropicCall {
  message(): Record<string, unknown>;
  /** Stream events as [name, data]; usage in message_delta counts the words actually streamed. */
  events(): Generator<[string, Record<string, unknown>]>;
  /** Total input tokens (uncached + cache read + cache write). */
  inputTotal: number;
  cacheRead: number;
  cacheWrite: number;
  /** Output tokens after `events()` finished (or of `message()`). */
  outputTokens(): number;
}

export function planAnthropic(
  ctx: Ctx,
  body: Record<string, unknown>,
  model: string,
  respModel: string,
): AnthropicCall {
  const items = anthropicItems(body);
  const total = promptTokens(items);
  const cache = ctx.state.explicitCache(`anthropic:${model}`, items, ctx.cacheMode);
  const input = total - cache.read - cache.write;
  const thinking = obj(body.thinking);
  const thinkingOn = thinking?.type === 'enabled' || thinking?.type === 'adaptive';
  const budget = num(thinking?.budget_tokens) ?? REASONING_TOKENS;
  const plan = planOutput(
    ctx.replyTokens,
    num(body.max_tokens),
    thinkingOn ? Math.min(REASONING_TOKENS, budget) : 0,
  );
  const seed = JSON.stringify(body.messages ?? '');
  const id = ctx.state.id('msg_01', 22);
  const noUsage = ctx.fault === 'no-usage';
  const streamCount = ctx.streamBytes !== undefined ? Number.POSITIVE_INFINITY : plan.visible;
  const thinkingReply = new Reply(`thinking:${seed}`, plan.reasoning);
  const signature = `EqQB${Buffer.from(`mock-signature:${id}`).toString('base64')}`;
  const tool = forcedTool(body);
  const toolTokens = tool ? ITEM_OVERHEAD_TOKENS + textTokens(tool.name + JSON.stringify(tool.input)) : 0;
  let emitted = 0;
  const stopReason = (streamed: boolean) =>
    tool
      ? 'tool_use'
      : plan.truncated && !(streamed && ctx.streamBytes !== undefined)
        ? 'max_tokens'
        : 'end_turn';
  const usage = (output: number): Record<string, unknown> => ({
    input_tokens: input,
    cache_creation_input_tokens: cache.write,
    cache_read_input_tokens: cache.read,
    cache_creation: {
      ephemeral_5m_input_tokens: cache.ttl === '5m' ? cache.write : 0,
      ephemeral_1h_input_tokens: cache.ttl === '1h' ? cache.write : 0,
    },
    output_tokens: output,
    service_tier: 'standard',
  });
  const toolId = ctx.state.id('toolu_01', 22);

  return {
    inputTotal: total,
    cacheRead: cache.read,
    cacheWrite: cache.write,
    outputTokens: () => plan.reasoning + (tool ? toolTokens : emitted),
    message() {
      const content: unknown[] = [];
      if (plan.reasoning > 0) content.push({ type: 'thinking', thinking: thinkingReply.text(), signature });
      if (tool) content.push({ type: 'tool_use', id: toolId, name: tool.name, input: tool.input });
      else content.push({ type: 'text', text: new Reply(seed, plan.visible).text() });
      emitted = plan.visible;
      const msg: Record<string, unknown> = {
        id,
        type: 'message',
        role: 'assistant',
        model: respModel,
        content,
        stop_reason: stopReason(false),
        stop_sequence: null,
      };
      if (!noUsage) msg.usage = usage(plan.reasoning + (tool ? toolTokens : plan.visible));
      return msg;
    },
    *events() {
      const start: Record<string, unknown> = {
        id,
        type: 'message',
        role: 'assistant',
        model: respModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
      };
      if (!noUsage) start.usage = usage(1);
      yield ['message_start', { type: 'message_start', message: start }];
      let index = 0;
      let pinged = false;
      const ping = function* (): Generator<[string, Record<string, unknown>]> {
        if (!pinged) {
          pinged = true;
          yield ['ping', { type: 'ping' }];
        }
      };
      if (plan.reasoning > 0) {
        yield [
          'content_block_start',
          {
            type: 'content_block_start',
            index,
            content_block: { type: 'thinking', thinking: '', signature: '' },
          },
        ];
        yield* ping();
        for (let i = 0; i < plan.reasoning; i++) {
          yield [
            'content_block_delta',
            {
              type: 'content_block_delta',
              index,
              delta: { type: 'thinking_delta', thinking: thinkingReply.delta(i) },
            },
          ];
        }
        yield [
          'content_block_delta',
          { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature } },
        ];
        yield ['content_block_stop', { type: 'content_block_stop', index }];
        index++;
      }
      if (tool) {
        yield [
          'content_block_start',
          {
            type: 'content_block_start',
            index,
            content_block: { type: 'tool_use', id: toolId, name: tool.name, input: {} },
          },
        ];
        yield* ping();
        const json = JSON.stringify(tool.input);
        for (let p = 0; p < json.length; p += 8) {
          yield [
            'content_block_delta',
            {
              type: 'content_block_delta',
              index,
              delta: { type: 'input_json_delta', partial_json: json.slice(p, p + 8) },
            },
          ];
        }
      } else {
        const reply = new Reply(seed, streamCount);
        yield [
          'content_block_start',
          { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
        ];
        yield* ping();
        for (const i of wordIndices(ctx, streamCount)) {
          emitted = i + 1;
          yield [
            'content_block_delta',
            { type: 'content_block_delta', index, delta: { type: 'text_delta', text: reply.delta(i) } },
          ];
        }
      }
      yield ['content_block_stop', { type: 'content_block_stop', index }];
      const delta: Record<string, unknown> = {
        type: 'message_delta',
        delta: { stop_reason: stopReason(true), stop_sequence: null },
      };
      if (!noUsage) {
        delta.usage = {
          input_tokens: input,
          cache_creation_input_tokens: cache.write,
          cache_read_input_tokens: cache.read,
          output_tokens: plan.reasoning + (tool ? toolTokens : emitted),
        };
      }
      yield ['message_delta', delta];
      yield ['message_stop', { type: 'message_stop' }];
    },
  };
}

/** A forced tool use (tool_choice any / tool), else undefined. */
function forcedTool(
  body: Record<string, unknown>,
): { name: string; input: Record<string, unknown> } | undefined {
  const tools = arr(body.tools);
  const choice = obj(body.tool_choice);
  if (tools.length === 0 || !choice) return undefined;
  let name: string | undefined;
  if (choice.type === 'any') name = str(obj(tools[0])?.name);
  else if (choice.type === 'tool') name = str(choice.name);
  if (!name) return undefined;
  const tool = tools.map((t) => obj(t)).find((t) => t?.name === name);
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj(obj(tool?.input_schema)?.properties) ?? {})) {
    const type = obj(v)?.type;
    input[k] = type === 'number' || type === 'integer' ? 1 : type === 'boolean' ? true : 'mock';
  }
  return { name, input };
}

function headers(ctx: Ctx, contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'request-id': ctx.state.id('req_011', 21),
    'anthropic-organization-id': '00000000-0000-4000-8000-000000000000',
  };
}

function validate(ctx: Ctx, body: Record<string, unknown>): string | undefined {
  const model = str(body.model);
  if (!model) {
    sendError(ctx, 400, 'model: Field required');
    return undefined;
  }
  if (num(body.max_tokens) === undefined) {
    sendError(ctx, 400, 'max_tokens: Field required');
    return undefined;
  }
  if (!Array.isArray(body.messages)) {
    sendError(ctx, 400, 'messages: Field required');
    return undefined;
  }
  return model;
}

export async function messages(ctx: Ctx): Promise<void> {
  const body = ctx.body ?? {};
  const model = validate(ctx, body);
  if (model === undefined) return;
  const call = planAnthropic(ctx, body, model, anthropicResponseModel(model));
  const bill = () =>
    ctx.state.billing.add({
      provider: 'anthropic',
      model: anthropicResponseModel(model),
      time: ctx.startTime,
      inputTokens: call.inputTotal,
      cacheReadTokens: call.cacheRead,
      cacheWriteTokens: call.cacheWrite,
      outputTokens: call.outputTokens(),
    });
  if (body.stream !== true) {
    sendJson(ctx, 200, headers(ctx, 'application/json'), JSON.stringify(call.message()));
    bill();
    return;
  }
  function* sse(): Generator<string> {
    for (const [name, data] of call.events()) yield sseEvent(name, data);
  }
  await pump(
    ctx,
    200,
    { ...headers(ctx, 'text/event-stream; charset=utf-8'), 'cache-control': 'no-cache' },
    sse(),
    { malformed: 'event: content_block_delta\ndata: {"type":"content_block_delta","index":\n\n' },
  );
  bill();
}

export function countTokens(ctx: Ctx): void {
  const body = ctx.body ?? {};
  if (!str(body.model)) {
    sendError(ctx, 400, 'model: Field required');
    return;
  }
  sendJson(
    ctx,
    200,
    headers(ctx, 'application/json'),
    JSON.stringify({ input_tokens: promptTokens(anthropicItems(body)) }),
  );
}
