// Bedrock runtime budget pieces for calls made through fetch: the ThrottlingException an AWS service
// answers (x-amzn-errortype), and the model id in the URL path (`/model/{modelId}/converse`). A
// request signed with SigV4 cannot be rerouted (the path is signed); the AWS SDK's own calls are
// handled in patches/bedrock.ts, before its retry step.
import { type BudgetWireFormat, blockHeaders } from './budget-types.js';

const MODEL_IN_PATH = /^(\/model\/)([^/]+)(\/[a-z-]+)$/;

export const BEDROCK_THROTTLING = 'ThrottlingException';

export const bedrockBudget: BudgetWireFormat = {
  budgetExceeded(message) {
    return {
      status: 429,
      statusText: 'Too Many Requests',
      headers: blockHeaders({
        'x-amzn-errortype': `${BEDROCK_THROTTLING}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      }),
      body: JSON.stringify({ message }),
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
