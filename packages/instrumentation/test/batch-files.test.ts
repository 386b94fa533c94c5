// The OpenAI output and error files the app has seen a batch name are remembered so that their
// downloaded results carry the batch id; the memory of them is bounded whatever the app does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BATCH_FILES, TokenmeterRuntime } from '../src/runtime.js';

describe('the file → batch map', () => {
  it('never holds more than MAX_BATCH_FILES files: the oldest is forgotten first', () => {
    const runtime = new TokenmeterRuntime({});
    for (let i = 0; i <= MAX_BATCH_FILES; i++) runtime.learnBatchFile(`file-${i}`, `batch_${i}`);
    assert.equal(runtime.batchOfFile('file-0'), undefined, 'the oldest file is forgotten');
    assert.equal(runtime.batchOfFile('file-1'), 'batch_1');
    assert.equal(runtime.batchOfFile(`file-${MAX_BATCH_FILES}`), `batch_${MAX_BATCH_FILES}`);
    let known = 0;
    for (let i = 0; i <= MAX_BATCH_FILES; i++) if (runtime.batchOfFile(`file-${i}`) !== undefined) known++;
    assert.equal(known, MAX_BATCH_FILES);
  });

  it('a batch the app reads again stays known while newer files push older ones out', () => {
    const runtime = new TokenmeterRuntime({});
    runtime.learnBatchFile('file-polled', 'batch_polled');
    for (let i = 0; i < MAX_BATCH_FILES - 1; i++) runtime.learnBatchFile(`file-${i}`, `batch_${i}`);
    runtime.learnBatchFile('file-polled', 'batch_polled'); // polled again: the newest now
    runtime.learnBatchFile('file-new', 'batch_new');
    assert.equal(runtime.batchOfFile('file-polled'), 'batch_polled');
    assert.equal(runtime.batchOfFile('file-0'), undefined);
    assert.equal(runtime.batchOfFile('file-new'), 'batch_new');
  });
});
