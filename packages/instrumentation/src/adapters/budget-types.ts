// What a wire format knows about budgets: the provider's own "rate limited" answer, made locally for
// a call a budget blocked, and how to send a request to another model. Members of each format's
// WireFormat object (formats.ts), asked through `budgetFormat(api)`; the helpers they share.

/** A response answered locally, in the provider's shape. */
export interface LocalResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
}

/** The parts of a request a model rewrite may change. */
export interface ModelRewrite {
  url?: string;
  bodyText?: string;
}

export interface BudgetWireFormat {
  /**
   * The provider's 429 for a call a budget blocked, with `x-should-retry: false` (the openai and
   * Anthropic SDKs then raise their rate-limit error at once, without retrying).
   */
  budgetExceeded(message: string): LocalResponse;
  /**
   * The request sent to `model` instead: the body's `model` (OpenAI, Anthropic) or the model in the
   * URL path (Gemini, Bedrock). Undefined when this request's model cannot be replaced.
   */
  withModel(url: URL, bodyText: string | undefined, model: string): ModelRewrite | undefined;
}

/** The 429 of a blocked call, answered locally: the provider's error `body` (JSON) and the block headers. */
export function blockedResponse(body: unknown, extraHeaders: Record<string, string> = {}): LocalResponse {
  return {
    status: 429,
    statusText: 'Too Many Requests',
    headers: { 'content-type': 'application/json', 'x-should-retry': 'false', ...extraHeaders },
    body: JSON.stringify(body),
  };
}

/**
 * The body with its top-level `model` replaced, or undefined when the body is not a JSON object
 * with a string `model`. The rest of the body is re-serialised by JSON.stringify: same values,
 * possibly different whitespace (the provider parses it either way).
 */
export function withBodyModel(bodyText: string | undefined, model: string): ModelRewrite | undefined {
  if (bodyText === undefined) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  if (typeof (body as { model?: unknown }).model !== 'string') return undefined;
  return { bodyText: JSON.stringify({ ...(body as object), model }) };
}

/**
 * The URL with the model its path names replaced: `pattern` matches the path in three groups
 * (before, the model, after). Undefined when the path does not name a model that way.
 */
export function withPathModel(url: URL, pattern: RegExp, model: string): ModelRewrite | undefined {
  if (!pattern.test(url.pathname)) return undefined;
  const next = new URL(url.href);
  next.pathname = url.pathname.replace(
    pattern,
    (_m, pre: string, _old: string, verb: string) => `${pre}${encodeURIComponent(model)}${verb}`,
  );
  return { url: next.href };
}
