// The deterministic usage model of the mock (documented in README.md, "Usage formula").
//
// A prompt is a list of items: the tool list, the system prompt, each message (or each embedding
// input). An item costs ITEM_OVERHEAD_TOKENS + ceil(characters of its text / 4) + MEDIA_TOKENS per
// non-text part (image, audio, file). The reply is REPLY words, one token each, cut to the request's
// output limit; reasoning models add REASONING_TOKENS.

/** Characters per token of text. */
export const CHARS_PER_TOKEN = 4;
/** Tokens added per prompt item (message, system prompt, tool list). */
export const ITEM_OVERHEAD_TOKENS = 4;
/** Tokens for each non-text part (image, audio, document, file). */
export const MEDIA_TOKENS = 85;
/** Default reply length in tokens (words). */
export const DEFAULT_REPLY_TOKENS = 20;
/** Reasoning (thinking) tokens a reasoning model spends, before the output cap. */
export const REASONING_TOKENS = 32;
/** Minimum cacheable prefix for implicit caching (OpenAI, Gemini). */
export const IMPLICIT_CACHE_MIN_TOKENS = 1024;
/** Tokens of a Gemini explicit cache (`cachedContent`) added to the prompt. */
export const GEMINI_CACHED_CONTENT_TOKENS = 2048;

export function textTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Cache breakpoint of a prompt item: Anthropic `cache_control` or a Bedrock `cachePoint`. */
export type CacheTtl = '5m' | '1h';

/** One item of a prompt. */
export interface PromptItem {
  text: string;
  media: number;
  /** Set when the item carries a cache breakpoint (Anthropic cache_control, Bedrock cachePoint). */
  breakpoint?: CacheTtl;
}

export function itemTokens(item: PromptItem): number {
  return ITEM_OVERHEAD_TOKENS + textTokens(item.text) + item.media * MEDIA_TOKENS;
}

export function promptTokens(items: readonly PromptItem[]): number {
  let n = 0;
  for (const item of items) n += itemTokens(item);
  return n;
}

const MEDIA_TYPES = new Set([
  'image',
  'image_url',
  'input_image',
  'input_audio',
  'audio',
  'document',
  'file',
  'input_file',
  'video',
]);
const MEDIA_KEYS = ['inlineData', 'fileData', 'image', 'document', 'video', 'audio'] as const;

interface Collected {
  text: string[];
  media: number;
  breakpoint?: CacheTtl;
}

function noteCache(obj: Record<string, unknown>, acc: Collected): void {
  const cc = obj.cache_control;
  if (cc && typeof cc === 'object') {
    acc.breakpoint = (cc as { ttl?: unknown }).ttl === '1h' ? '1h' : '5m';
  }
  if (obj.cachePoint && typeof obj.cachePoint === 'object') acc.breakpoint = '5m';
}

/** Walks message content in any provider's shape, collecting its text and counting media parts. */
function collect(content: unknown, acc: Collected): void {
  if (typeof content === 'string') {
    acc.text.push(content);
    return;
  }
  if (Array.isArray(content)) {
    for (const part of content) collect(part, acc);
    return;
  }
  if (!content || typeof content !== 'object') return;
  const obj = content as Record<string, unknown>;
  noteCache(obj, acc);
  if (typeof obj.text === 'string') {
    acc.text.push(obj.text);
    return;
  }
  if (typeof obj.thinking === 'string') {
    acc.text.push(obj.thinking);
    return;
  }
  if (typeof obj.type === 'string' && MEDIA_TYPES.has(obj.type)) {
    acc.media++;
    return;
  }
  for (const key of MEDIA_KEYS) {
    if (obj[key] && typeof obj[key] === 'object') {
      acc.media++;
      return;
    }
  }
  if (obj.functionCall && typeof obj.functionCall === 'object') {
    const fc = obj.functionCall as { name?: unknown; args?: unknown };
    acc.text.push(String(fc.name ?? ''), JSON.stringify(fc.args ?? {}));
    return;
  }
  if (obj.functionResponse && typeof obj.functionResponse === 'object') {
    acc.text.push(JSON.stringify(obj.functionResponse));
    return;
  }
  if (obj.toolUse && typeof obj.toolUse === 'object') {
    const tu = obj.toolUse as { name?: unknown; input?: unknown };
    acc.text.push(String(tu.name ?? ''), JSON.stringify(tu.input ?? {}));
    return;
  }
  if (obj.toolResult && typeof obj.toolResult === 'object') {
    collect((obj.toolResult as { content?: unknown }).content, acc);
    return;
  }
  if (obj.type === 'tool_use' || obj.type === 'function_call') {
    acc.text.push(String(obj.name ?? ''), typeof obj.arguments === 'string' ? obj.arguments : '');
    if (obj.input !== undefined) acc.text.push(JSON.stringify(obj.input));
    return;
  }
  if ('content' in obj) collect(obj.content, acc);
  if ('output' in obj && typeof obj.output === 'string') acc.text.push(obj.output);
}

/** One prompt item from message content of any provider's shape. */
export function itemOf(content: unknown, extraText: string[] = []): PromptItem {
  const acc: Collected = { text: [], media: 0 };
  collect(content, acc);
  acc.text.push(...extraText);
  const item: PromptItem = { text: acc.text.join(''), media: acc.media };
  if (acc.breakpoint) item.breakpoint = acc.breakpoint;
  return item;
}

/** The tool list as one prompt item (its JSON text), or nothing when there are no tools. */
export function toolsItem(tools: unknown): PromptItem | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const item: PromptItem = { text: JSON.stringify(tools), media: 0 };
  for (const tool of tools) {
    if (tool && typeof tool === 'object') {
      const t = tool as Record<string, unknown>;
      if (t.cache_control && typeof t.cache_control === 'object') {
        item.breakpoint = (t.cache_control as { ttl?: unknown }).ttl === '1h' ? '1h' : '5m';
      }
      if (t.cachePoint) item.breakpoint = '5m';
    }
  }
  return item;
}

/** Tokens of the items up to and including the last one with a breakpoint, with that breakpoint's TTL. */
export function explicitPrefix(
  items: readonly PromptItem[],
): { tokens: number; ttl: CacheTtl; key: string } | undefined {
  let last = -1;
  for (let i = 0; i < items.length; i++) if (items[i]!.breakpoint) last = i;
  if (last < 0) return undefined;
  const prefix = items.slice(0, last + 1);
  return {
    tokens: promptTokens(prefix),
    ttl: items[last]!.breakpoint!,
    key: prefix.map((i) => `${i.text.length}:${i.text}|${i.media}`).join('\u0000'),
  };
}

/** Every item but the last: the prefix that implicit caching (OpenAI, Gemini) can reuse. */
export function implicitPrefix(items: readonly PromptItem[]): { tokens: number; key: string } {
  const prefix = items.slice(0, Math.max(0, items.length - 1));
  return {
    tokens: promptTokens(prefix),
    key: prefix.map((i) => `${i.text.length}:${i.text}|${i.media}`).join('\u0000'),
  };
}

/** One step of Marsaglia's 32-bit xorshift (the mock's deterministic pseudo-random numbers). */
function xorshift32(x: number): number {
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/** 32-bit FNV-1a. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const WORDS = [
  'mock',
  'token',
  'meter',
  'cost',
  'usage',
  'stream',
  'model',
  'reply',
  'simple',
  'steady',
  'clear',
  'quick',
  'river',
  'stone',
  'cloud',
  'light',
  'green',
  'amber',
  'north',
  'south',
  'paper',
  'glass',
  'field',
  'bridge',
  'garden',
  'signal',
  'window',
  'harbor',
  'orbit',
  'pixel',
  'vector',
  'cipher',
  'ledger',
  'budget',
  'price',
  'count',
  'value',
  'trace',
  'span',
  'metric',
  'answer',
  'number',
  'little',
  'bright',
  'calm',
  'brisk',
  'gentle',
  'silver',
  'copper',
  'maple',
  'cedar',
  'lemon',
  'olive',
  'coral',
  'delta',
  'echo',
  'lambda',
  'sigma',
  'omega',
  'kappa',
  'alpha',
  'gamma',
  'theta',
  'zeta',
];

/**
 * The deterministic reply: `count` words (one token each) picked by a PRNG seeded from `seed`.
 * Word i is computable on its own, so a huge stream needs no buffer. `delta(i)` is word i with a
 * leading space (none for the first word, which is capitalised).
 */
export class Reply {
  private readonly seed: number;
  constructor(
    seedText: string,
    /** Words in the reply; Infinity for a stream bounded by bytes instead. */
    readonly count: number,
  ) {
    this.seed = fnv1a(seedText) || 1;
  }

  word(i: number): string {
    const x = xorshift32((this.seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    const w = WORDS[x % WORDS.length]!;
    return i === 0 ? w[0]!.toUpperCase() + w.slice(1) : w;
  }

  /** Word i as a streamed delta (with its leading space, and the final period on the last word). */
  delta(i: number): string {
    const w = this.word(i);
    const last = i === this.count - 1 ? '.' : '';
    return (i === 0 ? w : ` ${w}`) + last;
  }

  /** The whole reply text (only for finite replies). */
  text(): string {
    let s = '';
    for (let i = 0; i < this.count; i++) s += this.delta(i);
    return s;
  }
}

/** Words of a thinking/reasoning text, for providers that return it (Anthropic thinking, Gemini thoughts). */
export function thinkingText(seedText: string, count: number): string {
  const r = new Reply(`thinking:${seedText}`, count);
  return r.text();
}

/** `length` base62 characters, the same for the same text (padding like OpenAI's `obfuscation`). */
export function base62Of(text: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let x = fnv1a(text) || 1;
  let s = '';
  for (let i = 0; i < length; i++) {
    x = xorshift32(x);
    s += alphabet[x % alphabet.length];
  }
  return s;
}

/** Deterministic embedding of `dims` floats with unit length. */
export function embedding(text: string, dims: number): number[] {
  const out = new Array<number>(dims);
  let x = fnv1a(text) || 1;
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    x = xorshift32(x);
    const v = (x / 0xffffffff) * 2 - 1;
    out[i] = v;
    norm += v * v;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dims; i++) out[i] = Math.fround(out[i]! / norm);
  return out;
}

/** Base64 of the little-endian float32 bytes (OpenAI `encoding_format: "base64"`). */
export function embeddingBase64(values: number[]): string {
  const buf = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i]!, i * 4);
  return buf.toString('base64');
}
