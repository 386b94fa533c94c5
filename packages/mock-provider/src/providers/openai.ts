// OpenAI wire format (and Azure OpenAI, and every OpenAI-compatible server): chat completions,
// legacy completions, the Responses API, embeddings, model list.

import { arr, type Ctx, nowSeconds, num, obj, planOutput, str } from '../context.js';
import { addLiteLLMStreamCost, addOpenRouterCost } from '../gateways.js';
import { isKnownOpenAIModel, isOpenAIReasoningModel, openaiResponseModel } from '../models.js';
import { pump, sendError, sendJson, sseData, sseEvent, wordIndices } from '../respond.js';
import {
  base62Of,
  embedding,
  embeddingBase64,
  ITEM_OVERHEAD_TOKENS,
  itemOf,
  type PromptItem,
  promptTokens,
  REASONING_TOKENS,
  Reply,
  textTokens,
  toolsItem,
} from '../usage.js';

const SYSTEM_FINGERPRINT = 'fp_mock0d8c1a';

const AZURE_FILTER = {
  hate: { filtered: false, severity: 'safe' },
  self_harm: { filtered: false, severity: 'safe' },
  sexual: { filtered: false, severity: 'safe' },
  violence: { filtered: false, severity: 'safe' },
};

export interface OpenAIRouteOptions {
  /** Azure deployment from the path (`/openai/deployments/{deployment}/...`), or the v1 form's model. */
  azureDeployment?: string;
}

function isAzure(ctx: Ctx): boolean {
  return ctx.provider === 'azure';
}

/** The `model` the response reports. */
function responseModel(ctx: Ctx, requested: string, route: OpenAIRouteOptions): string {
  if (isAzure(ctx)) {
    const deployment = route.azureDeployment ?? requested;
    const mapped = ctx.state.options.azureDeployments?.[deployment];
    if (mapped) return mapped;
    if (isKnownOpenAIModel(deployment)) return openaiResponseModel(deployment);
    return ctx.state.options.azureDefaultModel ?? 'gpt-4o-2024-08-06';
  }
  return openaiResponseModel(requested);
}

function headers(ctx: Ctx, contentType: string): Record<string, string> {
  if (isAzure(ctx)) {
    return { 'content-type': contentType, 'apim-request-id': ctx.state.id('', 32), 'x-ms-region': 'East US' };
  }
  return {
    'content-type': contentType,
    'openai-organization': 'org-mock',
    'openai-processing-ms': String(Math.max(1, Date.now() - ctx.startTime)),
    'openai-version': '2020-10-01',
    'x-ratelimit-limit-requests': '10000',
    'x-ratelimit-remaining-requests': '9999',
    'x-request-id': ctx.state.id('req_', 32),
  };
}

const JSON_TYPE = 'application/json';
const SSE_TYPE = 'text/event-stream; charset=utf-8';

function pretty(v: unknown): string {
  return JSON.stringify(v, null, 2);
}

function requireModel(ctx: Ctx): string | undefined {
  const model = str(ctx.body?.model);
  if (!model && !isAzure(ctx)) {
    sendError(ctx, 400, 'you must provide a model parameter');
    return undefined;
  }
  return model ?? '';
}

function serviceTier(ctx: Ctx): string | undefined {
  if (isAzure(ctx)) return undefined;
  const t = str(ctx.body?.service_tier);
  if (!t || t === 'auto') return 'default';
  return t;
}

interface ChatUsage {
  prompt: number;
  cached: number;
  completion: number;
  reasoning: number;
}

function chatUsage(u: ChatUsage): Record<string, unknown> {
  return {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
    prompt_tokens_details: { cached_tokens: u.cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: u.reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function reasoningFor(model: string, effort: unknown): number {
  if (!isOpenAIReasoningModel(model) || effort === 'none') return 0;
  return REASONING_TOKENS;
}

// ---------- chat completions ----------

function chatItems(body: Record<string, unknown>): PromptItem[] {
  const items: PromptItem[] = [];
  const tools = toolsItem(body.tools ?? body.functions);
  if (tools) items.push(tools);
  for (const m of arr(body.messages)) {
    const msg = obj(m) ?? {};
    const extra: string[] = [];
    for (const tc of arr(msg.tool_calls)) {
      const fn = obj(obj(tc)?.function);
      if (fn) extra.push(String(fn.name ?? ''), String(fn.arguments ?? ''));
    }
    items.push(itemOf(msg.content, extra));
  }
  return items;
}

/** A forced tool call (tool_choice "required" or a named function), else undefined. */
function forcedToolCall(body: Record<string, unknown>): { name: string; arguments: string } | undefined {
  const tools = arr(body.tools);
  if (tools.length === 0) return undefined;
  const choice = body.tool_choice;
  let name: string | undefined;
  if (choice === 'required') name = str(obj(obj(tools[0])?.function)?.name);
  else if (obj(choice)) name = str(obj(obj(choice)?.function)?.name);
  if (!name) return undefined;
  const tool = tools.map((t) => obj(obj(t)?.function)).find((f) => f?.name === name);
  return { name, arguments: JSON.stringify(sampleArgs(obj(tool?.parameters))) };
}

/** Arguments matching a JSON schema's top-level properties: strings "mock", numbers 1, booleans true. */
function sampleArgs(schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const props = obj(schema?.properties) ?? {};
  for (const [k, v] of Object.entries(props)) {
    const type = obj(v)?.type;
    const e = arr(obj(v)?.enum);
    if (e.length > 0) out[k] = e[0];
    else if (type === 'number' || type === 'integer') out[k] = 1;
    else if (type === 'boolean') out[k] = true;
    else if (type === 'array') out[k] = [];
    else if (type === 'object') out[k] = {};
    else out[k] = 'mock';
  }
  return out;
}

export async function chatCompletions(ctx: Ctx, route: OpenAIRouteOptions): Promise<void> {
  const body = ctx.body ?? {};
  const model = requireModel(ctx);
  if (model === undefined) return;
  if (!Array.isArray(body.messages)) {
    sendError(ctx, 400, "Missing required parameter: 'messages'.", 'messages');
    return;
  }
  const items = chatItems(body);
  const prompt = promptTokens(items);
  const cached = ctx.state.implicitCache(`openai:${model}`, items, prompt, ctx.cacheMode);
  const limit = num(body.max_completion_tokens) ?? num(body.max_tokens);
  const plan = planOutput(ctx.replyTokens, limit, reasoningFor(model, body.reasoning_effort));
  const n = Math.max(1, Math.min(16, num(body.n) ?? 1));
  const seed = JSON.stringify(body.messages);
  const id = ctx.state.id('chatcmpl-', 29);
  const created = nowSeconds();
  const respModel = responseModel(ctx, model, route);
  const tier = serviceTier(ctx);
  const noUsage = ctx.fault === 'no-usage';
  const tool = forcedToolCall(body);
  const toolTokens = tool ? ITEM_OVERHEAD_TOKENS + textTokens(tool.name + tool.arguments) : 0;

  if (body.stream !== true) {
    const choices = [];
    for (let c = 0; c < n; c++) {
      const reply = new Reply(`${seed}#${c}`, plan.visible);
      const message: Record<string, unknown> = {
        role: 'assistant',
        content: tool ? null : reply.text(),
      };
      if (tool) {
        message.tool_calls = [
          {
            id: ctx.state.id('call_', 24),
            type: 'function',
            function: { name: tool.name, arguments: tool.arguments },
          },
        ];
      }
      message.refusal = null;
      message.annotations = [];
      const choice: Record<string, unknown> = {
        index: c,
        message,
        logprobs: null,
        finish_reason: tool ? 'tool_calls' : plan.truncated ? 'length' : 'stop',
      };
      if (isAzure(ctx)) choice.content_filter_results = AZURE_FILTER;
      choices.push(choice);
    }
    const completion = (tool ? toolTokens : plan.visible) * n + plan.reasoning * n;
    const res: Record<string, unknown> = {
      id,
      object: 'chat.completion',
      created,
      model: respModel,
      choices,
    };
    if (!noUsage) res.usage = chatUsage({ prompt, cached, completion, reasoning: plan.reasoning * n });
    billServed(ctx, respModel, prompt, cached, completion);
    if (ctx.gateway === 'openrouter') {
      res.provider = 'OpenAI';
      if (res.usage) addOpenRouterCost(ctx, res.usage as Record<string, unknown>);
    }
    if (tier) res.service_tier = tier;
    res.system_fingerprint = SYSTEM_FINGERPRINT;
    if (isAzure(ctx)) res.prompt_filter_results = [{ prompt_index: 0, content_filter_results: AZURE_FILTER }];
    sendJson(ctx, 200, headers(ctx, JSON_TYPE), pretty(res));
    return;
  }

  const askedUsage = obj(body.stream_options)?.include_usage === true && !noUsage;
  // OpenRouter ends every stream with its usage, asked or not.
  const includeUsage = askedUsage || (ctx.gateway === 'openrouter' && !noUsage);
  // api.openai.com ends every chunk with random padding against length side channels, unless the
  // request turns it off; Azure and the gateways do not send it.
  const obfuscate =
    !isAzure(ctx) && ctx.gateway === undefined && obj(body.stream_options)?.include_obfuscation !== false;
  // Derived from the prompt like the reply, so a bare and an instrumented call get the same bytes.
  const padding = obfuscate ? base62Of(`${seed}#obfuscation`, 32) : '';
  let chunks = 0;
  const base = (choices: unknown[]): Record<string, unknown> => {
    const chunk: Record<string, unknown> = { id, object: 'chat.completion.chunk', created, model: respModel };
    if (tier) chunk.service_tier = tier;
    chunk.system_fingerprint = SYSTEM_FINGERPRINT;
    chunk.choices = choices;
    if (askedUsage) chunk.usage = null;
    if (obfuscate) {
      const k = chunks++;
      chunk.obfuscation = padding.slice(k % 11, (k % 11) + 3 + ((k * 7) % 14));
    }
    return chunk;
  };
  const choiceDelta = (index: number, delta: Record<string, unknown>, finish: string | null) => {
    const c: Record<string, unknown> = { index, delta, logprobs: null, finish_reason: finish };
    if (isAzure(ctx) && finish === null && delta.content !== '') c.content_filter_results = {};
    return c;
  };
  const streamCount = ctx.streamBytes !== undefined ? Number.POSITIVE_INFINITY : plan.visible;
  const replies = Array.from({ length: n }, (_, c) => new Reply(`${seed}#${c}`, streamCount));
  const azure = isAzure(ctx);
  let emitted = 0;
  function* events(): Generator<string> {
    if (azure) {
      yield sseData({
        choices: [],
        created: 0,
        id: '',
        model: '',
        object: '',
        prompt_filter_results: [{ prompt_index: 0, content_filter_results: AZURE_FILTER }],
      });
    }
    for (let c = 0; c < n; c++) {
      const delta: Record<string, unknown> = { role: 'assistant', content: tool ? null : '', refusal: null };
      if (tool) {
        delta.tool_calls = [
          {
            index: 0,
            id: ctx.state.id('call_', 24),
            type: 'function',
            function: { name: tool.name, arguments: '' },
          },
        ];
      }
      yield sseData(base([choiceDelta(c, delta, null)]));
    }
    if (tool) {
      const args = tool.arguments;
      for (let p = 0; p < args.length; p += 8) {
        for (let c = 0; c < n; c++) {
          yield sseData(
            base([
              choiceDelta(
                c,
                { tool_calls: [{ index: 0, function: { arguments: args.slice(p, p + 8) } }] },
                null,
              ),
            ]),
          );
        }
      }
    } else {
      for (const i of wordIndices(ctx, streamCount)) {
        emitted = i + 1;
        for (let c = 0; c < n; c++)
          yield sseData(base([choiceDelta(c, { content: replies[c]!.delta(i) }, null)]));
      }
    }
    const finish = tool ? 'tool_calls' : plan.truncated && ctx.streamBytes === undefined ? 'length' : 'stop';
    for (let c = 0; c < n; c++) yield sseData(base([choiceDelta(c, {}, finish)]));
    if (includeUsage) {
      const completion = (tool ? toolTokens : emitted) * n + plan.reasoning * n;
      const chunk = base([]);
      chunk.usage = chatUsage({ prompt, cached, completion, reasoning: plan.reasoning * n });
      if (ctx.gateway === 'openrouter') addOpenRouterCost(ctx, chunk.usage as Record<string, unknown>);
      else if (ctx.gateway === 'litellm') addLiteLLMStreamCost(ctx, chunk.usage as Record<string, unknown>);
      yield sseData(chunk);
    }
    yield 'data: [DONE]\n\n';
  }
  await pump(ctx, 200, headers(ctx, SSE_TYPE), events(), {
    malformed: 'data: {"id":"chatcmpl-broken","object":\n\n',
  });
  billServed(ctx, respModel, prompt, cached, (tool ? toolTokens : emitted) * n + plan.reasoning * n);
}

/** Puts a served chat completion on the organisation's bill (OpenAI only, not Azure's). */
function billServed(ctx: Ctx, model: string, prompt: number, cached: number, completion: number): void {
  if (isAzure(ctx)) return;
  ctx.state.billing.add({
    provider: 'openai',
    model,
    time: ctx.startTime,
    inputTokens: prompt,
    cacheReadTokens: cached,
    outputTokens: completion,
  });
}

// ---------- legacy completions ----------

export async function completions(ctx: Ctx, route: OpenAIRouteOptions): Promise<void> {
  const body = ctx.body ?? {};
  const model = requireModel(ctx);
  if (model === undefined) return;
  const prompts = Array.isArray(body.prompt)
    ? body.prompt.map((p) => String(p))
    : [String(body.prompt ?? '')];
  let prompt = 0;
  for (const p of prompts) prompt += Math.max(1, textTokens(p));
  // The legacy API's max_tokens defaults to 16.
  const plan = planOutput(ctx.replyTokens, num(body.max_tokens) ?? 16, 0);
  const seed = prompts.join('\u0000');
  const id = ctx.state.id('cmpl-', 29);
  const created = nowSeconds();
  const respModel = responseModel(ctx, model, route);
  const noUsage = ctx.fault === 'no-usage';
  const finish = plan.truncated ? 'length' : 'stop';
  if (body.stream !== true) {
    const reply = new Reply(seed, plan.visible);
    const res: Record<string, unknown> = {
      id,
      object: 'text_completion',
      created,
      model: respModel,
      choices: [{ text: reply.text(), index: 0, logprobs: null, finish_reason: finish }],
    };
    if (!noUsage)
      res.usage = {
        prompt_tokens: prompt,
        completion_tokens: plan.visible,
        total_tokens: prompt + plan.visible,
      };
    sendJson(ctx, 200, headers(ctx, JSON_TYPE), pretty(res));
    return;
  }
  const includeUsage = obj(body.stream_options)?.include_usage === true && !noUsage;
  const count = ctx.streamBytes !== undefined ? Number.POSITIVE_INFINITY : plan.visible;
  const reply = new Reply(seed, count);
  let emitted = 0;
  const chunk = (text: string, fin: string | null): Record<string, unknown> => {
    const c: Record<string, unknown> = {
      id,
      object: 'text_completion',
      created,
      choices: [{ text, index: 0, logprobs: null, finish_reason: fin }],
      model: respModel,
    };
    if (includeUsage) c.usage = null;
    return c;
  };
  function* events(): Generator<string> {
    for (const i of wordIndices(ctx, count)) {
      emitted = i + 1;
      yield sseData(chunk(reply.delta(i), null));
    }
    yield sseData(chunk('', ctx.streamBytes !== undefined ? 'stop' : finish));
    if (includeUsage) {
      yield sseData({
        id,
        object: 'text_completion',
        created,
        choices: [],
        model: respModel,
        usage: { prompt_tokens: prompt, completion_tokens: emitted, total_tokens: prompt + emitted },
      });
    }
    yield 'data: [DONE]\n\n';
  }
  await pump(ctx, 200, headers(ctx, SSE_TYPE), events(), {
    malformed: 'data: {"id":"cmpl-broken","object":\n\n',
  });
}

// ---------- Responses API ----------

function responsesItems(body: Record<string, unknown>): PromptItem[] {
  const items: PromptItem[] = [];
  const tools = toolsItem(body.tools);
  if (tools) items.push(tools);
  if (typeof body.instructions === 'string') items.push(itemOf(body.instructions));
  if (typeof body.input === 'string') items.push(itemOf(body.input));
  else for (const it of arr(body.input)) items.push(itemOf(obj(it)?.content ?? it));
  return items;
}

export async function responses(ctx: Ctx, route: OpenAIRouteOptions): Promise<void> {
  const body = ctx.body ?? {};
  const model = requireModel(ctx);
  if (model === undefined) return;
  if (body.input === undefined && body.previous_response_id === undefined && body.prompt === undefined) {
    sendError(ctx, 400, "Missing required parameter: 'input'.", 'input');
    return;
  }
  const items = responsesItems(body);
  const prompt = promptTokens(items);
  const cached = ctx.state.implicitCache(`openai:${model}`, items, prompt, ctx.cacheMode);
  const effort = obj(body.reasoning)?.effort;
  const plan = planOutput(ctx.replyTokens, num(body.max_output_tokens), reasoningFor(model, effort));
  const seed = JSON.stringify(body.input ?? '');
  const id = ctx.state.id('resp_', 48);
  const msgId = ctx.state.id('msg_', 48);
  const rsId = ctx.state.id('rs_', 48);
  const created = nowSeconds();
  const respModel = responseModel(ctx, model, route);
  const tier = serviceTier(ctx);
  const noUsage = ctx.fault === 'no-usage';
  const streaming = body.stream === true;
  const count = streaming && ctx.streamBytes !== undefined ? Number.POSITIVE_INFINITY : plan.visible;
  const reply = new Reply(seed, count);
  const incomplete = plan.truncated && count !== Number.POSITIVE_INFINITY;

  const usageOf = (visible: number) => ({
    input_tokens: prompt,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: visible + plan.reasoning,
    output_tokens_details: { reasoning_tokens: plan.reasoning },
    total_tokens: prompt + visible + plan.reasoning,
  });
  const reasoningItem = { id: rsId, type: 'reasoning', summary: [] as unknown[] };
  const message = (status: string, content: unknown[]) => ({
    id: msgId,
    type: 'message',
    status,
    content,
    role: 'assistant',
  });
  const textPart = (text: string) => ({
    type: 'output_text',
    annotations: [] as unknown[],
    logprobs: [] as unknown[],
    text,
  });
  /** The response object; `output` is spliced in as raw JSON so a huge text need not be one string. */
  const responseObject = (
    status: string,
    outputMarker: boolean,
    usage: unknown,
  ): Record<string, unknown> => ({
    id,
    object: 'response',
    created_at: created,
    status,
    background: false,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: null,
    model: respModel,
    output: outputMarker ? '\u0000OUTPUT\u0000' : [],
    parallel_tool_calls: true,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: null,
    reasoning: { effort: plan.reasoning > 0 ? (effort ?? 'medium') : (effort ?? null), summary: null },
    safety_identifier: null,
    service_tier: tier ?? 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1.0,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_logprobs: 0,
    top_p: body.top_p ?? 1.0,
    truncation: 'disabled',
    usage,
    user: null,
    metadata: body.metadata ?? {},
  });
  const finalStatus = incomplete ? 'incomplete' : 'completed';

  if (!streaming) {
    const output: unknown[] = [];
    if (plan.reasoning > 0) output.push(reasoningItem);
    output.push(message(finalStatus, [textPart(reply.text())]));
    const res = responseObject(finalStatus, false, noUsage ? null : usageOf(plan.visible));
    res.output = output;
    sendJson(ctx, 200, headers(ctx, JSON_TYPE), pretty(res));
    return;
  }

  let seq = 0;
  let emitted = 0;
  const ev = (type: string, rest: Record<string, unknown>) =>
    sseEvent(type, { type, sequence_number: seq++, ...rest });
  const msgIndex = plan.reasoning > 0 ? 1 : 0;
  // Events that repeat the whole text (output_text.done, content_part.done, output_item.done,
  // response.completed) carry a marker that `expand` replaces with the words, piece by piece, so a
  // huge stream never holds its text as one string.
  const T = '\u0000TEXT\u0000';
  const ESCAPED_T = '\\u0000TEXT\\u0000';
  function* expand(gen: Generator<string>): Generator<string> {
    for (const s of gen) {
      let rest = s;
      let at = rest.indexOf(ESCAPED_T);
      while (at >= 0) {
        yield rest.slice(0, at);
        for (let i = 0; i < emitted; i++) yield reply.delta(i);
        rest = rest.slice(at + ESCAPED_T.length);
        at = rest.indexOf(ESCAPED_T);
      }
      yield rest;
    }
  }
  function* events(): Generator<string> {
    yield ev('response.created', { response: responseObject('in_progress', false, null) });
    yield ev('response.in_progress', { response: responseObject('in_progress', false, null) });
    if (plan.reasoning > 0) {
      yield ev('response.output_item.added', { output_index: 0, item: reasoningItem });
      yield ev('response.output_item.done', { output_index: 0, item: reasoningItem });
    }
    yield ev('response.output_item.added', { output_index: msgIndex, item: message('in_progress', []) });
    yield ev('response.content_part.added', {
      item_id: msgId,
      output_index: msgIndex,
      content_index: 0,
      part: textPart(''),
    });
    for (const i of wordIndices(ctx, count)) {
      emitted = i + 1;
      yield ev('response.output_text.delta', {
        item_id: msgId,
        output_index: msgIndex,
        content_index: 0,
        delta: reply.delta(i),
        logprobs: [],
      });
    }
    const status = ctx.streamBytes !== undefined ? 'completed' : finalStatus;
    yield ev('response.output_text.done', {
      item_id: msgId,
      output_index: msgIndex,
      content_index: 0,
      text: T,
      logprobs: [],
    });
    yield ev('response.content_part.done', {
      item_id: msgId,
      output_index: msgIndex,
      content_index: 0,
      part: textPart(T),
    });
    yield ev('response.output_item.done', { output_index: msgIndex, item: message(status, [textPart(T)]) });
    const output = JSON.stringify([
      ...(plan.reasoning > 0 ? [reasoningItem] : []),
      message(status, [textPart(T)]),
    ]);
    const final = responseObject(status, true, noUsage ? null : usageOf(emitted));
    const type = status === 'completed' ? 'response.completed' : 'response.incomplete';
    yield ev(type, { response: final }).replace('"\\u0000OUTPUT\\u0000"', output);
  }
  await pump(ctx, 200, headers(ctx, SSE_TYPE), expand(events()), {
    malformed: 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta",\n\n',
  });
}

// ---------- embeddings ----------

export function embeddings(ctx: Ctx, route: OpenAIRouteOptions): void {
  const body = ctx.body ?? {};
  const model = requireModel(ctx);
  if (model === undefined) return;
  const raw = body.input;
  if (raw === undefined) {
    sendError(ctx, 400, "Missing required parameter: 'input'.", 'input');
    return;
  }
  let inputs: unknown[];
  if (typeof raw === 'string') inputs = [raw];
  else if (Array.isArray(raw) && raw.length > 0 && typeof raw[0] === 'number') inputs = [raw];
  else inputs = arr(raw);
  const dims = num(body.dimensions) ?? (/3-large/.test(model) ? 3072 : 1536);
  const base64 = body.encoding_format === 'base64';
  let tokens = 0;
  const data = inputs.map((input, index) => {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    tokens += Array.isArray(input) ? input.length : Math.max(1, textTokens(text));
    const vec = embedding(text, dims);
    return { object: 'embedding', index, embedding: base64 ? embeddingBase64(vec) : vec };
  });
  const res: Record<string, unknown> = {
    object: 'list',
    data,
    model: isAzure(ctx) ? responseModel(ctx, model, route).replace(/-\d{4}-\d{2}-\d{2}$/, '') : model,
  };
  if (ctx.fault !== 'no-usage') res.usage = { prompt_tokens: tokens, total_tokens: tokens };
  sendJson(ctx, 200, headers(ctx, JSON_TYPE), pretty(res));
  if (!isAzure(ctx))
    ctx.state.billing.add({
      provider: 'openai',
      operation: 'embeddings',
      model,
      time: ctx.startTime,
      inputTokens: tokens,
      outputTokens: 0,
    });
}

// ---------- models ----------

export function listModels(ctx: Ctx): void {
  const created = 1_700_000_000;
  const ids = [
    'gpt-4o',
    'gpt-4o-mini',
    'gpt-4.1',
    'gpt-4.1-mini',
    'o3-mini',
    'o4-mini',
    'gpt-5',
    'text-embedding-3-small',
  ];
  const res = {
    object: 'list',
    data: ids.map((id) => ({ id, object: 'model', created, owned_by: 'system' })),
  };
  sendJson(ctx, 200, headers(ctx, JSON_TYPE), pretty(res));
}
