// Local token counting, for calls whose usage never arrives: TOKENMETER_OPENAI_STREAM_USAGE=estimate,
// providers and servers that report none, streams cut before their usage. The result is recorded
// with `estimated` set, never passed off as provider-reported.
//
// - OpenAI-family models (gpt-*, o1/o3/o4*, chatgpt-*, text-embedding-*, davinci/babbage-002):
//   the real BPE from `gpt-tokenizer` (o200k_base for gpt-4o, gpt-4.1, gpt-4.5, gpt-5, the
//   o-series and gpt-oss; cl100k_base for gpt-4, gpt-3.5 and the embedding models), loaded lazily
//   on the first estimate so it costs no start-up time or memory otherwise. Chat requests add the
//   per-message overhead OpenAI documents (cookbook "How to count tokens with tiktoken"): 3 tokens
//   per message, 1 more when a message has a name, 3 to prime the reply.
// - Everything else: the heuristic of ./heuristic.ts, with the same 3-token message overhead.
// Known limits: hidden reasoning tokens (o-series, thinking models) cannot be seen in the output
// text, so output is under-estimated for reasoning models; images, audio and files are not counted.
import type { TokenUsage } from '@tokenmeter/pricing';
import { wireFormat } from '../adapters/formats.js';
import type { CapturedText, WireApi } from '../adapters/types.js';
import { reportInternalError } from '../internal-error.js';
import { heuristicTokenCount } from './heuristic.js';
import { countingByPieces } from './piece-counts.js';
import { type RequestText, requestText } from './request-text.js';

export { heuristicTokenCount } from './heuristic.js';
export { type RequestText, requestText } from './request-text.js';

export type OpenAIEncoding = 'o200k_base' | 'cl100k_base';

export interface EstimateInput {
  /** gen_ai.provider.name of the call. */
  provider: string;
  /** The model (response model when known, else request model). */
  model?: string | undefined;
  /** Wire format of the request body; defaults to the OpenAI chat shape. */
  api?: WireApi | undefined;
  /** The parsed JSON request body. */
  requestBody?: unknown;
  /** The output text: a string, or what a stream parser captured (may be truncated). */
  outputText?: string | CapturedText | undefined;
}

export interface EstimatedUsage {
  usage: TokenUsage;
  /** `tokenizer` when a real BPE counted the text, `heuristic` otherwise. */
  method: 'tokenizer' | 'heuristic';
  encoding?: OpenAIEncoding;
}

const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;

/** Models' encodings, looked up once each (null: not OpenAI's); emptied past MAX_MODELS names. */
const encodings = new Map<string, OpenAIEncoding | null>();
const MAX_MODELS = 256;

/** The tiktoken encoding of an OpenAI model, or undefined when the model is not OpenAI's. */
export function openaiEncodingForModel(model: string | undefined): OpenAIEncoding | undefined {
  if (!model) return undefined;
  let encoding = encodings.get(model);
  if (encoding === undefined) {
    encoding = encodingFromName(model) ?? null;
    if (encodings.size >= MAX_MODELS) encodings.clear();
    encodings.set(model, encoding);
  }
  return encoding ?? undefined;
}

function encodingFromName(model: string): OpenAIEncoding | undefined {
  let m = model.toLowerCase();
  const slash = m.lastIndexOf('/'); // openai/gpt-4o (OpenRouter), azure deployments keep the name
  if (slash >= 0) m = m.slice(slash + 1);
  if (m.startsWith('ft:')) m = m.slice(3);
  if (
    /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|chatgpt-|o1|o3|o4|codex|computer-use|gpt-realtime|gpt-audio)/.test(
      m,
    )
  ) {
    return 'o200k_base';
  }
  if (/^(gpt-4|gpt-3\.5|gpt-35|text-embedding-|davinci-002|babbage-002)/.test(m)) return 'cl100k_base';
  return undefined;
}

/** tokenmeter.internal.errors' component for a failure while counting tokens locally. */
export const ESTIMATE_COMPONENT = 'estimate';

type CountFn = (text: string) => number;

const loaded = new Map<OpenAIEncoding, Promise<CountFn | undefined>>();
/** Encodings whose load settled: the counter, or null when gpt-tokenizer could not give one. */
const settled = new Map<OpenAIEncoding, CountFn | null>();

/** Load (once) the encoding's token counter from gpt-tokenizer; undefined if it cannot load. Never rejects. */
export function loadTokenCounter(encoding: OpenAIEncoding): Promise<CountFn | undefined> {
  let p = loaded.get(encoding);
  if (!p) {
    // A computed specifier: resolved at run time through the package's exports map (ESM or CJS).
    const specifier = `gpt-tokenizer/encoding/${encoding}`;
    p = import(specifier).then(
      (mod: TokenizerModule) => {
        let counter: CountFn | undefined;
        try {
          counter = tokenCounter(mod);
        } catch (error) {
          // as a tokenizer that did not load: the heuristic counts
          reportInternalError(
            ESTIMATE_COMPONENT,
            `${specifier} gave no token counter; estimates use the heuristic`,
            error,
          );
          counter = undefined;
        }
        settled.set(encoding, counter ?? null);
        return counter;
      },
      (error: unknown) => {
        reportInternalError(
          ESTIMATE_COMPONENT,
          `${specifier} could not be loaded; estimates use the heuristic`,
          error,
        );
        settled.set(encoding, null);
        return undefined;
      },
    );
    loaded.set(encoding, p);
  }
  return p;
}

/** What an encoding module of gpt-tokenizer gives (ESM or CJS). */
interface TokenizerModule {
  countTokens?: (t: string, o?: unknown) => number;
  default?: { countTokens?: unknown; bytePairEncodingCoreProcessor?: { tokenSplitRegex?: unknown } };
}

function tokenCounter(mod: TokenizerModule): CountFn | undefined {
  const count = mod.countTokens ?? (mod.default?.countTokens as typeof mod.countTokens);
  if (typeof count !== 'function') return undefined;
  const options = { disallowedSpecial: new Set<string>() };
  const whole = (text: string) => {
    try {
      return count(text, options);
    } catch (error) {
      reportInternalError(
        ESTIMATE_COMPONENT,
        'gpt-tokenizer failed counting a text; the heuristic counted it',
        error,
      );
      return heuristicTokenCount(text);
    }
  };
  // The split regex is gpt-tokenizer's own (not a documented export): checked at load.
  return countingByPieces(whole, mod.default?.bytePairEncodingCoreProcessor?.tokenSplitRegex);
}

function countRequest(text: RequestText, count: CountFn, chat: boolean): number {
  let total = text.tokenIds;
  for (const t of text.texts) total += count(t);
  for (const m of text.messages) {
    total += TOKENS_PER_MESSAGE + count(m.role);
    if (m.name !== undefined) total += TOKENS_PER_NAME + count(m.name);
    for (const t of m.texts) total += count(t);
  }
  if (chat && text.messages.length > 0) total += REPLY_PRIMING;
  return total;
}

function countOutput(output: string | CapturedText | undefined, count: CountFn): number {
  if (output === undefined) return 0;
  if (typeof output === 'string') return count(output);
  const sample = count(output.text);
  if (!output.truncated || output.text.length === 0) return sample;
  // Past the kept prefix only characters were counted: scale the sample's token density.
  return Math.round((sample * output.totalChars) / output.text.length);
}

function estimateWith(input: EstimateInput, count: CountFn): TokenUsage {
  const text = requestText(input.api, input.requestBody);
  const kind = wireFormat(input.api).estimate;
  return {
    inputTokens: countRequest(text, count, kind === 'chat'),
    outputTokens: kind === 'embeddings' ? 0 : countOutput(input.outputText, count),
  };
}

/** Estimate with the heuristic only (synchronous, no tokenizer). */
export function estimateUsageHeuristic(input: EstimateInput): EstimatedUsage {
  return { usage: estimateWith(input, heuristicTokenCount), method: 'heuristic' };
}

/** Whether estimateUsageNow counts a call of `model` now: its tokenizer's load settled, or none is needed. */
export function canEstimateNow(model: string | undefined): boolean {
  try {
    const encoding = openaiEncodingForModel(model);
    return encoding === undefined || settled.has(encoding);
  } catch (error) {
    reportInternalError(ESTIMATE_COMPONENT, 'choosing a tokenizer failed; the heuristic counts', error);
    return true;
  }
}

/**
 * The estimate now, without waiting: undefined only while the model's tokenizer has yet to load
 * (estimateUsage loads it). Never throws.
 */
export function estimateUsageNow(input: EstimateInput): EstimatedUsage | undefined {
  try {
    const encoding = openaiEncodingForModel(input.model);
    if (encoding) {
      const count = settled.get(encoding);
      if (count === undefined) return undefined;
      if (count !== null) return { usage: estimateWith(input, count), method: 'tokenizer', encoding };
    }
  } catch (error) {
    reportInternalError(
      ESTIMATE_COMPONENT,
      'counting with the tokenizer failed; the heuristic counts',
      error,
    );
  }
  try {
    return estimateUsageHeuristic(input);
  } catch (error) {
    reportInternalError(
      ESTIMATE_COMPONENT,
      'the heuristic estimate failed; the call is recorded with 0 tokens, estimated',
      error,
    );
    return { usage: { inputTokens: 0, outputTokens: 0 }, method: 'heuristic' };
  }
}

/**
 * Estimate a call's usage locally. OpenAI-family models are counted with their real tokenizer
 * (loaded on first use); others with the heuristic. Never rejects.
 */
export async function estimateUsage(input: EstimateInput): Promise<EstimatedUsage> {
  const now = estimateUsageNow(input);
  if (now !== undefined) return now;
  // Only an OpenAI model's tokenizer still to load gets here; once settled, the estimate is made.
  await loadTokenCounter(openaiEncodingForModel(input.model)!);
  return estimateUsageNow(input) ?? { usage: { inputTokens: 0, outputTokens: 0 }, method: 'heuristic' };
}
