// The text of a request, per wire format, for local token counting: message texts (with their
// roles, so per-message overhead can be added), prompts, embedding inputs. Images, audio and files
// are not counted (their tokens cannot be known from the bytes here).
import type { WireApi } from '../adapters/types.js';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

export interface RequestText {
  /** One entry per message: its role/name and the texts of its parts. */
  messages: { role: string; name?: string; texts: string[] }[];
  /** Loose texts (prompts, embedding inputs, system instructions, tool definitions). */
  texts: string[];
  /** Token ids given directly (OpenAI prompt/input as token arrays). */
  tokenIds: number;
}

function pushText(out: string[], value: unknown): void {
  if (typeof value === 'string') {
    out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const part of value) pushPart(out, part);
    return;
  }
  pushPart(out, value);
}

/** A content part of any of the formats: text, tool call/result, reasoning. */
function pushPart(out: string[], part: unknown): void {
  if (typeof part === 'string') {
    out.push(part);
    return;
  }
  const p = obj(part);
  if (!p) return;
  for (const key of ['text', 'input_text', 'output_text', 'thinking', 'refusal'] as const) {
    const v = p[key];
    if (typeof v === 'string') out.push(v);
  }
  // Tool calls and results: their arguments and outputs are input tokens.
  if (p.input !== undefined && typeof p.input !== 'string') out.push(JSON.stringify(p.input));
  if (typeof p.arguments === 'string') out.push(p.arguments);
  if (typeof p.output === 'string') out.push(p.output);
  if (p.content !== undefined) pushText(out, p.content);
  const fn = obj(p.function);
  if (fn) {
    if (typeof fn.name === 'string') out.push(fn.name);
    if (typeof fn.arguments === 'string') out.push(fn.arguments);
  }
  const call = obj(p.functionCall) ?? obj(p.functionResponse) ?? obj(p.toolUse) ?? obj(p.toolResult);
  if (call) out.push(JSON.stringify(call));
}

function messagesFrom(list: unknown, into: RequestText, roleKey = 'role'): void {
  if (!Array.isArray(list)) return;
  for (const m of list) {
    const msg = obj(m);
    if (!msg) continue;
    const texts: string[] = [];
    pushText(texts, msg.content ?? msg.parts);
    const calls = msg.tool_calls;
    if (Array.isArray(calls)) for (const c of calls) pushPart(texts, c);
    const role = typeof msg[roleKey] === 'string' ? (msg[roleKey] as string) : 'user';
    const entry: RequestText['messages'][number] = { role, texts };
    if (typeof msg.name === 'string') entry.name = msg.name;
    into.messages.push(entry);
  }
}

function promptLike(value: unknown, into: RequestText): void {
  if (typeof value === 'string') into.texts.push(value);
  else if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'string') into.texts.push(item);
      else if (typeof item === 'number') into.tokenIds++;
      else if (Array.isArray(item)) into.tokenIds += item.length;
      else pushPart(into.texts, item);
    }
  }
}

/** Extract the countable text of a request body in the given wire format. */
export function requestText(api: WireApi | undefined, body: unknown): RequestText {
  const out: RequestText = { messages: [], texts: [], tokenIds: 0 };
  const b = obj(body);
  if (!b) return out;
  if (b.tools !== undefined) out.texts.push(JSON.stringify(b.tools));
  switch (api) {
    case 'openai.completions':
      promptLike(b.prompt, out);
      break;
    case 'openai.embeddings':
      promptLike(b.input, out);
      break;
    case 'openai.responses':
      if (typeof b.instructions === 'string') out.texts.push(b.instructions);
      if (typeof b.input === 'string') out.messages.push({ role: 'user', texts: [b.input] });
      else messagesFrom(b.input, out);
      break;
    case 'anthropic.messages':
      pushText(out.texts, b.system);
      messagesFrom(b.messages, out);
      break;
    case 'gemini.generate':
    case 'gemini.embed': {
      const system = obj(b.systemInstruction) ?? obj(b.system_instruction);
      if (system) pushText(out.texts, system.parts);
      messagesFrom(b.contents, out);
      if (b.content !== undefined) pushText(out.texts, obj(b.content)?.parts);
      if (Array.isArray(b.requests))
        for (const r of b.requests) pushText(out.texts, obj(obj(r)?.content)?.parts);
      if (Array.isArray(b.instances)) for (const i of b.instances) pushText(out.texts, obj(i)?.content);
      break;
    }
    case 'bedrock.converse':
      pushText(out.texts, b.system);
      messagesFrom(b.messages, out);
      break;
    case 'bedrock.invoke':
      pushText(out.texts, b.system);
      if (b.messages !== undefined) messagesFrom(b.messages, out);
      promptLike(b.prompt ?? b.inputText ?? b.texts, out);
      break;
    default:
      // openai.chat and anything unknown: OpenAI chat shape.
      messagesFrom(b.messages, out);
      if (b.messages === undefined) promptLike(b.prompt ?? b.input, out);
  }
  return out;
}
