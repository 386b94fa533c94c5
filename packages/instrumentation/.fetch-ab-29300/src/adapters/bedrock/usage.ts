// Bedrock usage: Converse `usage` (also Amazon Nova InvokeModel bodies), the InvokeModel token-count
// response headers, and the `amazon-bedrock-invocationMetrics` of InvokeModelWithResponseStream.
//
// Converse `inputTokens` EXCLUDES prompt-cache reads and writes, which come as
// `cacheReadInputTokens` / `cacheWriteInputTokens` (AWS prompt-caching guide: total input =
// inputTokens + cacheReadInputTokens + cacheWriteInputTokens; `totalTokens` counts all of them).
// So inputTokens(semconv) = inputTokens + cacheRead + cacheWrite. One guard: when `totalTokens`
// equals inputTokens + outputTokens while cache counts are non-zero, the cache was already folded
// into inputTokens (seen on some ConverseStream models) and is not added twice.
import type { TokenUsage } from '@tokenmeter/pricing';
import type { HeaderSource } from '../types.js';
import { header, headerTokens, makeUsage, obj, tokens } from '../util.js';

/** Normalise Bedrock Converse (or Nova invoke) usage. */
export function bedrockUsage(value: unknown): TokenUsage | undefined {
  const u = obj(value);
  if (!u) return undefined;
  const input = tokens(u.inputTokens);
  const output = tokens(u.outputTokens);
  if (input === undefined && output === undefined) return undefined;
  const cacheRead = tokens(u.cacheReadInputTokens) ?? tokens(u.cacheReadInputTokenCount);
  const cacheWrite = tokens(u.cacheWriteInputTokens) ?? tokens(u.cacheWriteInputTokenCount);
  const cache = (cacheRead ?? 0) + (cacheWrite ?? 0);
  const total = tokens(u.totalTokens);
  let fullInput = (input ?? 0) + cache;
  if (cache > 0 && total !== undefined && total === (input ?? 0) + (output ?? 0) && (input ?? 0) >= cache) {
    fullInput = input ?? 0; // cache already inside inputTokens
  }
  return makeUsage({ input: fullInput, output: output ?? 0, cacheRead, cacheWrite });
}

export function headerUsage(headers: HeaderSource | undefined): TokenUsage | undefined {
  const input = header(headers, 'x-amzn-bedrock-input-token-count');
  const output = header(headers, 'x-amzn-bedrock-output-token-count');
  if (input === undefined && output === undefined) return undefined;
  const cacheRead = headerTokens(header(headers, 'x-amzn-bedrock-cache-read-input-token-count'));
  const cacheWrite = headerTokens(header(headers, 'x-amzn-bedrock-cache-write-input-token-count'));
  return makeUsage({
    input: (headerTokens(input) ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0),
    output: headerTokens(output) ?? 0,
    cacheRead,
    cacheWrite,
  });
}

export function metricsUsage(value: unknown): TokenUsage | undefined {
  const m = obj(value);
  if (!m) return undefined;
  const input = tokens(m.inputTokenCount);
  const output = tokens(m.outputTokenCount);
  if (input === undefined && output === undefined) return undefined;
  const cacheRead = tokens(m.cacheReadInputTokenCount);
  const cacheWrite = tokens(m.cacheWriteInputTokenCount);
  return makeUsage({
    input: (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0),
    output: output ?? 0,
    cacheRead,
    cacheWrite,
  });
}
