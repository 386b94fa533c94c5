// A Chat Completions stream chunk of OpenAI's own shape, read without JSON.parse. The events a
// stream parser parses (the first one, the finish and usage events) are ~300 bytes of which it keeps
// a few members; JSON.parse builds the whole object (every key internalised, every string made) and
// was the largest single item of tokenmeter's own time per stream (the real-path profile of streams).
// One anchored regular expression (native code) matches the exact member sequence OpenAI sends;
// what it matches is valid JSON with no repeated member, no escape and no whitespace, so the members
// read from its groups are what JSON.parse gives. Any other text (another server's member order,
// an escape, a second choice, a tool call) gives undefined: the caller then parses it with
// JSON.parse, as before.
import type { Obj } from './util.js';

/** A JSON string without escapes or control characters; its text is the group. */
const S = '"([^"\\\\\\x00-\\x1f]*)"';
/** The same, not kept. */
const SKIP_S = '"[^"\\\\\\x00-\\x1f]*"';
/** A JSON non-negative integer; its digits are the group. */
const INT = '(0|[1-9][0-9]*)';
const SKIP_INT = '(?:0|[1-9][0-9]*)';
const DELTA = `\\{(?:(?:"role":"(assistant)",)?"content":${S}(?:,"refusal":(null))?)?\\}`;
const CHOICE = `\\{"index":${INT},"delta":${DELTA},"logprobs":null,"finish_reason":(?:null|${S})\\}`;
const USAGE =
  `\\{"prompt_tokens":${INT},"completion_tokens":${INT},"total_tokens":${INT},` +
  `"prompt_tokens_details":\\{"cached_tokens":${INT},"audio_tokens":${INT}\\},` +
  `"completion_tokens_details":\\{"reasoning_tokens":${INT},"audio_tokens":${INT},` +
  `"accepted_prediction_tokens":${INT},"rejected_prediction_tokens":${INT}\\}\\}`;
const CHUNK = new RegExp(
  `^\\{"id":${S},"object":"chat\\.completion\\.chunk","created":${SKIP_INT},"model":${S},` +
    `(?:"service_tier":${S},)?"system_fingerprint":(?:null|${SKIP_S}),` +
    `"choices":\\[(?:${CHOICE})?\\](?:,"usage":(?:(null)|${USAGE}))?(?:,"obfuscation":${SKIP_S})?\\}$`,
);
// Groups: 1 id, 2 model, 3 service_tier, 4 index, 5 role, 6 content, 7 refusal (null), 8 finish_reason,
// 9 usage null, 10–18 usage.

/**
 * The members of the chunk `data` that the Chat Completions stream parser reads (id, model,
 * service_tier, choices with each choice's index, delta and finish_reason, usage), as JSON.parse
 * gives them; undefined when `data` is not of OpenAI's own shape (then JSON.parse it).
 */
export function readChatChunk(data: string): Obj | undefined {
  const m = CHUNK.exec(data);
  if (m === null) return undefined;
  const out: Obj = { id: m[1], model: m[2] };
  if (m[3] !== undefined) out.service_tier = m[3];
  const choices: Obj[] = [];
  if (m[4] !== undefined) {
    const delta: Obj = {};
    if (m[5] !== undefined) delta.role = m[5];
    if (m[6] !== undefined) delta.content = m[6];
    if (m[7] !== undefined) delta.refusal = null;
    choices.push({ index: Number(m[4]), delta, finish_reason: m[8] ?? null });
  }
  out.choices = choices;
  if (m[9] !== undefined) out.usage = null;
  else if (m[10] !== undefined) {
    out.usage = {
      prompt_tokens: Number(m[10]),
      completion_tokens: Number(m[11]),
      total_tokens: Number(m[12]),
      prompt_tokens_details: { cached_tokens: Number(m[13]), audio_tokens: Number(m[14]) },
      completion_tokens_details: {
        reasoning_tokens: Number(m[15]),
        audio_tokens: Number(m[16]),
        accepted_prediction_tokens: Number(m[17]),
        rejected_prediction_tokens: Number(m[18]),
      },
    };
  }
  return out;
}
