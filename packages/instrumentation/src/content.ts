// Message content for gen_ai.input.messages / gen_ai.output.messages, only when the user opts in
// (captureMessageContent, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true). The shape is
// the GenAI semconv JSON: [{ role, parts: [{ type: 'text', content }, { type: 'tool_call', ... }],
// finish_reason? }]. Text and tool calls are kept; media is replaced by its type. The serialised
// value is bounded: part contents are cut so that the whole stays near `maxChars`.
import type { WireApi } from './adapters/index.js';

type Obj = Record<string, unknown>;

interface Part {
  type: string;
  content?: string;
  id?: string;
  name?: string;
  arguments?: string;
}

export interface Message {
  role: string;
  parts: Part[];
  finish_reason?: string;
}

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function textParts(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  const parts: Part[] = [];
  for (const item of arr(content)) {
    const p = obj(item);
    if (!p) continue;
    const text = str(p.text);
    if (text !== undefined) {
      if (p.thought === true || p.type === 'thinking') parts.push({ type: 'reasoning', content: text });
      else parts.push({ type: 'text', content: text });
      continue;
    }
    const type = str(p.type);
    if (type === 'tool_use' || type === 'function_call') {
      parts.push({
        type: 'tool_call',
        id: str(p.id) ?? str(p.call_id),
        name: str(p.name),
        arguments: typeof p.input === 'object' ? JSON.stringify(p.input) : str(p.arguments),
      });
    } else if (type === 'tool_result' || type === 'function_call_output') {
      parts.push({ type: 'tool_call_response', id: str(p.tool_use_id) ?? str(p.call_id) });
    } else if (obj(p.functionCall)) {
      const f = obj(p.functionCall)!;
      parts.push({ type: 'tool_call', name: str(f.name), arguments: JSON.stringify(f.args ?? {}) });
    } else if (obj(p.toolUse)) {
      const t = obj(p.toolUse)!;
      parts.push({
        type: 'tool_call',
        id: str(t.toolUseId),
        name: str(t.name),
        arguments: JSON.stringify(t.input ?? {}),
      });
    } else if (type !== undefined) {
      parts.push({ type });
    }
  }
  return parts;
}

function openaiToolCalls(calls: unknown): Part[] {
  const parts: Part[] = [];
  for (const c of arr(calls)) {
    const call = obj(c);
    const f = obj(call?.function);
    if (!call || !f) continue;
    parts.push({ type: 'tool_call', id: str(call.id), name: str(f.name), arguments: str(f.arguments) });
  }
  return parts;
}

/** The input messages of a request body, in the semconv shape. */
export function inputMessages(api: WireApi, body: unknown): Message[] | undefined {
  const b = obj(body);
  if (!b) return undefined;
  const out: Message[] = [];
  switch (api) {
    case 'openai.chat':
      for (const m of arr(b.messages)) {
        const msg = obj(m);
        if (!msg) continue;
        const parts = textParts(msg.content).concat(openaiToolCalls(msg.tool_calls));
        out.push({ role: str(msg.role) ?? 'user', parts });
      }
      break;
    case 'openai.completions':
      for (const p of Array.isArray(b.prompt) ? b.prompt : [b.prompt]) {
        if (typeof p === 'string') out.push({ role: 'user', parts: [{ type: 'text', content: p }] });
      }
      break;
    case 'openai.embeddings':
    case 'gemini.embed':
      return undefined;
    case 'openai.responses': {
      const instructions = str(b.instructions);
      if (instructions !== undefined)
        out.push({ role: 'system', parts: [{ type: 'text', content: instructions }] });
      if (typeof b.input === 'string')
        out.push({ role: 'user', parts: [{ type: 'text', content: b.input }] });
      for (const m of arr(b.input)) {
        const msg = obj(m);
        if (!msg) continue;
        const type = str(msg.type);
        if (type === 'function_call' || type === 'function_call_output') {
          out.push({ role: type === 'function_call' ? 'assistant' : 'tool', parts: textParts([msg]) });
        } else {
          out.push({ role: str(msg.role) ?? 'user', parts: textParts(msg.content) });
        }
      }
      break;
    }
    case 'anthropic.messages': {
      if (b.system !== undefined) out.push({ role: 'system', parts: textParts(b.system) });
      for (const m of arr(b.messages)) {
        const msg = obj(m);
        if (msg) out.push({ role: str(msg.role) ?? 'user', parts: textParts(msg.content) });
      }
      break;
    }
    case 'gemini.generate': {
      const system = obj(b.systemInstruction) ?? obj(b.system_instruction);
      if (system) out.push({ role: 'system', parts: textParts(system.parts) });
      for (const c of arr(b.contents)) {
        const content = obj(c);
        if (content)
          out.push({
            role: str(content.role) === 'model' ? 'assistant' : 'user',
            parts: textParts(content.parts),
          });
      }
      break;
    }
    case 'bedrock.converse': {
      const system = arr(b.system);
      if (system.length > 0) out.push({ role: 'system', parts: textParts(system) });
      for (const m of arr(b.messages)) {
        const msg = obj(m);
        if (msg) out.push({ role: str(msg.role) ?? 'user', parts: textParts(msg.content) });
      }
      break;
    }
    case 'bedrock.invoke': {
      if (b.system !== undefined) out.push({ role: 'system', parts: textParts(b.system) });
      for (const m of arr(b.messages)) {
        const msg = obj(m);
        if (msg) out.push({ role: str(msg.role) ?? 'user', parts: textParts(msg.content) });
      }
      const prompt = str(b.prompt) ?? str(b.inputText);
      if (prompt !== undefined) out.push({ role: 'user', parts: [{ type: 'text', content: prompt }] });
      break;
    }
  }
  return out.length > 0 ? out : undefined;
}

/** The output messages of a (non-streamed) response body, in the semconv shape. */
export function outputMessages(api: WireApi, json: unknown): Message[] | undefined {
  const b = obj(json);
  if (!b) return undefined;
  const out: Message[] = [];
  switch (api) {
    case 'openai.chat':
    case 'openai.completions':
      for (const c of arr(b.choices)) {
        const choice = obj(c);
        if (!choice) continue;
        const message = obj(choice.message);
        const parts = message
          ? textParts(message.content).concat(openaiToolCalls(message.tool_calls))
          : textParts(str(choice.text));
        out.push({ role: 'assistant', parts, finish_reason: str(choice.finish_reason) });
      }
      break;
    case 'openai.responses':
      for (const item of arr(b.output)) {
        const o = obj(item);
        if (!o) continue;
        if (o.type === 'message') out.push({ role: 'assistant', parts: textParts(o.content) });
        else if (o.type === 'function_call') out.push({ role: 'assistant', parts: textParts([o]) });
      }
      break;
    case 'anthropic.messages':
    case 'bedrock.invoke':
      if (b.content !== undefined)
        out.push({ role: 'assistant', parts: textParts(b.content), finish_reason: str(b.stop_reason) });
      else if (str(b.generation) !== undefined)
        out.push({ role: 'assistant', parts: [{ type: 'text', content: str(b.generation)! }] });
      break;
    case 'gemini.generate':
      for (const c of arr(b.candidates)) {
        const cand = obj(c);
        if (cand)
          out.push({
            role: 'assistant',
            parts: textParts(obj(cand.content)?.parts),
            finish_reason: str(cand.finishReason),
          });
      }
      break;
    case 'bedrock.converse': {
      const message = obj(obj(b.output)?.message);
      if (message)
        out.push({ role: 'assistant', parts: textParts(message.content), finish_reason: str(b.stopReason) });
      break;
    }
    default:
      return undefined;
  }
  return out.length > 0 ? out : undefined;
}

/** A streamed response's output as one assistant message. */
export function streamedOutput(text: string, finishReasons: string[] | undefined): Message[] {
  return [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: finishReasons?.[0] }];
}

/**
 * Serialise messages within about `maxChars` characters: each part's content gets an equal share of
 * what is left, and messages past the budget are dropped.
 */
export function serializeMessages(messages: Message[], maxChars: number): string {
  const full = JSON.stringify(messages);
  if (full.length <= maxChars) return full;
  let budget = Math.max(0, maxChars - 256);
  const out: Message[] = [];
  for (const m of messages) {
    if (budget <= 0) break;
    const parts: Part[] = [];
    for (const p of m.parts) {
      if (p.content !== undefined && p.content.length > budget) {
        parts.push({ ...p, content: `${p.content.slice(0, budget)}…` });
        budget = 0;
        break;
      }
      parts.push(p);
      budget -= (p.content?.length ?? 0) + (p.arguments?.length ?? 0) + 32;
    }
    out.push({ ...m, parts });
  }
  const text = JSON.stringify(out);
  if (text.length <= maxChars) return text;
  // Still too long (many tiny parts): keep whole messages from the start while they fit.
  let kept = '[]';
  for (let i = 1; i <= out.length; i++) {
    const candidate = JSON.stringify(out.slice(0, i));
    if (candidate.length > maxChars) break;
    kept = candidate;
  }
  return kept;
}
