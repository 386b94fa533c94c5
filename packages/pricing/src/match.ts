// Model-name rules in genai-prices' words (equals, starts_with, ends_with, contains, regex, or, and).
// Like genai-prices, the name is lower-cased and trimmed before matching, and string rules compare
// lower-cased; regexes run on the lower-cased name, with the engine the caller gives (JavaScript's
// for the bundled catalog, a linear-time one for users' rules: see user-regex.ts).

import type { MatchLogic } from './types.js';

/** 0 = no match, 1 = exact (an `equals` rule), 2 = pattern (any other rule). */
export type MatchKind = 0 | 1 | 2;

export type Matcher = (lowerName: string) => MatchKind;

/** Compiles a regex source into a test. */
export type RegexCompiler = (source: string) => (s: string) => boolean;

/** JavaScript's own engine (for the catalog's reviewed rules). */
export const jsRegex: RegexCompiler = (source) => {
  const re = new RegExp(source);
  return (s) => re.test(s);
};

/** How deep `or` and `and` may nest (genai-prices' rules nest 3 deep). */
export const MAX_RULE_DEPTH = 16;

/**
 * Compiles a rule. Throws (a SyntaxError from the regex engine, or an Error for an unknown rule) on
 * bad input; callers validate user rules before compiling them.
 */
export function compileMatch(rule: MatchLogic, regex: RegexCompiler = jsRegex): Matcher {
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
    const test = regex(rule.regex);
    return (s) => (test(s) ? 2 : 0);
  }
  if ('or' in rule) {
    const parts = rule.or.map((r) => compileMatch(r, regex));
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
    const parts = rule.and.map((r) => compileMatch(r, regex));
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
 * `regexProblem` adds the checks of the engine the rule will run on (see user-regex.ts).
 */
export function checkMatch(
  rule: unknown,
  path: string,
  regexProblem?: (source: string) => string | undefined,
  depth = 0,
): [string, string][] {
  if (depth > MAX_RULE_DEPTH) return [[path, `nests or/and more than ${MAX_RULE_DEPTH} deep`]];
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
    return value.flatMap((r, i) => checkMatch(r, `${path}.${key}[${i}]`, regexProblem, depth + 1));
  }
  if (typeof value !== 'string' || value === '') return [[`${path}.${key}`, 'must be a non-empty string']];
  if (key === 'regex') {
    try {
      new RegExp(value, 'i');
    } catch (e) {
      return [[`${path}.regex`, `does not compile: ${(e as Error).message}`]];
    }
    const problem = regexProblem?.(value);
    if (problem) return [[`${path}.regex`, problem]];
  }
  return [];
}
