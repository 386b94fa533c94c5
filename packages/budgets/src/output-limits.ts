// The most output tokens a model can produce in one response, for requests that set no max_tokens.
// The pricing catalog has no output limits, so the families are listed here, from the providers'
// model pages (checked 2026-11): OpenAI platform.openai.com/docs/models, Anthropic
// docs.anthropic.com/en/docs/about-claude/models, Google ai.google.dev/gemini-api/docs/models.
// A model not listed is assumed to stop at DEFAULT_OUTPUT_TOKENS: set max_tokens for an exact
// worst case.

/** Output tokens assumed for a model this table does not know. */
export const DEFAULT_OUTPUT_TOKENS = 16_384;

/** Longest prefix first (the table is searched in order). */
const LIMITS: readonly (readonly [prefix: string, tokens: number])[] = [
  ['gpt-5', 128_000],
  ['gpt-4.1', 32_768],
  ['gpt-4o-mini', 16_384],
  ['gpt-4o', 16_384],
  ['gpt-4-turbo', 4_096],
  ['gpt-4', 8_192],
  ['gpt-3.5-turbo', 4_096],
  ['o1-mini', 65_536],
  ['o1', 100_000],
  ['o3', 100_000],
  ['o4-mini', 100_000],
  ['claude-opus-4', 32_000],
  ['claude-sonnet-4', 64_000],
  ['claude-haiku-4', 64_000],
  ['claude-3-7-sonnet', 64_000],
  ['claude-3-5-sonnet', 8_192],
  ['claude-3-5-haiku', 8_192],
  ['claude-3', 4_096],
  ['gemini-2.5', 65_536],
  ['gemini-2.0', 8_192],
  ['gemini-1.5', 8_192],
  ['text-embedding', 0],
  ['gemini-embedding', 0],
];

/** A model id without vendor prefixes: `us.anthropic.claude-3-5-sonnet-...-v2:0` → `claude-3-5-sonnet-...`. */
function bareModel(model: string): string {
  let m = model.toLowerCase();
  const slash = m.lastIndexOf('/');
  if (slash >= 0) m = m.slice(slash + 1);
  const dot = m.indexOf('anthropic.');
  if (dot >= 0) m = m.slice(dot + 'anthropic.'.length);
  return m;
}

/** The output limit of `model` (tokens), or DEFAULT_OUTPUT_TOKENS when unknown. */
export function modelOutputLimit(model: string | undefined): number {
  if (model === undefined) return DEFAULT_OUTPUT_TOKENS;
  const m = bareModel(model);
  for (const [prefix, tokens] of LIMITS) if (m.startsWith(prefix)) return tokens;
  return DEFAULT_OUTPUT_TOKENS;
}
