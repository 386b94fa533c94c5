// Gemini API and Vertex AI wire format: generateContent, streamGenerateContent (SSE and JSON
// array), countTokens, embedContent, batchEmbedContents, predict (Vertex embeddings).
import { arr, type Ctx, nowSeconds, num, obj, planOutput, str } from '../context.js';
import { geminiThinksByDefault } from '../models.js';
import { pump, sendError, sendJson, wordIndices } from '../respond.js';
import {
  embedding,
  GEMINI_CACHED_CONTENT_TOKENS,
  itemOf,
  type PromptItem,
  promptTokens,
  REASONING_TOKENS,
  Reply,
  textTokens,
  toolsItem,
} from '../usage.js';

/** Words per streamed chunk (Gemini streams in bigger pieces than OpenAI). */
const WORDS_PER_CHUNK = 4;

export interface GeminiRoute {
  model: string;
  method: string;
  vertex: boolean;
}

/**
 * Gemini's own JSON layout: `"key": value` with a space after the colon and none after commas, as
 * the service writes its stream chunks.
 */
export function geminiJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(geminiJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v))
      if (x !== undefined) parts.push(`${JSON.stringify(k)}: ${geminiJson(x)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v);
}

function pretty(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}

function items(body: Record<string, unknown>): PromptItem[] {
  const out: PromptItem[] = [];
  const tools = toolsItem(body.tools);
  if (tools) out.push(tools);
  if (body.systemInstruction !== undefined) {
    const si = body.systemInstruction;
    out.push(itemOf(obj(si)?.parts ?? si));
  }
  const contents = body.contents;
  if (typeof contents === 'string') out.push(itemOf(contents));
  else for (const c of arr(contents)) out.push(itemOf(obj(c)?.parts ?? c));
  return out;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8', vary: 'Origin, X-Origin, Referer' };

export async function generate(ctx: Ctx, route: GeminiRoute, stream: boolean): Promise<void> {
  const body = ctx.body ?? {};
  const contents = body.contents;
  if (contents === undefined || (Array.isArray(contents) && contents.length === 0)) {
    sendError(ctx, 400, '* GenerateContentRequest.contents: contents is not specified\n');
    return;
  }
  const model = route.model;
  const promptItems = items(body);
  const explicitCached = typeof body.cachedContent === 'string' ? GEMINI_CACHED_CONTENT_TOKENS : 0;
  const prompt = promptTokens(promptItems) + explicitCached;
  const cached =
    explicitCached || ctx.state.implicitCache(`gemini:${model}`, promptItems, prompt, ctx.cacheMode);
  const gen = obj(body.generationConfig) ?? {};
  const thinkingConfig = obj(gen.thinkingConfig);
  const budget = num(thinkingConfig?.thinkingBudget);
  const thinks =
    budget === undefined
      ? geminiThinksByDefault(model) || thinkingConfig?.thinkingLevel !== undefined
      : budget !== 0;
  const reasoning = thinks
    ? budget !== undefined && budget > 0
      ? Math.min(REASONING_TOKENS, budget)
      : REASONING_TOKENS
    : 0;
  const plan = planOutput(ctx.replyTokens, num(gen.maxOutputTokens), reasoning);
  const includeThoughts = thinkingConfig?.includeThoughts === true;
  const seed = JSON.stringify(contents);
  const responseId = ctx.state.id('', 23);
  const noUsage = ctx.fault === 'no-usage';
  const createTime = route.vertex ? new Date(nowSeconds() * 1000).toISOString() : undefined;

  const usage = (candidates: number | undefined): Record<string, unknown> => {
    const u: Record<string, unknown> = { promptTokenCount: prompt };
    if (candidates !== undefined) u.candidatesTokenCount = candidates;
    u.totalTokenCount = prompt + (candidates ?? 0) + plan.reasoning;
    if (cached > 0) u.cachedContentTokenCount = cached;
    u.promptTokensDetails = [{ modality: 'TEXT', tokenCount: prompt }];
    if (cached > 0) u.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: cached }];
    if (candidates !== undefined && route.vertex)
      u.candidatesTokensDetails = [{ modality: 'TEXT', tokenCount: candidates }];
    if (plan.reasoning > 0) u.thoughtsTokenCount = plan.reasoning;
    if (route.vertex) u.trafficType = 'ON_DEMAND';
    return u;
  };
  const response = (parts: unknown[], finish: string | undefined, u: Record<string, unknown> | undefined) => {
    const candidate: Record<string, unknown> = { content: { parts, role: 'model' } };
    if (finish) candidate.finishReason = finish;
    candidate.index = 0;
    const r: Record<string, unknown> = { candidates: [candidate] };
    if (u && !noUsage) r.usageMetadata = u;
    r.modelVersion = model;
    if (createTime) r.createTime = createTime;
    r.responseId = responseId;
    return r;
  };
  const thoughtText = new Reply(`thinking:${seed}`, plan.reasoning).text();
  const finishReason = plan.truncated ? 'MAX_TOKENS' : 'STOP';

  if (!stream) {
    const parts: unknown[] = [];
    if (includeThoughts && plan.reasoning > 0) parts.push({ text: thoughtText, thought: true });
    parts.push({ text: new Reply(seed, plan.visible).text() });
    sendJson(ctx, 200, JSON_HEADERS, pretty(response(parts, finishReason, usage(plan.visible))));
    return;
  }

  const count = ctx.streamBytes !== undefined ? Number.POSITIVE_INFINITY : plan.visible;
  const reply = new Reply(seed, count);
  const sse = ctx.query.get('alt') === 'sse';
  const frame = (r: unknown, first: boolean, last: boolean): string => {
    if (sse) return `data: ${geminiJson(r)}\r\n\r\n`;
    const text = JSON.stringify(r, null, 2);
    return `${first ? '[' : ',\r\n'}${text}${last ? ']' : ''}`;
  };
  function* chunks(): Generator<string> {
    let first = true;
    if (includeThoughts && plan.reasoning > 0) {
      yield frame(
        response([{ text: thoughtText, thought: true }], undefined, usage(undefined)),
        first,
        false,
      );
      first = false;
    }
    let emitted = 0;
    let pending = '';
    let inChunk = 0;
    for (const i of wordIndices(ctx, count)) {
      pending += reply.delta(i);
      emitted = i + 1;
      inChunk++;
      if (inChunk === WORDS_PER_CHUNK && emitted < count) {
        yield frame(response([{ text: pending }], undefined, usage(undefined)), first, false);
        first = false;
        pending = '';
        inChunk = 0;
      }
    }
    const finish = ctx.streamBytes !== undefined ? 'STOP' : finishReason;
    yield frame(response([{ text: pending }], finish, usage(emitted)), first, true);
  }
  const headers = sse
    ? { 'content-type': 'text/event-stream', vary: 'Origin, X-Origin, Referer' }
    : JSON_HEADERS;
  await pump(ctx, 200, headers, chunks(), {
    malformed: sse ? 'data: {"candidates": [{"content": \r\n\r\n' : ',\r\n{"cand',
  });
}

export function countTokens(ctx: Ctx, route: GeminiRoute): void {
  const body = ctx.body ?? {};
  // The SDK may wrap the request as { generateContentRequest: {...} }.
  const inner = obj(body.generateContentRequest) ?? body;
  const total = promptTokens(items(inner));
  const res: Record<string, unknown> = {
    totalTokens: total,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }],
  };
  if (route.vertex) res.totalBillableCharacters = JSON.stringify(inner.contents ?? '').length;
  sendJson(ctx, 200, JSON_HEADERS, pretty(res));
}

function embeddingDims(model: string, requested: unknown): number {
  return num(requested) ?? (/gemini-embedding/.test(model) ? 3072 : 768);
}

function contentText(content: unknown): string {
  const c = obj(content);
  return itemOf(c?.parts ?? content).text;
}

export function embedContent(ctx: Ctx, route: GeminiRoute): void {
  const body = ctx.body ?? {};
  const text = contentText(body.content);
  const values = embedding(text, embeddingDims(route.model, body.outputDimensionality));
  sendJson(ctx, 200, JSON_HEADERS, pretty({ embedding: { values } }));
}

export function batchEmbedContents(ctx: Ctx, route: GeminiRoute): void {
  const body = ctx.body ?? {};
  const requests = arr(body.requests);
  const embeddings = requests.map((r) => {
    const req = obj(r) ?? {};
    return {
      values: embedding(contentText(req.content), embeddingDims(route.model, req.outputDimensionality)),
    };
  });
  sendJson(ctx, 200, JSON_HEADERS, pretty({ embeddings }));
}

/** Vertex AI text embeddings (`:predict` with instances). */
export function predict(ctx: Ctx, route: GeminiRoute): void {
  const body = ctx.body ?? {};
  const dims = embeddingDims(route.model, obj(body.parameters)?.outputDimensionality);
  let billable = 0;
  const predictions = arr(body.instances).map((inst) => {
    const content = str(obj(inst)?.content) ?? contentText(obj(inst)?.content);
    billable += content.length;
    return {
      embeddings: {
        values: embedding(content, dims),
        statistics: { truncated: false, token_count: Math.max(1, textTokens(content)) },
      },
    };
  });
  sendJson(ctx, 200, JSON_HEADERS, pretty({ predictions, metadata: { billableCharacterCount: billable } }));
}
