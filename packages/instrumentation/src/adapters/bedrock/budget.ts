// The budget members of the Bedrock formats, for calls made through fetch: the ThrottlingException an
// AWS service answers (x-amzn-errortype), and the model id in the URL path (`/model/{modelId}/converse`).
// A request signed with SigV4 cannot be rerouted (the path is signed); the AWS SDK's own calls are
// handled in patches/bedrock.ts, before its retry step.
import { blockedResponse, type LocalResponse, type ModelRewrite, withPathModel } from '../budget-types.js';

const MODEL_IN_PATH = /^(\/model\/)([^/]+)(\/[a-z-]+)$/;

export const BEDROCK_THROTTLING = 'ThrottlingException';

/** The ThrottlingException an AWS service answers (the AWS SDK raises its own error for it). */
export function bedrockBudgetExceeded(message: string): LocalResponse {
  return blockedResponse(
    { message },
    { 'x-amzn-errortype': `${BEDROCK_THROTTLING}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
  );
}

/** The model id is in the URL path. */
export function bedrockWithModel(
  url: URL,
  _bodyText: string | undefined,
  model: string,
): ModelRewrite | undefined {
  return withPathModel(url, MODEL_IN_PATH, model);
}
