// Bedrock model ids: what to record for a `modelId` (a foundation model, an inference profile, an
// ARN), and the model family an InvokeModel body is read by.

const REGION_PREFIX = /^(?:us|eu|apac|global|us-gov|jp|au|ca)\./;

/**
 * The model id to record for a Bedrock `modelId` (URL-decoded): a foundation-model or
 * inference-profile ARN gives its last path segment (`us.anthropic.claude-3-7-sonnet-20250219-v1:0`);
 * other ARNs (provisioned, application profiles, imported models) are kept whole.
 */
export function bedrockModelFromId(modelId: string): string {
  if (!modelId.startsWith('arn:')) return modelId;
  const slash = modelId.indexOf('/');
  const resource = slash === -1 ? '' : modelId.slice(modelId.lastIndexOf(':', slash) + 1, slash);
  if (resource === 'foundation-model' || resource === 'inference-profile') return modelId.slice(slash + 1);
  return modelId;
}

/** The model family (`anthropic`, `meta`, `amazon`, `cohere`, `mistral`, ...) of a Bedrock model id. */
export function bedrockFamily(model: string): string {
  const id = bedrockModelFromId(model).replace(REGION_PREFIX, '');
  const dot = id.indexOf('.');
  return dot === -1 ? id : id.slice(0, dot);
}

export function isEmbeddingModel(model: string): boolean {
  return /embed/i.test(model);
}
