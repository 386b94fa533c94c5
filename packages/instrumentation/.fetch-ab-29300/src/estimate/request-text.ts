// The text of a request, per wire format, for local token counting (the format's `requestText`,
// over the readers of adapters/request-text.ts), with the request's tool definitions, which are
// input tokens in every format.
import { wireFormat } from '../adapters/formats.js';
import type { RequestText } from '../adapters/request-text.js';
import type { WireApi } from '../adapters/types.js';
import { obj } from '../adapters/util.js';

export type { RequestText } from '../adapters/request-text.js';

/** Extract the countable text of a request body in the given wire format (OpenAI chat when none). */
export function requestText(api: WireApi | undefined, body: unknown): RequestText {
  const out: RequestText = { messages: [], texts: [], tokenIds: 0 };
  const b = obj(body);
  if (!b) return out;
  if (b.tools !== undefined) out.texts.push(JSON.stringify(b.tools));
  wireFormat(api).requestText(b, out);
  return out;
}
