// Gemini (and Vertex AI) budget pieces: google.rpc.Status with RESOURCE_EXHAUSTED; the model is in the
// URL path (`.../models/{model}:generateContent`).
import { type BudgetWireFormat, blockHeaders } from './budget-types.js';

const MODEL_IN_PATH = /(\/models\/)([^/:]+)(:[A-Za-z]+)$/;

export const geminiBudget: BudgetWireFormat = {
  budgetExceeded(message) {
    return {
      status: 429,
      statusText: 'Too Many Requests',
      headers: blockHeaders(),
      body: JSON.stringify({ error: { code: 429, message, status: 'RESOURCE_EXHAUSTED' } }),
    };
  },
  withModel(url, _bodyText, model) {
    if (!MODEL_IN_PATH.test(url.pathname)) return undefined;
    const next = new URL(url.href);
    next.pathname = url.pathname.replace(
      MODEL_IN_PATH,
      (_m, pre, _old, verb) => `${pre}${encodeURIComponent(model)}${verb}`,
    );
    return { url: next.href };
  },
};
