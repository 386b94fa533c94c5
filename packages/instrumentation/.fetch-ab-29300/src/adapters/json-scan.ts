// Reading the top level of a JSON object without parsing what tokenmeter does not need. A request
// body is mostly its prompt (messages, contents, input: long strings in arrays), and JSON.parse
// costs about 0.5 µs per KB, on every call; the fields the adapters read (model, stream, max
// tokens, sampling, service tier, stream_options, generation config) are a few short members.
// String contents are skipped with the native indexOf, so skipping a 100 KB prompt costs about as
// much as parsing a few hundred bytes.

/** Large arrays and strings are left out of a shallow parse, as these placeholders. */
export const OMITTED_ARRAY: readonly unknown[] = Object.freeze([]);
export const OMITTED_STRING = '';

/** Results of parseShallow that left something out. */
const PARTIAL = new WeakSet<object>();

/** Bodies up to this size are parsed whole (JSON.parse is fastest there). */
const SMALL_TEXT = 2048;
/** Array and string members longer than this (raw JSON) are omitted. */
const LARGE_VALUE = 256;

export function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    i++;
  }
  return i;
}

/** `s[i]` is an opening quote: the index after the closing quote, or -1. */
export function skipString(s: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = s.indexOf('"', from);
    if (q === -1) return -1;
    let b = q - 1;
    while (b > i && s.charCodeAt(b) === 92) b--;
    // An even number of backslashes before the quote: it closes the string.
    if ((q - 1 - b) % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** The index after the JSON value starting at `s[i]`, or -1 when it does not end. */
export function skipValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 34) return skipString(s, i);
  if (c === 123 || c === 91) {
    let depth = 0;
    while (i < s.length) {
      const ch = s.charCodeAt(i);
      if (ch === 34) {
        i = skipString(s, i);
        if (i < 0) return -1;
        continue;
      }
      if (ch === 123 || ch === 91) depth++;
      else if (ch === 125 || ch === 93) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  // number, true, false, null
  while (i < s.length) {
    const ch = s.charCodeAt(i);
    if (ch === 44 || ch === 125 || ch === 93 || ch === 32 || ch === 10 || ch === 13 || ch === 9) break;
    i++;
  }
  return i;
}

/**
 * The members of a JSON object text, parsed, except arrays and strings longer than a few hundred
 * bytes, which are OMITTED_ARRAY / OMITTED_STRING (so `Array.isArray` and `typeof` still answer).
 * Objects are parsed whole. Small texts are parsed whole. Undefined when the text is not a JSON
 * object (a large value is not validated: what is skipped is not checked).
 */
export function parseShallow(text: string): Record<string, unknown> | undefined {
  if (text.length <= SMALL_TEXT) return parseObject(text);
  try {
    const out: Record<string, unknown> = {};
    let i = skipWs(text, 0);
    if (text.charCodeAt(i) !== 123) return undefined;
    i = skipWs(text, i + 1);
    if (text.charCodeAt(i) === 125) return skipWs(text, i + 1) === text.length ? out : undefined;
    for (;;) {
      if (text.charCodeAt(i) !== 34) return undefined;
      const keyEnd = skipString(text, i);
      if (keyEnd < 0) return undefined;
      const key = JSON.parse(text.slice(i, keyEnd)) as string;
      i = skipWs(text, keyEnd);
      if (text.charCodeAt(i) !== 58) return undefined;
      const start = skipWs(text, i + 1);
      const end = skipValue(text, start);
      if (end < 0 || end === start) return undefined;
      const c = text.charCodeAt(start);
      let value: unknown;
      if (end - start > LARGE_VALUE && (c === 91 || c === 34)) {
        value = c === 91 ? OMITTED_ARRAY : OMITTED_STRING;
        PARTIAL.add(out);
      } else value = JSON.parse(text.slice(start, end));
      // An own property whatever the key (`__proto__` too); a repeated key: the last one wins.
      Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      i = skipWs(text, end);
      const sep = text.charCodeAt(i);
      if (sep === 125) return skipWs(text, i + 1) === text.length ? out : undefined;
      if (sep !== 44) return undefined;
      i = skipWs(text, i + 1);
    }
  } catch {
    return undefined;
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a shallow parse left something out (then the whole text must be parsed to use it all). */
export function isPartial(body: unknown): boolean {
  return typeof body === 'object' && body !== null && PARTIAL.has(body);
}

/** The whole parsed body: `body` itself unless a shallow parse of `text` left something out. */
export function wholeBody(body: unknown, text: string | undefined): unknown {
  if (!isPartial(body) || text === undefined) return body;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
