// Request recognition: URL → provider / operation / wire format / model, or null.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC as ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI as AZURE,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK as BEDROCK,
  GEN_AI_OPERATION_NAME_VALUE_CHAT as CHAT,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI_COMPATIBLE as COMPATIBLE,
  GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK as DEEPSEEK,
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS as EMBEDDINGS,
  GEN_AI_PROVIDER_NAME_VALUE_FIREWORKS_AI as FIREWORKS,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI as GEMINI,
  GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT as GENERATE,
  GEN_AI_PROVIDER_NAME_VALUE_GROQ as GROQ,
  GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI as MISTRAL,
  GEN_AI_PROVIDER_NAME_VALUE_OLLAMA as OLLAMA,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI as OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_OPENROUTER as OPENROUTER,
  GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION as TEXT,
  GEN_AI_PROVIDER_NAME_VALUE_TOGETHER_AI as TOGETHER,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI as VERTEX,
  GEN_AI_PROVIDER_NAME_VALUE_VLLM as VLLM,
  GEN_AI_PROVIDER_NAME_VALUE_X_AI as XAI,
} from '@tokenmeter/semconv';
import { type RecognizeOptions, recognizeRequest } from '../../src/adapters/index.js';

type Row = [url: string, expected: null | [provider: string, operation: string, api: string, model?: string]];

const body = { model: 'body-model', messages: [] };

const table: Row[] = [
  // OpenAI
  ['https://api.openai.com/v1/chat/completions', [OPENAI, CHAT, 'openai.chat', 'body-model']],
  ['https://api.openai.com/v1/completions', [OPENAI, TEXT, 'openai.completions', 'body-model']],
  ['https://api.openai.com/v1/embeddings', [OPENAI, EMBEDDINGS, 'openai.embeddings', 'body-model']],
  ['https://api.openai.com/v1/responses', [OPENAI, CHAT, 'openai.responses', 'body-model']],
  ['https://api.openai.com/v1/responses/resp_123/cancel', null],
  ['https://api.openai.com/v1/responses/input_tokens', null],
  ['https://api.openai.com/v1/batches', null],
  ['https://api.openai.com/v1/files', null],
  ['https://api.openai.com/v1/audio/transcriptions', null],
  // Azure OpenAI: deployments (model from the URL when the body has none), v1 API, api-version
  [
    'https://myres.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21',
    [AZURE, CHAT, 'openai.chat', 'body-model'],
  ],
  [
    'https://myres.openai.azure.com/openai/deployments/emb/embeddings?api-version=2024-02-01',
    [AZURE, EMBEDDINGS, 'openai.embeddings', 'body-model'],
  ],
  [
    'https://myres.openai.azure.com/openai/deployments/inst/completions?api-version=2024-02-01',
    [AZURE, TEXT, 'openai.completions', 'body-model'],
  ],
  [
    'https://myres.cognitiveservices.azure.com/openai/v1/chat/completions',
    [AZURE, CHAT, 'openai.chat', 'body-model'],
  ],
  ['https://myres.openai.azure.com/openai/v1/responses', [AZURE, CHAT, 'openai.responses', 'body-model']],
  ['https://myres.openai.azure.com/openai/deployments/d/audio/speech?api-version=2024-10-21', null],
  // Anthropic
  ['https://api.anthropic.com/v1/messages', [ANTHROPIC, CHAT, 'anthropic.messages', 'body-model']],
  ['https://api.anthropic.com/v1/messages?beta=true', [ANTHROPIC, CHAT, 'anthropic.messages', 'body-model']],
  ['https://api.anthropic.com/v1/messages/count_tokens', null],
  ['https://api.anthropic.com/v1/messages/batches', null],
  ['https://api.anthropic.com/v1/messages/batches/msgbatch_01/results', null],
  ['https://api.anthropic.com/v1/models', null],
  // Gemini API
  [
    'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent',
    [GEMINI, GENERATE, 'gemini.generate', 'gemini-2.5-flash'],
  ],
  [
    'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    [GEMINI, GENERATE, 'gemini.generate', 'gemini-2.5-flash'],
  ],
  [
    'https://generativelanguage.googleapis.com/v1/models/gemini-2.0-flash:generateContent',
    [GEMINI, GENERATE, 'gemini.generate', 'gemini-2.0-flash'],
  ],
  [
    'https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004:embedContent',
    [GEMINI, EMBEDDINGS, 'gemini.embed', 'text-embedding-004'],
  ],
  [
    'https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents',
    [GEMINI, EMBEDDINGS, 'gemini.embed', 'gemini-embedding-001'],
  ],
  ['https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:countTokens', null],
  ['https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:batchGenerateContent', null],
  [
    'https://generativelanguage.googleapis.com/v1beta/openai/chat/completions',
    [GEMINI, CHAT, 'openai.chat', 'body-model'],
  ],
  ['https://generativelanguage.googleapis.com/upload/v1beta/files', null],
  // Vertex AI: Gemini, Claude (Anthropic Messages through rawPredict), partner models, embeddings, OpenAI endpoint
  [
    'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent',
    [VERTEX, GENERATE, 'gemini.generate', 'gemini-2.5-pro'],
  ],
  [
    'https://europe-west4-aiplatform.googleapis.com/v1beta1/projects/p/locations/europe-west4/publishers/google/models/gemini-2.0-flash-001:streamGenerateContent?alt=sse',
    [VERTEX, GENERATE, 'gemini.generate', 'gemini-2.0-flash-001'],
  ],
  [
    'https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/google/models/gemini-2.5-flash:generateContent',
    [VERTEX, GENERATE, 'gemini.generate', 'gemini-2.5-flash'],
  ],
  [
    'https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-3-5-sonnet-v2@20241022:rawPredict',
    [VERTEX, CHAT, 'anthropic.messages', 'claude-3-5-sonnet-v2@20241022'],
  ],
  [
    'https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict',
    [VERTEX, CHAT, 'anthropic.messages', 'claude-sonnet-4@20250514'],
  ],
  [
    'https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict',
    null,
  ],
  [
    'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/mistralai/models/mistral-large-2411:rawPredict',
    [VERTEX, CHAT, 'openai.chat', 'mistral-large-2411'],
  ],
  [
    'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/text-embedding-005:predict',
    [VERTEX, EMBEDDINGS, 'gemini.embed', 'text-embedding-005'],
  ],
  [
    'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:countTokens',
    null,
  ],
  [
    'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/openapi/chat/completions',
    [VERTEX, CHAT, 'openai.chat', 'body-model'],
  ],
  // Bedrock: model ids, URL-encoded ARNs (inference profiles), streams, other actions
  [
    'https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse',
    [BEDROCK, CHAT, 'bedrock.converse', 'anthropic.claude-3-5-sonnet-20241022-v2:0'],
  ],
  [
    'https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama3-2-1b-instruct-v1%3A0/converse-stream',
    [BEDROCK, CHAT, 'bedrock.converse', 'meta.llama3-2-1b-instruct-v1:0'],
  ],
  [
    'https://bedrock-runtime.us-east-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A012345678901%3Ainference-profile%2Fus.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse',
    [BEDROCK, CHAT, 'bedrock.converse', 'us.anthropic.claude-3-7-sonnet-20250219-v1:0'],
  ],
  [
    'https://bedrock-runtime.eu-west-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aeu-west-1%3A012345678901%3Aapplication-inference-profile%2Fabc123/invoke',
    [
      BEDROCK,
      CHAT,
      'bedrock.invoke',
      'arn:aws:bedrock:eu-west-1:012345678901:application-inference-profile/abc123',
    ],
  ],
  [
    'https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama3-70b-instruct-v1%3A0/invoke',
    [BEDROCK, CHAT, 'bedrock.invoke', 'meta.llama3-70b-instruct-v1:0'],
  ],
  [
    'https://bedrock-runtime.us-west-2.amazonaws.com/model/amazon.titan-embed-text-v2%3A0/invoke',
    [BEDROCK, EMBEDDINGS, 'bedrock.invoke', 'amazon.titan-embed-text-v2:0'],
  ],
  [
    'https://bedrock-runtime-fips.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke-with-response-stream',
    [BEDROCK, CHAT, 'bedrock.invoke', 'anthropic.claude-3-haiku-20240307-v1:0'],
  ],
  ['https://bedrock-runtime.us-east-1.amazonaws.com/guardrail/abc/version/1/apply', null],
  ['https://bedrock.us-east-1.amazonaws.com/foundation-models', null],
  // OpenAI-compatible hosts
  ['https://api.mistral.ai/v1/chat/completions', [MISTRAL, CHAT, 'openai.chat', 'body-model']],
  ['https://api.mistral.ai/v1/fim/completions', [MISTRAL, TEXT, 'openai.completions', 'body-model']],
  ['https://api.mistral.ai/v1/embeddings', [MISTRAL, EMBEDDINGS, 'openai.embeddings', 'body-model']],
  ['https://api.groq.com/openai/v1/chat/completions', [GROQ, CHAT, 'openai.chat', 'body-model']],
  ['https://api.deepseek.com/chat/completions', [DEEPSEEK, CHAT, 'openai.chat', 'body-model']],
  ['https://api.deepseek.com/v1/chat/completions', [DEEPSEEK, CHAT, 'openai.chat', 'body-model']],
  ['https://api.deepseek.com/anthropic/v1/messages', [DEEPSEEK, CHAT, 'anthropic.messages', 'body-model']],
  ['https://api.x.ai/v1/chat/completions', [XAI, CHAT, 'openai.chat', 'body-model']],
  ['https://api.x.ai/v1/responses', [XAI, CHAT, 'openai.responses', 'body-model']],
  ['https://api.together.xyz/v1/chat/completions', [TOGETHER, CHAT, 'openai.chat', 'body-model']],
  ['https://api.together.ai/v1/completions', [TOGETHER, TEXT, 'openai.completions', 'body-model']],
  ['https://api.fireworks.ai/inference/v1/chat/completions', [FIREWORKS, CHAT, 'openai.chat', 'body-model']],
  ['https://openrouter.ai/api/v1/chat/completions', [OPENROUTER, CHAT, 'openai.chat', 'body-model']],
  ['http://localhost:11434/v1/chat/completions', [OLLAMA, CHAT, 'openai.chat', 'body-model']],
  ['http://127.0.0.1:11434/v1/embeddings', [OLLAMA, EMBEDDINGS, 'openai.embeddings', 'body-model']],
  ['http://localhost:11434/api/chat', [OLLAMA, CHAT, 'ollama.chat', 'body-model']],
  ['http://127.0.0.1:11434/api/generate', [OLLAMA, TEXT, 'ollama.generate', 'body-model']],
  ['http://localhost:11434/api/embed', [OLLAMA, EMBEDDINGS, 'ollama.embed', 'body-model']],
  ['http://localhost:11434/api/embeddings', [OLLAMA, EMBEDDINGS, 'ollama.embed', 'body-model']],
  ['https://ollama.com/api/chat', [OLLAMA, CHAT, 'ollama.chat', 'body-model']],
  ['https://ollama.com/api/web_search', null],
  ['http://localhost:11434/api/pull', null],
  // Ollama's native paths are too common to be taken by path alone on an unknown host
  ['http://127.0.0.1:4010/api/chat', null],
  ['https://app.example.com/api/generate', null],
  // Unknown hosts, loopback included: by path
  ['http://127.0.0.1:4010/v1/chat/completions', [COMPATIBLE, CHAT, 'openai.chat', 'body-model']],
  ['http://localhost:8000/v1/completions', [COMPATIBLE, TEXT, 'openai.completions', 'body-model']],
  ['https://llm-gateway.internal.example/v1/responses', [COMPATIBLE, CHAT, 'openai.responses', 'body-model']],
  ['http://127.0.0.1:4010/v1/messages', [ANTHROPIC, CHAT, 'anthropic.messages', 'body-model']],
  [
    'http://127.0.0.1:4010/v1beta/models/gemini-2.5-flash:generateContent',
    [GEMINI, GENERATE, 'gemini.generate', 'gemini-2.5-flash'],
  ],
  ['http://127.0.0.1:4010/v1/messages/count_tokens', null],
  // Not LLM calls
  ['https://example.com/', null],
  ['https://api.github.com/repos/open-telemetry/opentelemetry-js/issues', null],
  ['https://hooks.slack.com/services/T000/B000/XXXX', null],
  ['http://127.0.0.1:4318/v1/traces', null],
  ['https://registry.npmjs.org/openai', null],
  ['https://shop.example.com/api/orders/completions-report', null],
  ['https://api.typeform.example/forms/abc/responses', null],
  ['https://cms.example.com/api/embeddings', null],
];

describe('recognizeRequest', () => {
  for (const [url, expected] of table) {
    it(`${url} → ${expected ? expected.slice(0, 3).join(' ') : 'null'}`, () => {
      const info = recognizeRequest({ url: new URL(url), method: 'POST', body });
      if (expected === null) {
        assert.equal(info, null);
        return;
      }
      assert.ok(info, 'recognised');
      assert.equal(info.provider, expected[0]);
      assert.equal(info.operation, expected[1]);
      assert.equal(info.api, expected[2]);
      if (expected[3] !== undefined) assert.equal(info.requestModel, expected[3]);
    });
  }

  it('on an unknown host, wants a model in the body when the body is known', () => {
    const url = new URL('http://127.0.0.1:4010/v1/chat/completions');
    assert.equal(recognizeRequest({ url, method: 'POST', body: { query: 'x' } }), null);
    assert.ok(recognizeRequest({ url, method: 'POST', body: undefined }));
    const messages = new URL('https://proxy.example.com/v1/messages');
    assert.equal(recognizeRequest({ url: messages, method: 'POST', body: { model: 'm', text: 'hi' } }), null);
    assert.ok(recognizeRequest({ url: messages, method: 'POST', body: { model: 'm', messages: [] } }));
  });

  it('ignores requests that are not POST', () => {
    for (const method of ['GET', 'DELETE', 'OPTIONS', 'get']) {
      assert.equal(
        recognizeRequest({ url: new URL('https://api.openai.com/v1/chat/completions'), method, body }),
        null,
      );
    }
    assert.ok(
      recognizeRequest({ url: new URL('https://api.openai.com/v1/chat/completions'), method: 'post', body }),
    );
  });

  it('reads the Azure deployment and api-version, and takes the model from the URL when the body has none', () => {
    const url = new URL(
      'https://myres.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21',
    );
    const info = recognizeRequest({ url, method: 'POST', body: { messages: [], stream: true } });
    assert.equal(info?.deployment, 'gpt4o-prod');
    assert.equal(info?.requestModel, 'gpt4o-prod');
    assert.equal(info?.apiVersion, '2024-10-21');
    assert.equal(info?.stream, true);
    assert.equal(info?.serverAddress, 'myres.openai.azure.com');
    assert.equal(info?.serverPort, 443);
  });

  it('reads the request parameters of each format', () => {
    const openai = recognizeRequest({
      url: new URL('https://api.openai.com/v1/chat/completions'),
      method: 'POST',
      body: {
        model: 'gpt-5',
        stream: true,
        max_completion_tokens: 500,
        temperature: 0.2,
        top_p: 0.9,
        n: 2,
        service_tier: 'flex',
      },
    });
    assert.deepEqual(
      { ...openai },
      {
        provider: OPENAI,
        operation: CHAT,
        api: 'openai.chat',
        requestModel: 'gpt-5',
        stream: true,
        streamFormat: 'sse',
        maxTokens: 500,
        temperature: 0.2,
        topP: 0.9,
        choiceCount: 2,
        serviceTier: 'flex',
        serverAddress: 'api.openai.com',
        serverPort: 443,
      },
    );
    const legacyMax = recognizeRequest({
      url: new URL('https://api.openai.com/v1/chat/completions'),
      method: 'POST',
      body: { model: 'gpt-4o', max_tokens: 64 },
    });
    assert.equal(legacyMax?.maxTokens, 64);
    const responses = recognizeRequest({
      url: new URL('https://api.openai.com/v1/responses'),
      method: 'POST',
      body: { model: 'o4-mini', max_output_tokens: 300, stream: true },
    });
    assert.equal(responses?.maxTokens, 300);
    const anthropic = recognizeRequest({
      url: new URL('https://api.anthropic.com/v1/messages'),
      method: 'POST',
      body: { model: 'claude-opus-4-1-20250805', max_tokens: 2048, temperature: 1, stream: true },
    });
    assert.equal(anthropic?.maxTokens, 2048);
    assert.equal(anthropic?.stream, true);
    const gemini = recognizeRequest({
      url: new URL(
        'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      ),
      method: 'POST',
      body: {
        contents: [],
        generationConfig: { maxOutputTokens: 256, temperature: 0.5, topP: 0.95, candidateCount: 1 },
      },
    });
    assert.equal(gemini?.stream, true);
    assert.equal(gemini?.streamFormat, 'sse');
    assert.equal(gemini?.maxTokens, 256);
    assert.equal(gemini?.topP, 0.95);
    assert.equal(gemini?.choiceCount, 1);
    const geminiArray = recognizeRequest({
      url: new URL(
        'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent',
      ),
      method: 'POST',
      body: {},
    });
    assert.equal(geminiArray?.streamFormat, 'json-array');
    const vertexBase =
      'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:streamGenerateContent';
    assert.equal(
      recognizeRequest({ url: new URL(`${vertexBase}?alt=sse`), method: 'POST', body: {} })?.streamFormat,
      'sse',
    );
    assert.equal(
      recognizeRequest({ url: new URL(vertexBase), method: 'POST', body: {} })?.streamFormat,
      'json-array',
    );
    const converse = recognizeRequest({
      url: new URL(
        'https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse-stream',
      ),
      method: 'POST',
      body: { messages: [], inferenceConfig: { maxTokens: 50, temperature: 0.5, topP: 0.9 } },
    });
    assert.equal(converse?.stream, true);
    assert.equal(converse?.streamFormat, 'aws-eventstream');
    assert.equal(converse?.maxTokens, 50);
    const llama = recognizeRequest({
      url: new URL('https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama2-13b-chat-v1/invoke'),
      method: 'POST',
      body: { prompt: 'What are the 4 cardinal directions?', max_gen_len: 128, temperature: 0.1, top_p: 0.9 },
    });
    assert.equal(llama?.operation, TEXT);
    assert.equal(llama?.maxTokens, 128);
    assert.equal(llama?.topP, 0.9);
    const titanEmbed = recognizeRequest({
      url: new URL(
        'https://bedrock-runtime.us-west-2.amazonaws.com/model/amazon.titan-embed-text-v2%3A0/invoke',
      ),
      method: 'POST',
      body: { inputText: 'hello' },
    });
    assert.equal(titanEmbed?.operation, EMBEDDINGS);
  });

  it('adds no key for a parameter the body leaves unset, in every format', () => {
    const urls = [
      'https://api.openai.com/v1/chat/completions',
      'https://api.openai.com/v1/responses',
      'https://api.openai.com/v1/embeddings',
      'https://api.anthropic.com/v1/messages',
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent',
      'https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse',
      'https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama2-13b-chat-v1/invoke',
      'http://localhost:11434/api/chat',
      'http://127.0.0.1:4010/v1/chat/completions',
    ];
    for (const url of urls) {
      for (const b of [
        { model: 'm', messages: [] },
        { model: 'm', messages: [], options: {} },
      ]) {
        const info = recognizeRequest({ url: new URL(url), method: 'POST', body: b });
        assert.ok(info, url);
        const unset = Object.entries(info).filter(([, v]) => v === undefined);
        assert.deepEqual(unset, [], url);
      }
    }
  });

  it('uses configured endpoints first: how a test says "this base URL is OpenAI"', () => {
    const options: RecognizeOptions = {
      providers: [
        { baseUrl: 'http://127.0.0.1:4010/v1', provider: OPENAI },
        { baseUrl: 'http://127.0.0.1:4011', provider: ANTHROPIC },
        { baseUrl: 'http://localhost:8000/v1/', provider: VLLM },
        { baseUrl: 'https://gateway.example.com/openai', provider: OPENAI },
      ],
    };
    const r = (url: string) => recognizeRequest({ url: new URL(url), method: 'POST', body }, options);
    assert.equal(r('http://127.0.0.1:4010/v1/chat/completions')?.provider, OPENAI);
    assert.equal(r('http://127.0.0.1:4010/v1/responses')?.api, 'openai.responses');
    assert.equal(r('http://127.0.0.1:4011/v1/messages')?.provider, ANTHROPIC);
    assert.equal(r('http://localhost:8000/v1/chat/completions')?.provider, VLLM);
    assert.equal(r('https://gateway.example.com/openai/v1/chat/completions')?.provider, OPENAI);
    // Another port of the same host is not under the configured base URL.
    assert.equal(r('http://127.0.0.1:4012/v1/chat/completions')?.provider, COMPATIBLE);
    // Under a configured base URL, a path that is not an inference call is still null.
    assert.equal(r('http://127.0.0.1:4010/v1/models'), null);
    const ollama = (url: string) =>
      recognizeRequest(
        { url: new URL(url), method: 'POST', body: { model: 'llama3.2' } },
        { providers: [{ baseUrl: 'http://gpu.internal:11434', provider: OLLAMA }] },
      );
    assert.equal(ollama('http://gpu.internal:11434/api/chat')?.api, 'ollama.chat');
    assert.equal(ollama('http://gpu.internal:11434/api/chat')?.stream, true, "Ollama's default");
    assert.equal(ollama('http://gpu.internal:11434/api/embeddings')?.api, 'ollama.embed');
    assert.equal(ollama('http://gpu.internal:11434/v1/chat/completions')?.api, 'openai.chat');
  });
});
