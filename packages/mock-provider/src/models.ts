// Model names the way the real services answer them.

/** OpenAI aliases → the dated snapshot the API reports in `model`. */
const OPENAI_SNAPSHOTS: Record<string, string> = {
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'chatgpt-4o-latest': 'chatgpt-4o-latest',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
  'gpt-4-turbo': 'gpt-4-turbo-2024-04-09',
  'gpt-4': 'gpt-4-0613',
  'gpt-3.5-turbo': 'gpt-3.5-turbo-0125',
  o1: 'o1-2024-12-17',
  'o1-mini': 'o1-mini-2024-09-12',
  'o3-mini': 'o3-mini-2025-01-31',
  o3: 'o3-2025-04-16',
  'o4-mini': 'o4-mini-2025-04-16',
  'gpt-5': 'gpt-5-2025-08-07',
  'gpt-5-mini': 'gpt-5-mini-2025-08-07',
  'gpt-5-nano': 'gpt-5-nano-2025-08-07',
  'gpt-5.1': 'gpt-5.1-2025-11-13',
};

export function openaiResponseModel(model: string): string {
  return OPENAI_SNAPSHOTS[model] ?? model;
}

export function isKnownOpenAIModel(model: string): boolean {
  return model in OPENAI_SNAPSHOTS;
}

/** OpenAI reasoning models report reasoning_tokens > 0. */
export function isOpenAIReasoningModel(model: string): boolean {
  return /^(o1|o3|o4|gpt-5)/.test(model) || /deepseek-reasoner/.test(model);
}

const ANTHROPIC_ALIASES: Record<string, string> = {
  'claude-3-5-sonnet-latest': 'claude-3-5-sonnet-20241022',
  'claude-3-5-haiku-latest': 'claude-3-5-haiku-20241022',
  'claude-3-7-sonnet-latest': 'claude-3-7-sonnet-20250219',
  'claude-3-opus-latest': 'claude-3-opus-20240229',
  'claude-sonnet-4-0': 'claude-sonnet-4-20250514',
  'claude-opus-4-0': 'claude-opus-4-20250514',
  'claude-opus-4-1': 'claude-opus-4-1-20250805',
  'claude-sonnet-4-5': 'claude-sonnet-4-5-20250929',
  'claude-haiku-4-5': 'claude-haiku-4-5-20251001',
  'claude-opus-4-5': 'claude-opus-4-5-20251101',
};

export function anthropicResponseModel(model: string): string {
  return ANTHROPIC_ALIASES[model] ?? model;
}

/** Gemini models that think by default (2.5 and later, except flash-lite). */
export function geminiThinksByDefault(model: string): boolean {
  if (/flash-lite/.test(model)) return false;
  return /gemini-(2\.5|[3-9])/.test(model);
}

/** The model name inside a Bedrock model id: ARNs and inference profiles (`us.anthropic...`) stripped. */
export function bedrockBaseModel(modelId: string): string {
  let id = modelId;
  const slash = id.lastIndexOf('/');
  if (id.startsWith('arn:') && slash >= 0) id = id.slice(slash + 1);
  return id.replace(/^(us|eu|apac|global|us-gov|jp|au|ca)\./, '');
}

/** Bedrock model family of a model id. */
export function bedrockFamily(
  modelId: string,
): 'anthropic' | 'nova' | 'titan-text' | 'titan-embed' | 'llama' | 'mistral' | 'other' {
  const m = bedrockBaseModel(modelId);
  if (m.startsWith('anthropic.')) return 'anthropic';
  if (m.startsWith('amazon.nova')) return 'nova';
  if (m.startsWith('amazon.titan-embed')) return 'titan-embed';
  if (m.startsWith('amazon.titan')) return 'titan-text';
  if (m.startsWith('meta.llama')) return 'llama';
  if (m.startsWith('mistral.')) return 'mistral';
  return 'other';
}

/** The Anthropic model name Bedrock reports for `anthropic.claude-3-5-sonnet-20241022-v2:0`. */
export function bedrockAnthropicModel(modelId: string): string {
  return bedrockBaseModel(modelId)
    .replace(/^anthropic\./, '')
    .replace(/-v\d+(:\d+)?$/, '');
}
