// The GenAI semconv shape of message content (gen_ai.input.messages / gen_ai.output.messages):
// [{ role, parts: [{ type: 'text', content }, { type: 'tool_call', ... }], finish_reason? }], and
// the readers every wire format's content capture shares. Text and tool calls are kept; media is
// replaced by its type.
import { obj } from './util.js';

export interface Part {
  type: string;
  content?: string;
  id?: string | undefined;
  name?: string | undefined;
  arguments?: string | undefined;
}

export interface Message {
  role: string;
  parts: Part[];
  finish_reason?: string | undefined;
}

/** `v` when it is an array, else none: message lists are read leniently. */
export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** `v` when it is a string (the empty one too). */
export function asText(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The parts of a message's content: a string, or a list of text, reasoning, tool call, result or media parts. */
export function textParts(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  const parts: Part[] = [];
  for (const item of asList(content)) {
    const p = obj(item);
    if (!p) continue;
    const text = asText(p.text);
    if (text !== undefined) {
      if (p.thought === true || p.type === 'thinking') parts.push({ type: 'reasoning', content: text });
      else parts.push({ type: 'text', content: text });
      continue;
    }
    const type = asText(p.type);
    if (type === 'tool_use' || type === 'function_call') {
      parts.push({
        type: 'tool_call',
        id: asText(p.id) ?? asText(p.call_id),
        name: asText(p.name),
        arguments: typeof p.input === 'object' ? JSON.stringify(p.input) : asText(p.arguments),
      });
    } else if (type === 'tool_result' || type === 'function_call_output') {
      parts.push({ type: 'tool_call_response', id: asText(p.tool_use_id) ?? asText(p.call_id) });
    } else if (obj(p.functionCall)) {
      const f = obj(p.functionCall)!;
      parts.push({ type: 'tool_call', name: asText(f.name), arguments: JSON.stringify(f.args ?? {}) });
    } else if (obj(p.toolUse)) {
      const t = obj(p.toolUse)!;
      parts.push({
        type: 'tool_call',
        id: asText(t.toolUseId),
        name: asText(t.name),
        arguments: JSON.stringify(t.input ?? {}),
      });
    } else if (type !== undefined) {
      parts.push({ type });
    }
  }
  return parts;
}

/**
 * Appends `{ role, content }` messages (Anthropic Messages, Bedrock Converse, Ollama chat) to `out`:
 * a message without a role is the user's.
 */
export function pushRoleMessages(out: Message[], list: unknown): Message[] {
  for (const m of asList(list)) {
    const msg = obj(m);
    if (msg) out.push({ role: asText(msg.role) ?? 'user', parts: textParts(msg.content) });
  }
  return out;
}

/** OpenAI chat `tool_calls` as tool call parts. */
export function openaiToolCalls(calls: unknown): Part[] {
  const parts: Part[] = [];
  for (const c of asList(calls)) {
    const call = obj(c);
    const f = obj(call?.function);
    if (!call || !f) continue;
    parts.push({
      type: 'tool_call',
      id: asText(call.id),
      name: asText(f.name),
      arguments: asText(f.arguments),
    });
  }
  return parts;
}
