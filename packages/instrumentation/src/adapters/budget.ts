// The budget pieces of each wire format, by WireApi.
import { anthropicBudget } from './anthropic-budget.js';
import { bedrockBudget } from './bedrock-budget.js';
import type { BudgetWireFormat } from './budget-types.js';
import { geminiBudget } from './gemini-budget.js';
import { openaiBudget } from './openai-budget.js';
import type { WireApi } from './types.js';

const FORMATS: Record<WireApi, BudgetWireFormat> = {
  'openai.chat': openaiBudget,
  'openai.responses': openaiBudget,
  'openai.completions': openaiBudget,
  'openai.embeddings': openaiBudget,
  'anthropic.messages': anthropicBudget,
  'gemini.generate': geminiBudget,
  'gemini.embed': geminiBudget,
  'bedrock.converse': bedrockBudget,
  'bedrock.invoke': bedrockBudget,
};

export function budgetFormat(api: WireApi): BudgetWireFormat {
  return FORMATS[api] ?? openaiBudget;
}
