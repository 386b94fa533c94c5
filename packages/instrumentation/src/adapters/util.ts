// Defensive readers shared by the adapters: any missing or odd field reads as undefined, never a throw.
import type { TokenUsage } from '@tokenmeter/pricing';
import type { CapturedText, HeaderSource, RequestInfo, ResponseInfo, StreamParserOptions } from './types.js';

export type Obj = Record<string, unknown>;

export function obj(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

export function arr(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** A finite, non-negative number (token counts, limits); undefined otherwise. */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * A token count of a provider's usage: the number when it is a non-negative integer, undefined when
 * absent (undefined or null), NaN for anything else (negative, fractional, infinite: `1e400` parses
 * as Infinity; a string, an object). NaN survives the adapters' sums and choices, so the usage check
 * at the adapter boundary (`checkedUsage`) sees it: a bad count is never clamped or skipped into a
 * plausible number that would be priced.
 */
export function tokens(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : Number.NaN;
}

/** A token count carried in a header (Bedrock): decimal digits only, else NaN; undefined when absent. */
export function headerTokens(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return /^\s*\d{1,16}\s*$/.test(value) ? Number(value) : Number.NaN;
}

/** A finite number (temperature, top_p); undefined otherwise. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * A request's sampling parameters, as its format's `readRequest` read them from the body: only those
 * the body sets go on the info (an unset one leaves no key, so the record stays small and no copy or
 * `delete` is needed to keep it so).
 */
export function setRequestParameters(
  info: RequestInfo,
  maxTokens: number | undefined,
  temperature: number | undefined,
  topP: number | undefined,
  choiceCount?: number,
  serviceTier?: string,
): void {
  if (maxTokens !== undefined) info.maxTokens = maxTokens;
  if (temperature !== undefined) info.temperature = temperature;
  if (topP !== undefined) info.topP = topP;
  if (choiceCount !== undefined) info.choiceCount = choiceCount;
  if (serviceTier !== undefined) info.serviceTier = serviceTier;
}

/** Parse JSON text; undefined when it is not valid JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Read one header from a fetch `Headers` or a plain record; case-insensitive for records. */
export function header(headers: HeaderSource | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') {
    const value = (get as (n: string) => string | null).call(headers, name);
    return value ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  let value = record[name];
  if (value === undefined) {
    const lower = name.toLowerCase();
    for (const key of Object.keys(record)) {
      if (key.toLowerCase() === lower) {
        value = record[key];
        break;
      }
    }
  }
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Build a TokenUsage, leaving out optional fields that are undefined or zero where zero means "none".
 * A NaN (an invalid count, see `tokens`) is kept, for the usage check to find.
 */
export function makeUsage(parts: {
  input: number;
  output: number;
  cacheRead?: number | undefined;
  cacheWrite?: number | undefined;
  cacheWrite1h?: number | undefined;
  reasoning?: number | undefined;
  inputAudio?: number | undefined;
  outputAudio?: number | undefined;
}): TokenUsage {
  const usage: TokenUsage = { inputTokens: parts.input, outputTokens: parts.output };
  if (parts.cacheRead !== undefined) usage.cacheReadTokens = parts.cacheRead;
  if (parts.cacheWrite !== undefined) usage.cacheWriteTokens = parts.cacheWrite;
  if (parts.cacheWrite1h !== undefined && parts.cacheWrite1h !== 0)
    usage.cacheWrite1hTokens = parts.cacheWrite1h;
  if (parts.reasoning !== undefined) usage.reasoningTokens = parts.reasoning;
  if (parts.inputAudio !== undefined && parts.inputAudio !== 0) usage.inputAudioTokens = parts.inputAudio;
  if (parts.outputAudio !== undefined && parts.outputAudio !== 0) usage.outputAudioTokens = parts.outputAudio;
  return usage;
}

/** A format without messages to capture (embeddings). */
export function noMessages(): never[] {
  return [];
}

/** A ResponseInfo as a parser gathers it: a field the response lacks may be present as undefined. */
export type GatheredResponse = { [K in keyof ResponseInfo]?: ResponseInfo[K] | undefined };

/** Drop undefined fields so results compare cleanly and serialise small. */
export function clean(info: GatheredResponse): ResponseInfo {
  const out: ResponseInfo = {};
  if (info.responseId !== undefined) out.responseId = info.responseId;
  if (info.responseModel !== undefined) out.responseModel = info.responseModel;
  if (info.finishReasons !== undefined && info.finishReasons.length > 0)
    out.finishReasons = info.finishReasons;
  if (info.usage !== undefined) out.usage = info.usage;
  if (info.serviceTier !== undefined) out.serviceTier = info.serviceTier;
  if (info.errorType !== undefined) out.errorType = info.errorType;
  if (info.invalidUsage !== undefined) out.invalidUsage = info.invalidUsage;
  if (info.reportedCostNanos !== undefined) out.reportedCostNanos = info.reportedCostNanos;
  return out;
}

/** Run a parser; on any throw return what `partial` holds. */
export function guarded<T>(fn: () => T, fallback: () => T): T {
  try {
    return fn();
  } catch {
    return fallback();
  }
}

export const DEFAULT_CAPTURE_CHARS = 1024 * 1024;

/** Bounded accumulator of output text for estimation. */
export class TextCapture {
  private readonly parts: string[] = [];
  private kept = 0;
  private total = 0;
  constructor(private readonly maxChars: number) {}
  add(text: string): void {
    if (text.length === 0) return;
    this.total += text.length;
    if (this.kept >= this.maxChars) return;
    const room = this.maxChars - this.kept;
    const piece = text.length > room ? text.slice(0, room) : text;
    this.parts.push(piece);
    this.kept += piece.length;
  }
  snapshot(): CapturedText {
    const text = this.parts.join('');
    if (this.parts.length > 1) {
      this.parts.length = 0;
      this.parts.push(text);
    }
    return { text, totalChars: this.total, truncated: this.total > this.kept };
  }
}

export function makeCapture(options: StreamParserOptions | undefined): TextCapture | undefined {
  const opt = options?.captureOutputText;
  if (!opt) return undefined;
  const max = typeof opt === 'object' && opt.maxChars !== undefined ? opt.maxChars : DEFAULT_CAPTURE_CHARS;
  return new TextCapture(Math.max(0, max));
}

/** Push a finish reason once per choice index (streams repeat nothing, but be safe). */
export function setFinish(reasons: string[], index: number, reason: string): void {
  if (index >= 0 && index < 1024) reasons[index] = reason;
  else reasons.push(reason);
}

/** Dense copy of a sparse finish-reasons array. */
export function denseReasons(reasons: string[]): string[] | undefined {
  const out: string[] = [];
  for (const r of reasons) if (typeof r === 'string') out.push(r);
  return out.length > 0 ? out : undefined;
}
