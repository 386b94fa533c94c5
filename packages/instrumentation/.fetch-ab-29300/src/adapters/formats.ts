// The wire formats, by WireApi: the one table the rest of tokenmeter looks a format up in (request
// parameters, responses, streams, content capture, estimation). Adding a format: one file exporting
// its WireFormat, one row here, and the paths that lead to it in recognize.ts.
import { anthropicMessages } from './anthropic.js';
import { bedrockConverse } from './bedrock/converse.js';
import { bedrockInvoke } from './bedrock/invoke.js';
import { geminiEmbed, geminiGenerate } from './gemini.js';
import { ollamaChat, ollamaEmbed, ollamaGenerate } from './ollama.js';
import { openaiChat, openaiCompletions } from './openai.js';
import { openaiEmbeddings } from './openai-embeddings.js';
import { openaiResponses } from './openai-responses.js';
import type { WireApi, WireFormat } from './types.js';

export const WIRE_FORMATS: Readonly<Record<WireApi, WireFormat>> = Object.freeze({
  'openai.chat': openaiChat,
  'openai.completions': openaiCompletions,
  'openai.embeddings': openaiEmbeddings,
  'openai.responses': openaiResponses,
  'anthropic.messages': anthropicMessages,
  'gemini.generate': geminiGenerate,
  'gemini.embed': geminiEmbed,
  'bedrock.converse': bedrockConverse,
  'bedrock.invoke': bedrockInvoke,
  'ollama.chat': ollamaChat,
  'ollama.generate': ollamaGenerate,
  'ollama.embed': ollamaEmbed,
});

/** The format of `api`; OpenAI Chat Completions for an unknown one (the most common shape). */
export function wireFormat(api: WireApi | undefined): WireFormat {
  return (api !== undefined && WIRE_FORMATS[api]) || openaiChat;
}
