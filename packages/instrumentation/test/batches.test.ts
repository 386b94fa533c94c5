// Batches through the real openai and @anthropic-ai/sdk clients against the mock provider: creating
// a batch is one create_batch span without cost (no call recorded); the results file the app
// downloads becomes one recorded call per result line, priced at the batch tier, with the batch id
// (Anthropic: from the URL; OpenAI: from the batch the app created, retrieved or listed) and the
// custom id; the app reads the same bytes.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type AnthropicType from '@anthropic-ai/sdk';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { withAttribution } from '@tokenmeter/instrumentation';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_TOKENMETER_BATCH_CUSTOM_ID,
  ATTR_TOKENMETER_BATCH_ID,
  ATTR_TOKENMETER_BATCH_INPUT_FILE_ID,
  ATTR_TOKENMETER_BATCH_REQUEST_COUNT,
  ATTR_TOKENMETER_FEATURE,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_PRICING_SERVICE_TIER,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_CREATE_BATCH,
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  LABEL_PROVIDER,
  METRIC_LLM_REQUESTS,
  METRIC_TOKENMETER_BATCH_CREATIONS,
  TOKENMETER_PRICING_MATCH_VALUE_INFERRED_PROVIDER,
} from '@tokenmeter/semconv';
import type OpenAIType from 'openai';
import { type Harness, points, requireSdk, startHarness, tokenmeterSpans, waitFor } from './helpers/otel.js';

let h: Harness;
let openai: OpenAIType;
let anthropic: AnthropicType;
let toFile: typeof import('openai').toFile;

before(async () => {
  h = await startHarness();
  const o = requireSdk('openai') as typeof import('openai');
  toFile = o.toFile;
  openai = new o.OpenAI({ baseURL: h.openaiBaseURL, apiKey: 'sk-test', maxRetries: 0 });
  const { Anthropic } = requireSdk('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
  anthropic = new Anthropic({ baseURL: h.mock.anthropicBaseURL, apiKey: 'sk-ant', maxRetries: 0 });
});
after(() => h.close());
beforeEach(() => h.reset());

/** tokenmeter's create_batch spans, and its call spans. */
function createSpans(): ReadableSpan[] {
  return tokenmeterSpans(h.spans).filter(
    (s) => s.attributes[ATTR_GEN_AI_OPERATION_NAME] === GEN_AI_OPERATION_NAME_VALUE_CREATE_BATCH,
  );
}
function callSpans(): ReadableSpan[] {
  return tokenmeterSpans(h.spans).filter(
    (s) => s.attributes[ATTR_GEN_AI_OPERATION_NAME] !== GEN_AI_OPERATION_NAME_VALUE_CREATE_BATCH,
  );
}

/** Uploads a batch input file of chat requests to gpt-4o-mini, one per custom id. */
async function uploadInput(customIds: string[], client: OpenAIType = openai) {
  const lines = customIds.map((custom_id, i) =>
    JSON.stringify({
      custom_id,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Question number ${i + 1}` }] },
    }),
  );
  return client.files.create({
    file: await toFile(Buffer.from(`${lines.join('\n')}\n`), 'batch.jsonl'),
    purpose: 'batch',
  });
}

/** Creates a chat completions batch of the uploaded file (the create response: validating). */
function createBatch(inputFileId: string, client: OpenAIType = openai) {
  return client.batches.create({
    input_file_id: inputFileId,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
}

async function bare<T>(fn: () => Promise<T>): Promise<T> {
  h.instrumentation.disable();
  try {
    return await fn();
  } finally {
    h.instrumentation.enable();
  }
}

describe('OpenAI Batch API', () => {
  async function completedBatch(n: number) {
    const file = await uploadInput(Array.from({ length: n }, (_, i) => `request-${i + 1}`));
    return openai.batches.retrieve((await createBatch(file.id)).id);
  }

  test('each output line with usage is one call priced at the batch tier, with its custom id', async () => {
    const batch = await completedBatch(3);
    assert.equal(h.records.length, 0, 'uploading and creating a batch costs nothing');
    const text = await (await openai.files.content(batch.output_file_id!)).text();
    const results = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(results.length, 3);
    await waitFor(() => h.records.length === 3);
    for (const [i, r] of h.records.entries()) {
      const usage = results[i].response.body.usage;
      assert.equal(r.batch, true);
      assert.equal(r.batchCustomId, `request-${i + 1}`);
      assert.equal(r.batchId, batch.id, 'the batch the app retrieved names the output file');
      assert.equal(r.provider, GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
      assert.equal(r.usage?.inputTokens, usage.prompt_tokens);
      assert.equal(r.usage?.outputTokens, usage.completion_tokens);
      // gpt-4o-mini at the Batch API's half price: $0.075 input, $0.30 output per million tokens
      const expected = (usage.prompt_tokens * 0.075 + usage.completion_tokens * 0.3) / 1e6;
      assert.ok(Math.abs(r.cost!.totalUsd - expected) < 1e-12, `${r.cost?.totalUsd} vs ${expected}`);
    }
    const spans = callSpans();
    assert.equal(spans.length, 3);
    assert.equal(spans[0]!.attributes[ATTR_GEN_AI_OPERATION_NAME], GEN_AI_OPERATION_NAME_VALUE_CHAT);
    assert.equal(spans[0]!.attributes[ATTR_TOKENMETER_BATCH_CUSTOM_ID], 'request-1');
    assert.equal(spans[0]!.attributes[ATTR_TOKENMETER_PRICING_SERVICE_TIER], 'batch');
  });

  test('the app reads the output file byte for byte as without tokenmeter', async () => {
    const batch = await completedBatch(2);
    const read = async () => {
      const res = await openai.files.content(batch.output_file_id!);
      return {
        status: res.status,
        url: res.url,
        type: res.headers.get('content-type'),
        text: await res.text(),
      };
    };
    const without = await bare(read);
    assert.equal(h.records.length, 0);
    const observed = await read();
    assert.deepEqual(observed, without);
    await waitFor(() => h.records.length === 2);
  });

  test('a file that is not batch output (an input file) records nothing', async () => {
    const batch = await completedBatch(2);
    const res = await openai.files.content(batch.input_file_id);
    assert.ok((await res.text()).includes('"custom_id"'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.records.length, 0);
  });
});

describe('batches at an undeclared base URL (a gateway, a proxy, a test server)', () => {
  test('OpenAI results are priced as an inference call there would be: provider from the model, batch tier', async () => {
    const o = requireSdk('openai') as typeof import('openai');
    const client = new o.OpenAI({ baseURL: `${h.mock.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const file = await uploadInput(['r1'], client);
    const created = await createBatch(file.id, client);
    const batch = await client.batches.retrieve(created.id);
    const line = JSON.parse((await (await client.files.content(batch.output_file_id!)).text()).trim());
    await waitFor(() => h.records.length === 1);
    const r = h.records[0]!;
    assert.equal(r.provider, GEN_AI_PROVIDER_NAME_VALUE_OPENAI, 'not openai_compatible, unpriced');
    assert.equal(r.pricingMatch, TOKENMETER_PRICING_MATCH_VALUE_INFERRED_PROVIDER);
    assert.equal(r.batchId, created.id);
    const u = line.response.body.usage;
    // gpt-4o-mini at the Batch API's half price: $0.075 input, $0.30 output per million tokens
    assert.equal(r.cost?.totalNanos, u.prompt_tokens * 75 + u.completion_tokens * 300);
    assert.equal(r.cost?.serviceTier, 'batch');
    assert.equal(createSpans()[0]!.attributes[ATTR_GEN_AI_PROVIDER_NAME], 'openai_compatible');
  });
});

describe('batch downloads that fail', () => {
  test('an unknown file: the app gets the same 404 error, nothing is recorded', async () => {
    await assert.rejects(openai.files.content('file-does-not-exist'), { status: 404 });
    await assert.rejects(anthropic.messages.batches.results('msgbatch_missing'), { status: 404 });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.records.length, 0);
  });
});

describe('Anthropic Message Batches', () => {
  test('each succeeded result is one call priced at the batch tier, with the batch id and custom id', async () => {
    const created = await anthropic.messages.batches.create({
      requests: ['first', 'second'].map((word) => ({
        custom_id: `ask-${word}`,
        params: {
          model: 'claude-3-5-haiku-20241022',
          max_tokens: 64,
          messages: [{ role: 'user' as const, content: `The ${word} question` }],
        },
      })),
    });
    assert.equal(h.records.length, 0, 'creating a batch costs nothing');
    const seen: { custom_id: string; usage: { input_tokens: number; output_tokens: number } }[] = [];
    for await (const r of await anthropic.messages.batches.results(created.id)) {
      assert.equal(r.result.type, 'succeeded');
      if (r.result.type === 'succeeded') seen.push({ custom_id: r.custom_id, usage: r.result.message.usage });
    }
    assert.equal(seen.length, 2);
    await waitFor(() => h.records.length === 2);
    for (const [i, r] of h.records.entries()) {
      assert.equal(r.provider, GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC);
      assert.equal(r.batch, true);
      assert.equal(r.batchId, created.id);
      assert.equal(r.batchCustomId, seen[i]!.custom_id);
      const u = seen[i]!.usage;
      assert.equal(r.usage?.outputTokens, u.output_tokens);
      // Claude 3.5 Haiku at the Message Batches' half price: $0.40 input, $2 output per million tokens
      const expected = (u.input_tokens * 0.4 + u.output_tokens * 2) / 1e6;
      assert.ok(Math.abs(r.cost!.totalUsd - expected) < 1e-12, `${r.cost?.totalUsd} vs ${expected}`);
    }
    const a = callSpans()[1]!.attributes;
    assert.equal(a[ATTR_TOKENMETER_BATCH_ID], created.id);
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC);
    assert.ok((a[ATTR_GEN_AI_USAGE_COST] as number) > 0);
  });
});

describe('creating a batch: an operation without cost', () => {
  /** tokenmeter.batch.creations as [provider, count] per series. */
  const creations = (series: { attributes: Record<string, unknown>; value: unknown }[]) =>
    series.map((p) => [p.attributes[LABEL_PROVIDER], p.value]);

  test('OpenAI: one create_batch span with the batch id and input file, no cost, no call, no request counted', async () => {
    const file = await uploadInput(['a']);
    const batch = await withAttribution({ feature: 'nightly-eval' }, () => createBatch(file.id));
    assert.equal(batch.status, 'validating', 'the app gets the create response as sent');
    const [span, ...more] = createSpans();
    assert.equal(more.length, 0);
    const a = span!.attributes;
    assert.equal(span!.name, 'create_batch');
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    assert.equal(a[ATTR_TOKENMETER_BATCH_ID], batch.id);
    assert.equal(a[ATTR_TOKENMETER_BATCH_INPUT_FILE_ID], file.id);
    assert.equal(a[ATTR_TOKENMETER_BATCH_REQUEST_COUNT], undefined, 'nothing counted while validating');
    assert.equal(a[ATTR_TOKENMETER_FEATURE], 'nightly-eval');
    assert.equal(a[ATTR_GEN_AI_USAGE_COST], undefined);
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], undefined);
    assert.equal(h.records.length, 0, 'no call: nothing in the store, no $0 in the cost per request');
    const m = await h.collect();
    assert.equal(points(m, METRIC_LLM_REQUESTS).length, 0);
    assert.deepEqual(creations(points(m, METRIC_TOKENMETER_BATCH_CREATIONS)), [['openai', 1]]);
  });

  test('Anthropic: one create_batch span with the batch id and its request count', async () => {
    const created = await anthropic.messages.batches.create({
      requests: ['a', 'b', 'c'].map((id) => ({
        custom_id: id,
        params: {
          model: 'claude-3-5-haiku-20241022',
          max_tokens: 16,
          messages: [{ role: 'user' as const, content: 'Hi' }],
        },
      })),
    });
    const [span] = createSpans();
    const a = span!.attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC);
    assert.equal(a[ATTR_TOKENMETER_BATCH_ID], created.id);
    assert.equal(a[ATTR_TOKENMETER_BATCH_REQUEST_COUNT], 3);
    assert.equal(a[ATTR_GEN_AI_USAGE_COST], undefined);
    assert.equal(h.records.length, 0);
    const m = await h.collect();
    assert.deepEqual(creations(points(m, METRIC_TOKENMETER_BATCH_CREATIONS)), [['anthropic', 1]]);
    assert.equal(points(m, METRIC_LLM_REQUESTS).length, 0);
  });

  test('a creation that fails: the app gets the same error, the span carries error.type', async () => {
    await assert.rejects(createBatch('file-missing'), { status: 400 });
    const [span] = createSpans();
    assert.equal(span!.attributes[ATTR_ERROR_TYPE], '400');
    assert.equal(span!.attributes[ATTR_TOKENMETER_BATCH_ID], undefined);
    assert.equal(h.records.length, 0);
    assert.equal(
      points(await h.collect(), METRIC_TOKENMETER_BATCH_CREATIONS).length,
      0,
      'a refused batch is not counted',
    );
  });

  test('polling a batch makes no span', async () => {
    const file = await uploadInput(['a']);
    const batch = await createBatch(file.id);
    await openai.batches.retrieve(batch.id);
    await openai.batches.list();
    assert.equal(createSpans().length, 1);
    assert.equal(callSpans().length, 0);
  });
});

describe('the OpenAI batch id of a downloaded output file', () => {
  const input = () => uploadInput(['only']);

  test('a batch the app never read in this process: its calls are recorded without a batch id', async () => {
    const batch = await bare(async () => {
      const file = await input();
      const created = await createBatch(file.id);
      return openai.batches.retrieve(created.id);
    });
    await (await openai.files.content(batch.output_file_id!)).text();
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.batchId, undefined);
    assert.equal(h.records[0]!.batchCustomId, 'only');
    assert.equal(callSpans()[0]!.attributes[ATTR_TOKENMETER_BATCH_ID], undefined);
  });

  test('learned from the list of batches as well as from a retrieve', async () => {
    const created = await bare(async () => {
      const file = await input();
      return createBatch(file.id);
    });
    let outputFile: string | undefined;
    for await (const b of openai.batches.list())
      if (b.id === created.id) outputFile = b.output_file_id ?? undefined;
    assert.ok(outputFile);
    await (await openai.files.content(outputFile)).text();
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.batchId, created.id);
    assert.equal(callSpans()[0]!.attributes[ATTR_TOKENMETER_BATCH_ID], created.id);
  });
});

describe('results downloaded with a plain fetch and no method (a GET by default)', () => {
  async function retrievedBatch(customIds: string[]) {
    const file = await uploadInput(customIds);
    return openai.batches.retrieve((await createBatch(file.id)).id);
  }
  const outputUrl = (fileId: string) => `${h.openaiBaseURL}/files/${fileId}/content`;

  test('fetch(url) of an OpenAI output file: each line is a call with its custom id and the batch id, same bytes', async () => {
    const batch = await retrievedBatch(['one', 'two']);
    const url = outputUrl(batch.output_file_id!);
    const expected = await bare(async () => (await fetch(url)).text());
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), expected);
    await waitFor(() => h.records.length === 2);
    assert.deepEqual(
      h.records.map((r) => [r.batch, r.batchId, r.batchCustomId, r.provider]),
      [
        [true, batch.id, 'one', GEN_AI_PROVIDER_NAME_VALUE_OPENAI],
        [true, batch.id, 'two', GEN_AI_PROVIDER_NAME_VALUE_OPENAI],
      ],
    );
    assert.ok(h.records.every((r) => (r.cost?.totalUsd ?? 0) > 0));
  });

  test('fetch(url, {headers}) with no method: recorded the same way', async () => {
    const batch = await retrievedBatch(['with-headers']);
    const response = await fetch(outputUrl(batch.output_file_id!), {
      headers: { authorization: 'Bearer sk-test' },
    });
    await response.text();
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.batchCustomId, 'with-headers');
    assert.equal(h.records[0]!.batchId, batch.id);
  });

  test('fetch(new Request(url)) with no method: recorded the same way', async () => {
    const batch = await retrievedBatch(['as-request']);
    await (await fetch(new Request(outputUrl(batch.output_file_id!)))).text();
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.batchCustomId, 'as-request');
    assert.equal(h.records[0]!.batchId, batch.id);
  });

  test('fetch(results_url) of an Anthropic batch: each result is a call with the batch id from the URL', async () => {
    const created = await anthropic.messages.batches.create({
      requests: [
        {
          custom_id: 'plain-fetch',
          params: {
            model: 'claude-3-5-haiku-20241022',
            max_tokens: 64,
            messages: [{ role: 'user' as const, content: 'A question' }],
          },
        },
      ],
    });
    const url = created.results_url!;
    const expected = await bare(async () => (await fetch(url)).text());
    assert.equal(await (await fetch(url)).text(), expected);
    await waitFor(() => h.records.length === 1);
    const r = h.records[0]!;
    assert.equal(r.provider, GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC);
    assert.equal(r.batchId, created.id);
    assert.equal(r.batchCustomId, 'plain-fetch');
    assert.ok((r.cost?.totalUsd ?? 0) > 0);
  });

  test('fetch(url?api-version=…) of an output file (Azure OpenAI style query string): recorded the same way, same bytes', async () => {
    const batch = await retrievedBatch(['with-query']);
    const url = `${outputUrl(batch.output_file_id!)}?api-version=2024-10-21`;
    const expected = await bare(async () => (await fetch(url)).text());
    assert.equal(await (await fetch(url)).text(), expected);
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.batchCustomId, 'with-query');
    assert.equal(h.records[0]!.batchId, batch.id);
  });

  /** A batch created and completed without tokenmeter: the process knows nothing of its files yet. */
  function unseenBatch(customIds: string[]) {
    return bare(async () => {
      const created = await createBatch((await uploadInput(customIds)).id);
      return openai.batches.retrieve(created.id);
    });
  }

  test('a batch retrieved with fetch(url) and no method teaches its output file: the results carry the batch id', async () => {
    const batch = await unseenBatch(['retrieved-plain']);
    const url = `${h.openaiBaseURL}/batches/${batch.id}`;
    const expected = await bare(async () => (await fetch(url)).text());
    const read = await fetch(url);
    assert.equal(await read.text(), expected);
    await (await fetch(outputUrl(batch.output_file_id!))).text();
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.batchCustomId, 'retrieved-plain');
    assert.equal(h.records[0]!.batchId, batch.id);
    assert.equal(createSpans().length, 0);
  });

  test('batches listed with fetch(url) and no method, with or without a query string, teach their output files', async () => {
    for (const query of ['', '?limit=100']) {
      h.reset();
      const batch = await unseenBatch([`listed${query}`]);
      const url = `${h.openaiBaseURL}/batches${query}`;
      const expected = await bare(async () => (await fetch(url)).text());
      assert.equal(await (await fetch(url)).text(), expected);
      await (await fetch(outputUrl(batch.output_file_id!))).text();
      await waitFor(() => h.records.length === 1);
      assert.equal(h.records[0]!.batchCustomId, `listed${query}`);
      assert.equal(h.records[0]!.batchId, batch.id, `list${query}`);
    }
  });

  test('a plain GET of any other URL is passed through and records nothing', async () => {
    const response = await fetch(`${h.mock.url}/health`);
    await response.text();
    // A query string that merely mentions a results path: only the path before `?` counts.
    await (await fetch(`${h.mock.url}/health?next=/v1/files/file-1/content`)).text();
    const file = await uploadInput(['not-output']);
    // An uploaded input file ends in /content too: read, but its lines are requests, not results.
    await (await fetch(outputUrl(file.id))).text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(h.records.length, 0);
    assert.equal(callSpans().length, 0);
  });
});
