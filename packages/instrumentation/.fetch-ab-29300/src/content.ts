// Message content for gen_ai.input.messages / gen_ai.output.messages, only when the user opts in
// (captureMessageContent, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true). The shape is
// the GenAI semconv JSON (adapters/messages.ts); where a format keeps its messages is the format's
// own knowledge (`WireFormat.inputMessages` / `outputMessages`). The serialised value is bounded:
// part contents are cut so that the whole stays near `maxChars`.

import { WIRE_FORMATS } from './adapters/formats.js';
import type { WireApi } from './adapters/index.js';
import type { Message, Part } from './adapters/messages.js';
import { obj } from './adapters/util.js';

export type { Message } from './adapters/messages.js';

/** The input messages of a request body, in the semconv shape (the format's `inputMessages`). */
export function inputMessages(api: WireApi, body: unknown): Message[] | undefined {
  const b = obj(body);
  const format = WIRE_FORMATS[api];
  if (!b || format === undefined) return undefined;
  const out = format.inputMessages(b);
  return out.length > 0 ? out : undefined;
}

/** The output messages of a (non-streamed) response body, in the semconv shape. */
export function outputMessages(api: WireApi, json: unknown): Message[] | undefined {
  const b = obj(json);
  const format = WIRE_FORMATS[api];
  if (!b || format === undefined) return undefined;
  const out = format.outputMessages(b);
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
