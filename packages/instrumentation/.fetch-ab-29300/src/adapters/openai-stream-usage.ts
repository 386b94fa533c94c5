// OpenAI-format streams report usage only when the request sets `stream_options.include_usage`.
// With TOKENMETER_OPENAI_STREAM_USAGE=inject (the default) tokenmeter adds the option to requests
// whose caller did not set it, and removes its two traces from what the caller receives:
// `"usage":null` on every chunk, and the final chunk with `"choices":[]` and the usage. The parser
// reads usage from the original events; the caller gets the bytes the server would have sent
// without the option (the rest of each event's text unchanged, never re-serialised).
//
// Where the option is injected (`acceptsStreamOptions`):
// - openai; groq (its own SDKs send it by default); deepseek and x_ai (documented); vllm
//   (documented) and Ollama's /v1 (localhost:11434); a gateway relaying to one of these by URL
//   (Cloudflare AI Gateway's /openai/..., oai.helicone.ai).
// - Every endpoint the user declared in TOKENMETER_PROVIDERS (a LiteLLM proxy, a company gateway,
//   `gateway=...`), except names known to refuse it; and a LiteLLM proxy recognised by its response
//   headers on an earlier call (the fetch layer remembers its origin).
// - azure.ai.openai on api-version >= 2024-09-01 (previews) / 2024-10-21 (GA), and the v1 API;
//   older api-versions reject the field.
// - Not openrouter: it sends usage in every stream's last event unasked (its docs call the option
//   deprecated, without effect), so adding the option and cutting its traces would take from the
//   caller a usage event it gets without tokenmeter; the usage is read as it comes.
// - Not mistal_ai (rejects unknown fields with 422 "extra_forbidden", and sends usage anyway),
//   together_ai and fireworks_ai (send usage in the last chunk unasked), nor any other undeclared
//   openai_compatible server or gateway: an unknown server may reject the field, and breaking the
//   caller's request is worse than a missing usage (the tokens are then estimated and marked).
// The caller's own choice wins: include_usage true needs nothing; include_usage false is respected
// (no injection; the call then has no reported usage, and can be estimated).
import {
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK,
  GEN_AI_PROVIDER_NAME_VALUE_GROQ,
  GEN_AI_PROVIDER_NAME_VALUE_OLLAMA,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_VLLM,
  GEN_AI_PROVIDER_NAME_VALUE_X_AI,
} from '@tokenmeter/semconv';
import { SseDecoder, type SseDecoderOptions, type SseEventHandler } from '../sse.js';
import { WIRE_FORMATS } from './formats.js';
import { wholeBody } from './json-scan.js';
import { usageEdit } from './openai-usage-edit.js';
import type { RequestInfo } from './types.js';
import { obj, parseJson } from './util.js';

export type OpenAIStreamUsageMode = 'inject' | 'estimate' | 'off';

/** Providers known to accept `stream_options.include_usage` (Azure also depends on api-version). */
export const STREAM_OPTIONS_PROVIDERS: ReadonlySet<string> = new Set([
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_GROQ,
  GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK,
  GEN_AI_PROVIDER_NAME_VALUE_X_AI,
  GEN_AI_PROVIDER_NAME_VALUE_VLLM,
  GEN_AI_PROVIDER_NAME_VALUE_OLLAMA,
]);

/** Whether the request's server accepts `stream_options` (see the module comment). */
export function acceptsStreamOptions(info: RequestInfo): boolean {
  if (info.streamOptions !== undefined) return info.streamOptions;
  if (!STREAM_OPTIONS_PROVIDERS.has(info.provider)) return false;
  if (info.provider !== GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI) return true;
  const v = info.apiVersion;
  // The v1 API (/openai/v1/..., no deployment in the path) needs no api-version.
  if (v === undefined) return info.deployment === undefined;
  if (v === 'preview' || v === 'latest' || v === 'v1') return true;
  return v.slice(0, 10) >= '2024-09-01';
}

/**
 * A Chat Completions or legacy Completions request: the OpenAI stream format (SSE of chunks,
 * `[DONE]`), whose streams report usage only when asked (`WireFormat.usageOnRequest`).
 */
export function isOpenAIStreamFormat(info: RequestInfo): boolean {
  return WIRE_FORMATS[info.api]?.usageOnRequest === true;
}

/**
 * Plan the injection for one request. Returns the new request body (JSON text) with
 * `stream_options.include_usage: true`, or null when nothing is to be done: not streaming, not
 * Chat/Completions format, a server not known to accept the field, mode not `inject`, or the
 * caller set `include_usage` (true or false) itself.
 * @param body the request body: JSON text or the parsed object.
 * @param parsedBody the caller's parse of the text, possibly shallow (enough to decide; the whole
 *   body is parsed only to rewrite it).
 */
export function planStreamUsageInjection(
  info: RequestInfo,
  body: unknown,
  mode: OpenAIStreamUsageMode = 'inject',
  parsedBody?: unknown,
): { body: string } | null {
  try {
    if (mode !== 'inject' || !info.stream) return null;
    if (!isOpenAIStreamFormat(info)) return null;
    if (!acceptsStreamOptions(info)) return null;
    const text = typeof body === 'string' ? body : undefined;
    const parsed = obj(parsedBody ?? (text !== undefined ? parseJson(text) : body));
    if (parsed?.stream !== true) return null;
    const options = parsed.stream_options;
    if (options !== undefined && options !== null) {
      const o = obj(options);
      if (!o) return null; // something odd: leave the request alone
      if (o.include_usage !== undefined) return null; // the caller decided
      const whole = obj(wholeBody(parsed, text));
      if (!whole) return null;
      return { body: JSON.stringify({ ...whole, stream_options: { ...o, include_usage: true } }) };
    }
    if (text !== undefined && !('stream_options' in parsed)) {
      // Append the member to the caller's own text: the rest of the body stays byte-identical.
      const close = text.lastIndexOf('}');
      if (close > 0) {
        const before = text.slice(0, close).trimEnd();
        const sep = before.endsWith('{') ? '' : ',';
        return { body: `${before}${sep}"stream_options":{"include_usage":true}${text.slice(close)}` };
      }
    }
    const whole = obj(wholeBody(parsed, text));
    if (!whole) return null;
    return { body: JSON.stringify({ ...whole, stream_options: { include_usage: true } }) };
  } catch {
    return null;
  }
}

/**
 * What the caller would have received for one event's data without the injected option (the rule
 * of `openai-usage-edit.ts`): the data with its top-level `"usage":null` (or a usage object beside
 * choices) removed, any position, any whitespace; or null for a chunk that only carries usage
 * (`"choices":[]` or no choices, with a usage object), which is dropped. Any other data (including
 * `[DONE]` and unparsable text) is returned unchanged.
 */
export function stripInjectedUsage(data: string): string | null {
  const edit = usageEdit(data);
  if (edit === undefined) return data;
  if (edit === null) return null;
  return data.slice(0, edit.start) + data.slice(edit.end);
}

const encoder = new TextEncoder();

/**
 * Re-encode one SSE block after `stripInjectedUsage`, keeping the original framing byte for byte:
 * the removed span is cut out of the raw bytes, so `data:` spacing, line ends, `event:`/`id:` lines
 * and comments stay as they were. Returns `raw` itself when nothing changes, null to drop the block.
 */
export function rewriteSseEventBytes(raw: Uint8Array, data: string): Uint8Array | null {
  const edit = usageEdit(data);
  if (edit === undefined) return raw;
  if (edit === null) return null;
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  if (!data.includes('\n')) {
    const at = text.indexOf(data);
    if (at >= 0) return encoder.encode(text.slice(0, at + edit.start) + text.slice(at + edit.end));
  }
  // Multi-line data: write the lines back with the block's own line end.
  const eol = text.includes('\r\n') ? '\r\n' : text.includes('\r') && !text.includes('\n') ? '\r' : '\n';
  const stripped = data.slice(0, edit.start) + data.slice(edit.end);
  let out = '';
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.startsWith('event:') || line.startsWith('id:') || line.startsWith(':')) out += line + eol;
  }
  for (const line of stripped.split('\n')) out += `data: ${line}${eol}`;
  return encoder.encode(out + eol);
}

/**
 * The byte transform for a stream whose request had include_usage injected: feed it body chunks,
 * pass on what it returns. Every event also goes, unchanged, to `onEvent` (the stream parser), so
 * usage is read from the very chunk the caller does not get.
 */
export class InjectedUsageStreamRewriter {
  private out: Uint8Array[] = [];
  private previousDropped = false;
  private readonly decoder: SseDecoder;
  /** Bytes at the start of the stream already handed on as they came (see the constructor). */
  private sent: number;

  /**
   * @param options.sent the first bytes of what is pushed were already handed on as they came (the
   *   start of an event the fast path released early): they are not handed on again, and their
   *   event's rest follows its rewrite only when that rewrite begins with them, else as it came.
   */
  constructor(
    onEvent: SseEventHandler,
    options: Omit<SseDecoderOptions, 'onRawBlock'> & { sent?: number } = {},
  ) {
    const { sent = 0, ...decoderOptions } = options;
    this.sent = sent;
    this.decoder = new SseDecoder(onEvent, {
      ...decoderOptions,
      onRawBlock: (raw, data, _event, orphanLF) => {
        // An orphan LF ends the previous block (its CRLF was split across chunks): it goes or stays
        // with that block.
        const previousDropped = this.previousDropped;
        let piece = data === undefined ? raw : rewriteSseEventBytes(raw, data);
        this.previousDropped = piece === null;
        if (this.sent > 0) piece = this.afterSent(raw, piece);
        if (piece === null) {
          if (orphanLF && !previousDropped) this.out.push(LF_BYTES);
          return;
        }
        if (orphanLF && previousDropped && piece[0] === 10) piece = piece.subarray(1);
        if (piece.byteLength > 0) this.out.push(piece);
      },
    });
  }

  /** What is left to hand on of a block whose first bytes were already sent as they came. */
  private afterSent(raw: Uint8Array, piece: Uint8Array | null): Uint8Array {
    const n = Math.min(this.sent, raw.length);
    this.sent -= n;
    this.previousDropped = false;
    const head = raw.subarray(0, n);
    if (piece !== null && piece.length >= n && Buffer.from(head).equals(piece.subarray(0, n)))
      return piece.subarray(n);
    return raw.subarray(n);
  }

  /** Bytes to hand to the caller for this chunk (possibly none, possibly several pieces). */
  push(chunk: Uint8Array): Uint8Array[] {
    this.decoder.push(chunk);
    return this.drain();
  }

  /** The body ended: bytes still held (an unterminated last event). */
  end(): Uint8Array[] {
    this.decoder.end();
    return this.drain();
  }

  private drain(): Uint8Array[] {
    if (this.out.length === 0) return EMPTY;
    const out = this.out;
    this.out = [];
    return out;
  }
}

const LF_BYTES = new Uint8Array([10]);
const EMPTY: Uint8Array[] = [];
