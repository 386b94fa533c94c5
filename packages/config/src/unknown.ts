// Names that look like tokenmeter settings but are not in the table: typos ("did you mean").
import { KNOWN_ENV_VARS } from './table.js';
import type { Env } from './types.js';

/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** How far a name may be from a known one to be called its typo. */
const MAX_TYPO_DISTANCE = 2;

export interface UnknownEnvVar {
  name: string;
  /** The known variable it is most likely a typo of, if any. */
  didYouMean: string | undefined;
}

/**
 * Variables of `env` tokenmeter does not read: every unknown `TOKENMETER_*` name, and the `OTEL_*`
 * names within two edits of one it reads (other OTel variables belong to other SDKs and are left
 * alone). Each with the nearest known name of the same prefix, when one is that close.
 */
export function unknownEnvVars(env: Env): UnknownEnvVar[] {
  const known = KNOWN_ENV_VARS as readonly string[];
  const out: UnknownEnvVar[] = [];
  for (const name of Object.keys(env)) {
    if (known.includes(name)) continue;
    const prefix = name.startsWith('TOKENMETER_') ? 'TOKENMETER_' : name.startsWith('OTEL_') ? 'OTEL_' : '';
    if (!prefix) continue;
    let best: { name: string; d: number } | undefined;
    for (const k of known) {
      if (!k.startsWith(prefix)) continue;
      const d = levenshtein(k, name);
      if (d <= MAX_TYPO_DISTANCE && (!best || d < best.d)) best = { name: k, d };
    }
    if (prefix === 'TOKENMETER_' || best) out.push({ name, didYouMean: best?.name });
  }
  return out;
}
