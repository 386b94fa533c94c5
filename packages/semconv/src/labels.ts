// Rules for label values that more than one writer applies (the preload's recorder, and
// `tokenmeter serve`'s /metrics computed from the store), so both give the same series.

/**
 * The `model` label of the llm_* metrics: the model the request named (gen_ai.request.model), else
 * the response model, lower-cased; undefined when neither is known (the label is then left off,
 * never written as "unknown").
 */
export function modelLabel(
  requestModel: string | null | undefined,
  responseModel: string | null | undefined,
): string | undefined {
  const model = requestModel || responseModel;
  return model ? model.toLowerCase() : undefined;
}
