// Ollama's native API, as the `ollama` npm client calls it: `/api/chat`, `/api/generate`, `/api/embed`
// and the legacy `/api/embeddings`. JSON when the request says `stream: false`, else (Ollama's
// default) an NDJSON stream (`application/x-ndjson`, one JSON object a line) whose last line has
// `done: true`, the `done_reason`, `prompt_eval_count` and `eval_count`. Errors are `{"error": "..."}`.
import { arr, type Ctx, num, obj, planOutput, str } from '../context.js';
import { pump, sendError, sendJson, wordIndices } from '../respond.js';
import { embedding, itemOf, promptTokens, Reply, textTokens } from '../usage.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const NDJSON_TYPE = 'application/x-ndjson';
const EMBED_DIMS = 768;

type Kind = 'chat' | 'generate';

function line(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** The durations Ollama reports (nanoseconds): fixed, so responses are deterministic but for created_at. */
function timings(prompt: number, output: number): Record<string, number> {
  return {
    total_duration: 1_000_000 * (10 + prompt + output),
    load_duration: 1_000_000,
    prompt_eval_duration: 1_000_000 * prompt,
    eval_duration: 1_000_000 * output,
  };
}

/** `/api/chat` (messages) and `/api/generate` (prompt, optional system). */
export async function generate(ctx: Ctx, kind: Kind): Promise<void> {
  const body = ctx.body ?? {};
  const model = str(body.model);
  if (!model) {
    sendError(ctx, 400, 'model is required');
    return;
  }
  let prompt: number;
  let seed: string;
  if (kind === 'chat') {
    const messages = arr(body.messages);
    prompt = promptTokens(messages.map((m) => itemOf(obj(m)?.content)));
    seed = JSON.stringify(messages);
  } else {
    const texts = [str(body.system), str(body.prompt) ?? ''].filter((t): t is string => t !== undefined);
    prompt = promptTokens(texts.map((t) => itemOf(t)));
    seed = texts.join('\u0000');
  }
  const plan = planOutput(ctx.replyTokens, num(obj(body.options)?.num_predict), 0);
  const doneReason = plan.truncated ? 'length' : 'stop';
  const noUsage = ctx.fault === 'no-usage';
  const final = (output: number): Record<string, unknown> => {
    const out: Record<string, unknown> = { done: true, done_reason: doneReason };
    if (noUsage) return out;
    return { ...out, ...timings(prompt, output), prompt_eval_count: prompt, eval_count: output };
  };
  const piece = (text: string): Record<string, unknown> =>
    kind === 'chat' ? { message: { role: 'assistant', content: text } } : { response: text };

  if (body.stream === false) {
    const reply = new Reply(seed, plan.visible);
    const res = {
      model,
      created_at: new Date().toISOString(),
      ...piece(reply.text()),
      ...final(plan.visible),
    };
    sendJson(ctx, 200, { 'content-type': JSON_TYPE }, JSON.stringify(res));
    return;
  }
  const count = ctx.streamBytes !== undefined ? Number.POSITIVE_INFINITY : plan.visible;
  const reply = new Reply(seed, count);
  let emitted = 0;
  function* lines(): Generator<string> {
    for (const i of wordIndices(ctx, count)) {
      emitted = i + 1;
      yield line({ model, created_at: new Date().toISOString(), ...piece(reply.delta(i)), done: false });
    }
    yield line({ model, created_at: new Date().toISOString(), ...piece(''), ...final(emitted) });
  }
  await pump(ctx, 200, { 'content-type': NDJSON_TYPE }, lines(), { malformed: '{"model":"broken",\n' });
}

/** `/api/embed` (input: a string or strings; reports prompt_eval_count) and `/api/embeddings` (prompt; no count). */
export function embed(ctx: Ctx, legacy: boolean): void {
  const body = ctx.body ?? {};
  const model = str(body.model);
  if (!model) {
    sendError(ctx, 400, 'model is required');
    return;
  }
  if (legacy) {
    const values = embedding(str(body.prompt) ?? '', EMBED_DIMS);
    sendJson(ctx, 200, { 'content-type': JSON_TYPE }, JSON.stringify({ embedding: values }));
    return;
  }
  const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
  const res: Record<string, unknown> = {
    model,
    embeddings: inputs.map((t) => embedding(t, EMBED_DIMS)),
  };
  const prompt = inputs.reduce((n, t) => n + Math.max(1, textTokens(t)), 0);
  Object.assign(res, { total_duration: 1_000_000 * (10 + prompt), load_duration: 1_000_000 });
  if (ctx.fault !== 'no-usage') res.prompt_eval_count = prompt;
  sendJson(ctx, 200, { 'content-type': JSON_TYPE }, JSON.stringify(res));
}
