// The arithmetic: split usage into the parts a price table prices, and price each part exactly in
// integers. Matching lives elsewhere (pricer.ts); this file knows nothing of providers or models.

import type { CompiledTable } from './catalog/compile.js';
import { PricingInputError } from './errors/PricingInputError.js';
import type { IntPrice, Rational } from './internal-types.js';
import { mulDivHalfUpBig } from './money.js';
import type { TokenUsage } from './types.js';

/** Largest token count accepted in any usage field. */
export const MAX_TOKENS = 1e12;

function bad(value: unknown): string {
  return `must be a non-negative integer ≤ 1e12 (got ${typeof value === 'number' ? String(value) : typeof value})`;
}

/** A usage count as checked: `v` itself, 0 when absent and optional, or the problem with `key`. */
function count(v: unknown, key: string, required: boolean): number | PricingInputError {
  if (v === undefined || v === null) {
    return required ? new PricingInputError(`usage.${key}`, 'is required') : 0;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_TOKENS) {
    return new PricingInputError(`usage.${key}`, bad(v));
  }
  return v;
}

/**
 * The first problem of a usage object, or null when it can be priced: every count a non-negative
 * integer up to 1e12 (NaN, fractions, infinities and negatives are problems), cache tokens within
 * the input tokens, reasoning tokens within the output tokens (audio likewise). The rule
 * `calculateCost` applies, for callers that check usage before pricing it.
 */
export function validateUsage(usage: TokenUsage): PricingInputError | null {
  // Each field read by name (one keyed read of nine names per call was a megamorphic look-up each).
  const input = count(usage.inputTokens, 'inputTokens', true);
  if (typeof input !== 'number') return input;
  const output = count(usage.outputTokens, 'outputTokens', true);
  if (typeof output !== 'number') return output;
  const cacheRead = count(usage.cacheReadTokens, 'cacheReadTokens', false);
  if (typeof cacheRead !== 'number') return cacheRead;
  const cacheWrite = count(usage.cacheWriteTokens, 'cacheWriteTokens', false);
  if (typeof cacheWrite !== 'number') return cacheWrite;
  const cacheWrite1h = count(usage.cacheWrite1hTokens, 'cacheWrite1hTokens', false);
  if (typeof cacheWrite1h !== 'number') return cacheWrite1h;
  const reasoning = count(usage.reasoningTokens, 'reasoningTokens', false);
  if (typeof reasoning !== 'number') return reasoning;
  const inputAudio = count(usage.inputAudioTokens, 'inputAudioTokens', false);
  if (typeof inputAudio !== 'number') return inputAudio;
  const outputAudio = count(usage.outputAudioTokens, 'outputAudioTokens', false);
  if (typeof outputAudio !== 'number') return outputAudio;
  const cacheAudioRead = count(usage.cacheAudioReadTokens, 'cacheAudioReadTokens', false);
  if (typeof cacheAudioRead !== 'number') return cacheAudioRead;
  if (cacheRead + cacheWrite > input) {
    return new PricingInputError(
      'usage.cacheReadTokens',
      `+ cacheWriteTokens (${cacheRead} + ${cacheWrite}) exceeds inputTokens (${input}); inputTokens must include cached tokens`,
    );
  }
  if (cacheWrite1h > cacheWrite) {
    return new PricingInputError(
      'usage.cacheWrite1hTokens',
      `(${cacheWrite1h}) exceeds cacheWriteTokens (${cacheWrite})`,
    );
  }
  if (inputAudio > input) {
    return new PricingInputError('usage.inputAudioTokens', `(${inputAudio}) exceeds inputTokens (${input})`);
  }
  if (cacheAudioRead > cacheRead || cacheAudioRead > inputAudio) {
    return new PricingInputError(
      'usage.cacheAudioReadTokens',
      `(${cacheAudioRead}) exceeds cacheReadTokens (${cacheRead}) or inputAudioTokens (${inputAudio})`,
    );
  }
  if (reasoning > output) {
    return new PricingInputError(
      'usage.reasoningTokens',
      `(${reasoning}) exceeds outputTokens (${output}); outputTokens must include reasoning tokens`,
    );
  }
  if (outputAudio > output) {
    return new PricingInputError(
      'usage.outputAudioTokens',
      `(${outputAudio}) exceeds outputTokens (${output})`,
    );
  }
  return null;
}

/** The rate of a price for a request with `totalInput` input tokens (a tier applies above its start). */
export function rateFor(price: IntPrice, totalInput: number): number {
  if (typeof price === 'number') return price;
  let rate = price.base;
  for (const t of price.tiers) if (totalInput > t.start) rate = t.price;
  return rate;
}

/** The five parts of a cost, in integer nano-USD. */
export interface CostParts {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  request: number;
}

const SAFE = Number.MAX_SAFE_INTEGER;

/** Exact Σ count × rate, as a Number when it fits in 2^53, else as a BigInt. */
function sum2(
  n1: number,
  p1: IntPrice | undefined,
  n2: number,
  p2: IntPrice | undefined,
  total: number,
): number | bigint {
  const r1 = n1 > 0 && p1 !== undefined ? rateFor(p1, total) : 0;
  const r2 = n2 > 0 && p2 !== undefined ? rateFor(p2, total) : 0;
  const v = n1 * r1 + n2 * r2;
  if (v <= SAFE) return v;
  return BigInt(n1) * BigInt(r1) + BigInt(n2) * BigInt(r2);
}

/** round_half_up(pico × num / (den × 1000)): pico-USD × multiplier → nano-USD. */
function toNanos(pico: number | bigint, m: Rational): number {
  const div = m.den * 1000;
  if (typeof pico === 'number') {
    const p = pico * m.num;
    if (p <= SAFE && div <= SAFE) {
      const r = p % div;
      const q = (p - r) / div;
      return r * 2 >= div ? q + 1 : q;
    }
    return mulDivHalfUpBig(BigInt(pico), m.num, div);
  }
  return mulDivHalfUpBig(pico, m.num, div);
}

/**
 * Prices valid usage (see validateUsage) with a table and a multiplier, or returns a problem when the
 * parts exceed their total. Usage is split into disjoint parts, the way genai-prices does for the
 * units a table prices: a more specific unit (cache read, audio, 1-hour cache write) takes its tokens
 * out of the general one, and a unit the table does not price leaves its tokens in its parent (cache
 * reads of a model without a cache price are billed as input). Each part is computed exactly
 * (integer pico-USD × multiplier) and rounded once, half-up, to integer nano-USD.
 */
export function priceUsage(t: CompiledTable, u: TokenUsage, m: Rational): CostParts | PricingInputError {
  const totalInput = u.inputTokens;
  const cacheAudioRead = t.cacheAudioRead !== undefined ? (u.cacheAudioReadTokens ?? 0) : 0;
  const cacheWrite1h = t.cacheWrite1h !== undefined ? (u.cacheWrite1hTokens ?? 0) : 0;
  const cacheWrite = t.cacheWrite !== undefined ? (u.cacheWriteTokens ?? 0) - cacheWrite1h : 0;
  const cacheRead = t.cacheRead !== undefined ? (u.cacheReadTokens ?? 0) - cacheAudioRead : 0;
  const inputAudio = t.inputAudio !== undefined ? (u.inputAudioTokens ?? 0) - cacheAudioRead : 0;
  const input = totalInput - cacheRead - cacheWrite - cacheWrite1h - inputAudio - cacheAudioRead;
  const outputReasoning = t.outputReasoning !== undefined ? (u.reasoningTokens ?? 0) : 0;
  const outputAudio = t.outputAudio !== undefined ? (u.outputAudioTokens ?? 0) : 0;
  const output = u.outputTokens - outputReasoning - outputAudio;
  if (input < 0) {
    return new PricingInputError(
      'usage.inputTokens',
      `(${totalInput}) is less than its priced parts (cache read, cache write, audio) for this model`,
    );
  }
  if (output < 0) {
    return new PricingInputError(
      'usage.outputTokens',
      `(${u.outputTokens}) is less than reasoning + audio output tokens`,
    );
  }
  let outPico = sum2(output, t.output, outputReasoning, t.outputReasoning, totalInput);
  if (outputAudio > 0 && t.outputAudio !== undefined) {
    const a = sum2(outputAudio, t.outputAudio, 0, undefined, totalInput);
    outPico =
      typeof outPico === 'number' && typeof a === 'number' && outPico + a <= SAFE
        ? outPico + a
        : BigInt(outPico) + BigInt(a);
  }
  return {
    input: toNanos(sum2(input, t.input, inputAudio, t.inputAudio, totalInput), m),
    cacheRead: toNanos(sum2(cacheRead, t.cacheRead, cacheAudioRead, t.cacheAudioRead, totalInput), m),
    cacheWrite: toNanos(sum2(cacheWrite, t.cacheWrite, cacheWrite1h, t.cacheWrite1h, totalInput), m),
    output: toNanos(outPico, m),
    // requests: nano-USD per request; × 1000 to pico-USD for the same rounding path.
    request: t.requests !== undefined ? toNanos(rateFor(t.requests, totalInput) * 1000, m) : 0,
  };
}
