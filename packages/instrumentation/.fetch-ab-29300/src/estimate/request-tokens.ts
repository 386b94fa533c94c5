// Input tokens of a request, bounded from above from its body text before it is sent (a budget's
// worst case). The bound is the body's UTF-8 length in bytes: every tokenizer in use (byte-level BPE
// of the GPT, Claude and Llama 3 kind, SentencePiece with byte fallback of the Gemini and Llama 2
// kind) gives each token at least one byte, and the body holds the prompt plus its JSON keys, which
// are more than the few tokens of message framing a provider adds. It is a bound, not an estimate:
// about 4 times the billed count for English prose, and it costs one native call, not a pass over
// the text in JavaScript. Long base64 runs (inline images, audio, documents) are not text: each
// counts as MEDIA_INPUT_TOKENS, a bound for one image at the providers' usual sizes, rather than
// its bytes.

/** Tokens assumed per inline media part (a 1568×1568 image is about 3,300 tokens at Anthropic's rate). */
export const MEDIA_INPUT_TOKENS = 3300;
/** A run this long of base64 characters is taken for inline media. */
const MEDIA_RUN = /[A-Za-z0-9+/=_-]{2048,}/g;

export function estimateRequestTokens(text: string): number {
  if (text.length < 2048) return Buffer.byteLength(text, 'utf8');
  let media = 0;
  const rest = text.replace(MEDIA_RUN, () => {
    media++;
    return '';
  });
  return Buffer.byteLength(rest, 'utf8') + media * MEDIA_INPUT_TOKENS;
}
