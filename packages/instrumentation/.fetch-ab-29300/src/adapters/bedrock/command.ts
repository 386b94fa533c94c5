// Bedrock calls made through the AWS SDK (no fetch): a RequestInfo from the command's class name and
// its input, read by the same wire formats as calls through fetch.
import {
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
} from '@tokenmeter/semconv';
import type { RequestInfo } from '../types.js';
import { obj, parseJson, str } from '../util.js';
import { bedrockModelFromId } from './model-id.js';
import { readBedrockRequestBody } from './request.js';

/** The AWS SDK commands of @aws-sdk/client-bedrock-runtime that are inference calls. */
export type BedrockCommandName =
  | 'ConverseCommand'
  | 'ConverseStreamCommand'
  | 'InvokeModelCommand'
  | 'InvokeModelWithResponseStreamCommand';

/**
 * RequestInfo for a Bedrock call made through the AWS SDK (no fetch): the command's class name and
 * its input. Returns null for other commands (CountTokens, ApplyGuardrail, async invoke, ...).
 * `input.body` of InvokeModel may be a string or bytes (it is JSON-parsed here).
 */
export function recognizeBedrockCommand(
  commandName: string,
  input: unknown,
  endpoint?: { host?: string; port?: number },
): RequestInfo | null {
  try {
    const i = obj(input);
    const modelId = str(i?.modelId);
    if (!i || !modelId) return null;
    let api: RequestInfo['api'];
    let stream: boolean;
    switch (commandName) {
      case 'ConverseCommand':
        api = 'bedrock.converse';
        stream = false;
        break;
      case 'ConverseStreamCommand':
        api = 'bedrock.converse';
        stream = true;
        break;
      case 'InvokeModelCommand':
        api = 'bedrock.invoke';
        stream = false;
        break;
      case 'InvokeModelWithResponseStreamCommand':
        api = 'bedrock.invoke';
        stream = true;
        break;
      default:
        return null;
    }
    const info: RequestInfo = {
      provider: GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
      operation: GEN_AI_OPERATION_NAME_VALUE_CHAT,
      requestModel: bedrockModelFromId(modelId),
      stream,
      serverAddress: endpoint?.host ?? 'bedrock-runtime.amazonaws.com',
      serverPort: endpoint?.port ?? 443,
      api,
    };
    if (api === 'bedrock.converse') {
      readBedrockRequestBody(info, i);
    } else {
      let body: unknown = i.body;
      if (body instanceof Uint8Array)
        body = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
      if (typeof body === 'string') body = parseJson(body);
      readBedrockRequestBody(info, body);
    }
    return info;
  } catch {
    return null;
  }
}
