// Batch jobs on the providers' published response shapes (test/fixtures, sources in
// test/fixtures/README.md): which requests are batch creations and reads, and what a batch object says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBatchJobs, recognizeBatchJob } from '../../src/adapters/index.js';
import { fixtureJson } from './helpers.js';

describe('batch objects', () => {
  it('an OpenAI batch just created: its id and input file, no request count yet (validating), no output file', () => {
    assert.deepEqual(readBatchJobs(fixtureJson('openai/batch-create.json')), [
      { id: 'batch_abc123', inputFileId: 'file-abc123' },
    ]);
  });

  it('a completed OpenAI batch names its output and error files and counts its requests', () => {
    assert.deepEqual(readBatchJobs(fixtureJson('openai/batch-retrieve-completed.json')), [
      {
        id: 'batch_abc123',
        requestCount: 100,
        inputFileId: 'file-abc123',
        outputFileId: 'file-cvaTdG',
        errorFileId: 'file-HOWS94',
      },
    ]);
  });

  it('an Anthropic message batch: its requests in every state add up to the count', () => {
    assert.deepEqual(readBatchJobs(fixtureJson('anthropic/message-batch.json')), [
      { id: 'msgbatch_013Zva2CMHLNnXjNJJKqJ2EF', requestCount: 200 },
    ]);
  });

  it('a page of batches (the list) gives each; anything else gives none', () => {
    const one = fixtureJson('openai/batch-retrieve-completed.json') as Record<string, unknown>;
    const page = {
      object: 'list',
      data: [one, { ...one, id: 'batch_def456' }, { id: 'x' }],
      has_more: false,
    };
    assert.deepEqual(
      readBatchJobs(page).map((j) => j.id),
      ['batch_abc123', 'batch_def456'],
    );
    for (const other of [
      null,
      42,
      'batch',
      {},
      { id: 'chatcmpl-1', object: 'chat.completion' },
      { data: 'no' },
    ])
      assert.deepEqual(readBatchJobs(other), []);
  });
});

describe('batch job requests', () => {
  const at = (href: string, method: string) => recognizeBatchJob(new URL(href), method);

  it('creations on the providers own hosts', () => {
    assert.deepEqual(at('https://api.openai.com/v1/batches', 'POST'), {
      kind: 'openai',
      provider: 'openai',
      serverAddress: 'api.openai.com',
      serverPort: 443,
      action: 'create',
    });
    assert.deepEqual(at('https://api.anthropic.com/v1/messages/batches', 'POST'), {
      kind: 'anthropic',
      provider: 'anthropic',
      serverAddress: 'api.anthropic.com',
      serverPort: 443,
      action: 'create',
    });
  });

  it('OpenAI reads: retrieve and list; cancel and Anthropic reads are not batch jobs to observe', () => {
    assert.equal(at('https://api.openai.com/v1/batches/batch_abc123', 'GET')?.action, 'retrieve');
    assert.equal(at('https://api.openai.com/v1/batches?limit=5', 'GET')?.action, 'list');
    assert.equal(at('https://api.openai.com/v1/batches/batch_abc123/cancel', 'POST'), null);
    assert.equal(at('https://api.anthropic.com/v1/messages/batches/msgbatch_1', 'GET'), null);
    assert.equal(at('https://api.openai.com/v1/batches/batch_abc123', 'DELETE'), null);
  });

  it('an unknown host: OpenAI batches only under an API version prefix; the provider an inference call there gets', () => {
    assert.equal(at('http://127.0.0.1:8080/v1/batches', 'POST')?.provider, 'openai_compatible');
    assert.equal(at('http://127.0.0.1:8080/v1/batches', 'POST')?.providerFromModel, 'first');
    assert.equal(at('http://127.0.0.1:8080/jobs/batches', 'POST'), null, 'some other API of that name');
    assert.equal(at('https://example.com/api/batches', 'GET'), null);
  });
});
