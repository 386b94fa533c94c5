import { ANTHROPIC_MODULE } from './patches/anthropic.js';
import { BEDROCK_MODULE } from './patches/bedrock-module.js';
import { GOOGLE_GENAI_MODULE } from './patches/google-genai.js';
import { OPENAI_MODULE } from './patches/openai.js';

/**
 * The modules TokenmeterInstrumentation patches: the include list for the ESM loader hook
 * (`module.register('import-in-the-middle/hook.mjs', ..., { data: { include: PATCHED_MODULES } })`).
 */
export const PATCHED_MODULES: readonly string[] = Object.freeze([
  OPENAI_MODULE,
  ANTHROPIC_MODULE,
  GOOGLE_GENAI_MODULE,
  BEDROCK_MODULE,
]);
