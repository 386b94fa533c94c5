// Input tokens of a request, estimated from its body text before it is sent (a budget's worst case).
// The whole body is counted with the heuristic of ./heuristic.ts, keys and punctuation included, so
// text prompts come out a little above what the provider will bill. Long base64 runs (inline images,
// audio, documents) are not text: each counts as MEDIA_INPUT_TOKENS, a bound for one image at the
// providers' usual sizes, rather than a quarter of its characters.
import { heuristicTokenCount } from './heuristic.js';

/** Tokens assumed per inline media part (a 1568×1568 image is about 3,300 tokens at Anthropic's rate). */
export const MEDIA_INPUT_TOKENS = 3300;
/** A run this long of base64 characters is taken for inline media. */
const MEDIA_RUN = /[A-Za-z0-9+/=_-]{2048,}/g;

export function estimateRequestTokens(text: string): number {
  if (text.length < 2048) return heuristicTokenCount(text);
  let media = 0;
  const rest = text.replace(MEDIA_RUN, () => {
    media++;
    return '';
  });
  return heuristicTokenCount(rest) + media * MEDIA_INPUT_TOKENS;
}
