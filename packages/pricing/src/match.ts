// Model-name rules in genai-prices' words (equals, starts_with, ends_with, contains, regex, or, and).
// Like genai-prices, the name is lower-cased and trimmed before matching, and string rules compare
// lower-cased; regexes run on the lower-cased name.

import type { MatchLogic } from './types.js';

/** 0 = no match, 1 = exact (an `equals` rule), 2 = pattern (any other rule). */
export type MatchKind = 0 | 1 | 2;

export type Matcher = (lowerName: string) => MatchKind;

/**
 * Compiles a rule. Throws (a SyntaxError from RegExp, or an Error for an unknown rule) on bad input;
 * callers validate user rules before compiling them.
 */
export function compileMatch(rule: MatchLogic, regexFlags = ''): Matcher {
  if ('equals' in rule) {
    const v = rule.equals.toLowerCase();
    return (s) => (s === v ? 1 : 0);
  }
  if ('starts_with' in rule) {
    const v = rule.starts_with.toLowerCase();
    return (s) => (s.startsWith(v) ? 2 : 0);
  }
  if ('ends_with' in rule) {
    const v = rule.ends_with.toLowerCase();
    return (s) => (s.endsWith(v) ? 2 : 0);
  }
  if ('contains' in rule) {
    const v = rule.contains.toLowerCase();
    return (s) => (s.includes(v) ? 2 : 0);
  }
  if ('regex' in rule) {
    const re = new RegExp(rule.regex, regexFlags);
    return (s) => (re.test(s) ? 2 : 0);
  }
  if ('or' in rule) {
    const parts = rule.or.map((r) => compileMatch(r, regexFlags));
    return (s) => {
      let best: MatchKind = 0;
      for (const p of parts) {
        const k = p(s);
        if (k === 1) return 1;
        if (k === 2) best = 2;
      }
      return best;
    };
  }
  if ('and' in rule) {
    const parts = rule.and.map((r) => compileMatch(r, regexFlags));
    return (s) => {
      let kind: MatchKind = 1;
      for (const p of parts) {
        const k = p(s);
        if (k === 0) return 0;
        if (k === 2) kind = 2;
      }
      return parts.length ? kind : 0;
    };
  }
  throw new Error(`unknown match rule ${JSON.stringify(rule)}`);
}

const RULE_KEYS = ['equals', 'starts_with', 'ends_with', 'contains', 'regex', 'or', 'and'];

/**
 * Validates an untrusted match rule; returns problems as [path, reason] pairs (empty when valid).
 */
export function checkMatch(rule: unknown, path: string): [string, string][] {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
    return [[path, `must be a mapping with one of ${RULE_KEYS.join(', ')}`]];
  }
  const keys = Object.keys(rule);
  if (keys.length !== 1 || !RULE_KEYS.includes(keys[0]!)) {
    return [[path, `must have exactly one of ${RULE_KEYS.join(', ')} (got ${keys.join(', ') || 'nothing'})`]];
  }
  const key = keys[0]!;
  const value = (rule as Record<string, unknown>)[key];
  if (key === 'or' || key === 'and') {
    if (!Array.isArray(value) || value.length === 0)
      return [[`${path}.${key}`, 'must be a non-empty list of rules']];
    return value.flatMap((r, i) => checkMatch(r, `${path}.${key}[${i}]`));
  }
  if (typeof value !== 'string' || value === '') return [[`${path}.${key}`, 'must be a non-empty string']];
  if (key === 'regex') {
    try {
      new RegExp(value, 'i');
    } catch (e) {
      return [[`${path}.regex`, `does not compile: ${(e as Error).message}`]];
    }
  }
  return [];
}
