// OpenAI-format budget pieces (chat, responses, completions, embeddings; OpenAI-compatible servers).
import { type BudgetWireFormat, blockHeaders, withBodyModel } from './budget-types.js';

export const openaiBudget: BudgetWireFormat = {
  budgetExceeded(message) {
    return {
      status: 429,
      statusText: 'Too Many Requests',
      headers: blockHeaders(),
      body: JSON.stringify({
        error: { message, type: 'budget_exceeded', param: null, code: 'budget_exceeded' },
      }),
    };
  },
  withModel: (url, bodyText, model) =>
    // Azure OpenAI names a deployment in the path, not a model: not routed.
    url.pathname.includes('/openai/deployments/') ? undefined : withBodyModel(bodyText, model),
};
