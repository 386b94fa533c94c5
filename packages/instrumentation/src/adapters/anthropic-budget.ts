// Anthropic Messages budget pieces: the API's own rate-limit error shape.
import { type BudgetWireFormat, blockHeaders, withBodyModel } from './budget-types.js';

export const anthropicBudget: BudgetWireFormat = {
  budgetExceeded(message) {
    return {
      status: 429,
      statusText: 'Too Many Requests',
      headers: blockHeaders(),
      body: JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message } }),
    };
  },
  withModel: (_url, bodyText, model) => withBodyModel(bodyText, model),
};
