// A tokenizer-free token estimate, for models whose tokenizer is not bundled (Claude, Gemini, Llama,
// Mistral, ...). Calibrated on BPE tokenizers of the o200k/cl100k kind, which the others resemble:
// - ASCII text: 4 characters per token (OpenAI's rule of thumb for English);
// - CJK ideographs, kana and hangul: 1 token per character (about 3 UTF-8 bytes per token);
// - other BMP scripts (accented Latin, Cyrillic, Greek, Arabic, Hebrew, Indic): 2 characters per token;
// - characters outside the BMP (emoji, rare CJK): 1 token each.
// Expect ±20% on prose; code and JSON come out a little low. It is an estimate and is recorded as one.

function isCjk(c: number): boolean {
  return (
    (c >= 0x3040 && c <= 0x30ff) || // hiragana, katakana
    (c >= 0x3400 && c <= 0x4dbf) || // CJK extension A
    (c >= 0x4e00 && c <= 0x9fff) || // CJK unified ideographs
    (c >= 0xac00 && c <= 0xd7af) || // hangul syllables
    (c >= 0xf900 && c <= 0xfaff) || // CJK compatibility ideographs
    (c >= 0xff00 && c <= 0xffef) || // half/full-width forms
    (c >= 0x3000 && c <= 0x303f) // CJK punctuation
  );
}

/** Estimated token count of a text, without a tokenizer. */
export function heuristicTokenCount(text: string): number {
  let ascii = 0;
  let cjk = 0;
  let other = 0;
  let astral = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) ascii++;
    else if (c >= 0xd800 && c <= 0xdbff) {
      astral++;
      i++; // skip the low surrogate
    } else if (isCjk(c)) cjk++;
    else other++;
  }
  const tokens = ascii / 4 + cjk + other / 2 + astral;
  return tokens === 0 ? 0 : Math.max(1, Math.ceil(tokens));
}
