// The text of a request for local token counting, and the readers every wire format's
// `requestText` shares: message texts (with their roles and names, so per-message overhead can be
// added), prompts, embedding inputs, tool definitions and calls. Images, audio and files are not
// counted (their tokens cannot be known from the bytes here).
import { obj } from './util.js';

export interface RequestText {
  /** One entry per message: its role/name and the texts of its parts. */
  messages: { role: string; name?: string; texts: string[] }[];
  /** Loose texts (prompts, embedding inputs, system instructions, tool definitions). */
  texts: string[];
  /** Token ids given directly (OpenAI prompt/input as token arrays). */
  tokenIds: number;
}

export function pushText(out: string[], value: unknown): void {
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
export function pushPart(out: string[], part: unknown): void {
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

export function messagesFrom(list: unknown, into: RequestText, roleKey = 'role'): void {
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

export function promptLike(value: unknown, into: RequestText): void {
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
