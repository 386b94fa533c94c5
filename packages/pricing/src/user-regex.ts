// Regexes written by users (the pricing file, overrides passed in code) run on RE2JS, a linear-time
// engine: a model name an end user picks (through a gateway, say) cannot make a pattern such as
// `^(a+)+$` backtrack for seconds and block the app. RE2 syntax is JavaScript's without lookaround
// and back-references; a pattern that needs them is refused when the file is loaded. The bundled
// catalog's own rules keep JavaScript's engine (they use lookahead, and are reviewed data).
import { requireForCaller } from '@tokenmeter/config';
import type { RE2JS as RE2JSClass } from 're2js';

/** Longest regex source accepted in a user rule (RE2's work per name grows with the pattern). */
export const MAX_USER_REGEX_LENGTH = 1000;

/** RE2JS, loaded when the first user regex is compiled (most processes have none). */
let re2: typeof RE2JSClass | undefined;

function compile(source: string): RE2JSClass {
  re2 ??= (requireForCaller()('re2js') as { RE2JS: typeof RE2JSClass }).RE2JS;
  const RE2JS = re2;
  return RE2JS.compile(RE2JS.translateRegExp(source), RE2JS.CASE_INSENSITIVE);
}

/** Why `source` cannot be a user rule's regex, or undefined when it can (it also compiles in JavaScript). */
export function userRegexProblem(source: string): string | undefined {
  if (source.length > MAX_USER_REGEX_LENGTH)
    return `is ${source.length} characters long; a regex rule takes at most ${MAX_USER_REGEX_LENGTH}`;
  try {
    compile(source);
    return undefined;
  } catch (e) {
    return (
      `${JSON.stringify(source)} cannot run on tokenmeter's linear-time matcher (${(e as Error).message}): ` +
      'lookahead, lookbehind and back-references are not supported; list the more specific model first ' +
      '(the first matching override wins) or combine rules with and/or'
    );
  }
}

/** A case-insensitive, linear-time test for a validated user regex. */
export function compileUserRegex(source: string): (s: string) => boolean {
  const re = compile(source);
  return (s) => re.test(s);
}
