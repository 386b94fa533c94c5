// Batches, as the openai and @anthropic-ai/sdk clients drive them: OpenAI `POST /v1/files`
// (multipart, purpose `batch`), `POST /v1/batches`, `GET /v1/batches/{id}`, `GET /v1/files/{id}/content`
// (the output file: one JSON line per request, `{id, custom_id, response: {status_code, request_id,
// body}, error}`); Anthropic `POST /v1/messages/batches`, `GET /v1/messages/batches/{id}`,
// `GET /v1/messages/batches/{id}/results` (`{custom_id, result: {type: 'succeeded', message}}`),
// and `GET /v1/batches` (a page of batches, newest first).
// A batch ends at once: its results are planned when it is created, with the same token counts the
// synchronous endpoints give, so a test can compare. The OpenAI create response is the batch as the
// API answers it then (status `validating`, no output file, nothing counted yet); a retrieve or a
// list gives it completed.
import { arr, type Ctx, nowSeconds, num, obj, planOutput, str } from '../context.js';
import { anthropicResponseModel, openaiResponseModel } from '../models.js';
import { sendError, sendJson } from '../respond.js';
import { itemOf, promptTokens, Reply } from '../usage.js';
import { planAnthropic } from './anthropic.js';

interface Batches {
  files: Map<string, string>;
  /** Batch id → its object and its results file's lines. */
  batches: Map<string, { batch: Record<string, unknown>; lines: string[] }>;
}

const STORES = new WeakMap<object, Batches>();

function store(ctx: Ctx): Batches {
  let s = STORES.get(ctx.state);
  if (!s) {
    s = { files: new Map(), batches: new Map() };
    STORES.set(ctx.state, s);
  }
  return s;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const JSONL_HEADERS = { 'content-type': 'application/octet-stream' };
const ANTHROPIC_JSONL_HEADERS = { 'content-type': 'application/binary' };

/** The file part of a multipart/form-data body (the one upload the openai client sends). */
function multipartFile(ctx: Ctx): { name: string; text: string } | undefined {
  const type = ctx.req.headers['content-type'] ?? '';
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  if (!boundary) return undefined;
  const sep = `--${boundary[1] ?? boundary[2]}`;
  for (const part of ctx.rawBody.split(sep)) {
    const head = part.indexOf('\r\n\r\n');
    if (head < 0) continue;
    const headers = part.slice(0, head);
    const name = /filename="([^"]*)"/.exec(headers);
    if (!name) continue;
    return { name: name[1]!, text: part.slice(head + 4).replace(/\r\n$/, '') };
  }
  return undefined;
}

/** `POST /v1/files`: keeps an uploaded batch input file. */
export function uploadFile(ctx: Ctx): void {
  const file = multipartFile(ctx);
  if (!file) {
    sendError(ctx, 400, 'mock provider: expected a multipart upload with a file');
    return;
  }
  const id = ctx.state.id('file-', 22);
  store(ctx).files.set(id, file.text);
  sendJson(
    ctx,
    200,
    JSON_HEADERS,
    JSON.stringify({
      id,
      object: 'file',
      bytes: Buffer.byteLength(file.text),
      created_at: nowSeconds(),
      filename: file.name,
      purpose: 'batch',
    }),
  );
}

/** One chat completion as the batch would have produced it. */
function openaiResult(ctx: Ctx, request: Record<string, unknown>): Record<string, unknown> {
  const body = obj(request.body) ?? {};
  const model = str(body.model) ?? 'gpt-4o-mini';
  const items = arr(body.messages).map((m) => itemOf(obj(m)?.content));
  const prompt = promptTokens(items);
  const plan = planOutput(ctx.replyTokens, num(body.max_completion_tokens) ?? num(body.max_tokens), 0);
  const reply = new Reply(JSON.stringify(body.messages), plan.visible);
  return {
    id: ctx.state.id('batch_req_', 32),
    custom_id: str(request.custom_id) ?? '',
    response: {
      status_code: 200,
      request_id: ctx.state.id('', 32),
      body: {
        id: ctx.state.id('chatcmpl-', 29),
        object: 'chat.completion',
        created: nowSeconds(),
        model: openaiResponseModel(model),
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: reply.text(), refusal: null },
            logprobs: null,
            finish_reason: plan.truncated ? 'length' : 'stop',
          },
        ],
        usage: {
          prompt_tokens: prompt,
          completion_tokens: plan.visible,
          total_tokens: prompt + plan.visible,
          prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
        },
        service_tier: 'default',
        system_fingerprint: 'fp_mock',
      },
    },
    error: null,
  };
}

/** `POST /v1/batches`: the input file's requests, answered at once. */
export function createOpenAIBatch(ctx: Ctx): void {
  const body = ctx.body ?? {};
  const inputFile = str(body.input_file_id);
  const input = inputFile === undefined ? undefined : store(ctx).files.get(inputFile);
  if (input === undefined) {
    sendError(ctx, 400, `mock provider: no uploaded file ${inputFile ?? '(input_file_id missing)'}`);
    return;
  }
  const lines: string[] = [];
  let failed = 0;
  for (const text of input.split('\n')) {
    if (text.trim() === '') continue;
    try {
      lines.push(JSON.stringify(openaiResult(ctx, JSON.parse(text) as Record<string, unknown>)));
    } catch {
      failed++;
    }
  }
  const id = ctx.state.id('batch_', 24);
  const now = nowSeconds();
  const batch = {
    id,
    object: 'batch',
    endpoint: str(body.endpoint) ?? '/v1/chat/completions',
    errors: null,
    input_file_id: inputFile,
    completion_window: str(body.completion_window) ?? '24h',
    status: 'completed',
    output_file_id: `file-${id}-output`,
    error_file_id: null,
    created_at: now,
    in_progress_at: now,
    expires_at: now + 86400,
    finalizing_at: now,
    completed_at: now,
    request_counts: { total: lines.length + failed, completed: lines.length, failed },
    metadata: obj(body.metadata) ?? null,
  };
  store(ctx).batches.set(id, { batch, lines });
  const validating = {
    ...batch,
    status: 'validating',
    output_file_id: null,
    in_progress_at: null,
    finalizing_at: null,
    completed_at: null,
    request_counts: { total: 0, completed: 0, failed: 0 },
  };
  sendJson(ctx, 200, JSON_HEADERS, JSON.stringify(validating));
}

/** `GET /v1/batches`: every OpenAI batch, newest first, one page. */
export function listOpenAIBatches(ctx: Ctx): void {
  const data = [...store(ctx).batches.values()]
    .map((b) => b.batch)
    .filter((b) => b.object === 'batch')
    .reverse();
  sendJson(
    ctx,
    200,
    JSON_HEADERS,
    JSON.stringify({
      object: 'list',
      data,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
      has_more: false,
    }),
  );
}

/** `GET /v1/batches/{id}` */
export function retrieveOpenAIBatch(ctx: Ctx, id: string): void {
  const b = store(ctx).batches.get(id);
  if (!b) sendError(ctx, 404, `No batch found with id '${id}'.`);
  else sendJson(ctx, 200, JSON_HEADERS, JSON.stringify(b.batch));
}

/** `GET /v1/files/{id}/content`: an output file, or an uploaded file. */
export function fileContent(ctx: Ctx, id: string): void {
  const s = store(ctx);
  const output = /^file-(batch_[A-Za-z0-9]+)-output$/.exec(id);
  const lines = output ? s.batches.get(output[1]!)?.lines : undefined;
  const text = lines ? lines.map((l) => `${l}\n`).join('') : s.files.get(id);
  if (text === undefined) sendError(ctx, 404, `No such File object: ${id}`);
  else sendJson(ctx, 200, JSONL_HEADERS, text);
}

/** `POST /v1/messages/batches`: each request's message planned as `/v1/messages` would answer it. */
export function createAnthropicBatch(ctx: Ctx): void {
  const requests = arr(ctx.body?.requests);
  if (requests.length === 0) {
    sendError(ctx, 400, 'requests: Field required');
    return;
  }
  const lines: string[] = [];
  for (const r of requests) {
    const request = obj(r) ?? {};
    const params = obj(request.params) ?? {};
    const model = str(params.model) ?? 'claude-3-5-haiku-latest';
    const message = planAnthropic(ctx, params, model, anthropicResponseModel(model)).message();
    const usage = obj(message.usage);
    if (usage) usage.service_tier = 'batch';
    lines.push(
      JSON.stringify({ custom_id: str(request.custom_id) ?? '', result: { type: 'succeeded', message } }),
    );
  }
  const id = ctx.state.id('msgbatch_01', 22);
  const host = ctx.req.headers.host ?? '127.0.0.1';
  const now = new Date().toISOString();
  const batch = {
    id,
    type: 'message_batch',
    processing_status: 'ended',
    request_counts: { processing: 0, succeeded: lines.length, errored: 0, canceled: 0, expired: 0 },
    ended_at: now,
    created_at: now,
    expires_at: now,
    archived_at: null,
    cancel_initiated_at: null,
    results_url: `http://${host}/v1/messages/batches/${id}/results`,
  };
  store(ctx).batches.set(id, { batch, lines });
  sendJson(ctx, 200, JSON_HEADERS, JSON.stringify(batch));
}

/** `GET /v1/messages/batches/{id}` */
export function retrieveAnthropicBatch(ctx: Ctx, id: string): void {
  const b = store(ctx).batches.get(id);
  if (!b) sendError(ctx, 404, `No batch found with id '${id}'.`);
  else sendJson(ctx, 200, JSON_HEADERS, JSON.stringify(b.batch));
}

/** `GET /v1/messages/batches/{id}/results` */
export function anthropicBatchResults(ctx: Ctx, id: string): void {
  const b = store(ctx).batches.get(id);
  if (!b) sendError(ctx, 404, `No batch found with id '${id}'.`);
  else sendJson(ctx, 200, ANTHROPIC_JSONL_HEADERS, b.lines.map((l) => `${l}\n`).join(''));
}
