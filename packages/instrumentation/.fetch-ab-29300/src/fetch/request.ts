// Reading a fetch call's arguments without consuming anything: the URL, the method, and the body
// when it is already in memory (a string or bytes). A Request object's body is a stream and is left
// alone (the call is still recognised by its URL; the response fills in the model).

import { parseShallow } from '../adapters/json-scan.js';

export type FetchInput = unknown;

interface RequestLike {
  url: string;
  method: string;
}

function isRequestLike(value: unknown): value is RequestLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RequestLike).url === 'string' &&
    typeof (value as RequestLike).method === 'string'
  );
}

/** The method of a fetch call, uppercase; GET when none is given. */
export function methodOf(input: FetchInput, init: unknown): string {
  const m = (init as { method?: unknown } | null | undefined)?.method;
  if (typeof m === 'string') return m.length === 4 ? m.toUpperCase() : m;
  if (isRequestLike(input)) return input.method;
  return 'GET';
}

/**
 * URLs parsed from strings, by string: an SDK posts to the same few endpoint URLs over and over,
 * and parsing one costs more than the lookup. tokenmeter only reads them (a rewrite makes a new one).
 */
const parsedUrls = new Map<string, URL>();
const MAX_PARSED_URLS = 256;

function parseUrl(href: string): URL {
  let url = parsedUrls.get(href);
  if (url === undefined) {
    url = new URL(href);
    if (parsedUrls.size >= MAX_PARSED_URLS) parsedUrls.clear();
    parsedUrls.set(href, url);
  }
  return url;
}

/** The URL of a fetch call, or undefined when it cannot be parsed. */
export function urlOf(input: FetchInput): URL | undefined {
  try {
    if (typeof input === 'string') return parseUrl(input);
    if (input instanceof URL) return input;
    if (isRequestLike(input)) return parseUrl(input.url);
    if (typeof input === 'object' && input !== null) return new URL(String(input));
  } catch {
    // not a URL fetch would accept either: fetch will reject it itself
  }
  return undefined;
}

const decoder = new TextDecoder();

/** The request body as text, when it is in memory as a string or bytes; undefined otherwise. */
export function bodyTextOf(input: FetchInput, init: unknown): string | undefined {
  const body = (init as { body?: unknown } | null | undefined)?.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return decoder.decode(body);
  if (body instanceof ArrayBuffer) return decoder.decode(new Uint8Array(body));
  void input;
  return undefined;
}

/**
 * The top level of a JSON request body, without its long prompt arrays and strings (see
 * parseShallow); undefined when it is not a JSON object. `wholeBody` parses all of it when needed.
 */
export function parseBody(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  const c = text.charCodeAt(0);
  // Only objects are LLM request bodies: skip the parse for anything else.
  if (c !== 123 && !(c <= 32 && text.trimStart().startsWith('{'))) return undefined;
  return parseShallow(text);
}

/** A header of the fetch call's init (any case), or undefined. Never throws. */
export function initHeader(init: unknown, name: string): string | undefined {
  const headers = (init as { headers?: unknown } | null | undefined)?.headers;
  if (headers === undefined || headers === null) return undefined;
  try {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    if (Array.isArray(headers)) {
      const h = headers.find((h) => String(h?.[0]).toLowerCase() === name);
      return h === undefined ? undefined : String(h[1]);
    }
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return String(v);
  } catch {
    // headers we cannot read: as if absent
  }
  return undefined;
}

/**
 * The body can be swapped for another (usage asked for, a budget's model): a string body in init, no
 * explicit content-length.
 */
export function canReplaceBody(input: unknown, init: unknown): boolean {
  if (typeof init !== 'object' || init === null) return false;
  if (typeof input === 'object' && input !== null && !(input instanceof URL)) return false;
  if (typeof (init as { body?: unknown }).body !== 'string') return false;
  const headers = (init as { headers?: unknown }).headers;
  if (headers === undefined || headers === null) return true;
  try {
    if (headers instanceof Headers) return !headers.has('content-length');
    if (Array.isArray(headers))
      return !headers.some((h) => String(h?.[0]).toLowerCase() === 'content-length');
    return !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length');
  } catch {
    return false;
  }
}
