// An observed body (stream-reads.ts) read by an app that only reads: every read is the platform's
// own, answered in the same microtask turn as without tokenmeter, with the same result objects and
// the same error, and the observer sees each chunk before the app's code runs on it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Output } from '../src/fetch/openai-sse.js';
import { type BodyObserver, observeReads } from '../src/fetch/stream-reads.js';

const chunks = ['data: a\n\n', 'data: b\n\n', 'data: [DONE]\n\n'].map((s) => new TextEncoder().encode(s));

/** A body whose chunks are all queued (each read is answered at once), or that fails after them. */
function body(error?: Error): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      if (error === undefined) c.close();
      else c.error(error);
    },
  });
}

/** An observer that only looks, writing what it sees into `log`. */
function looking(log: string[]): BodyObserver {
  return {
    rewrites: false,
    chunk(value: Uint8Array): Output {
      log.push(`seen ${new TextDecoder().decode(value).trim()}`);
      return value;
    },
    end: () => {
      log.push('seen end');
      return null;
    },
    error: (error) => {
      log.push(`seen error ${(error as Error).message}`);
      return null;
    },
    cancel: () => log.push('seen cancel'),
    internalError: (error) => log.push(`internal error ${String(error)}`),
  };
}

/**
 * Reads `stream` with a reader (or its async iterator) while a chain of microtasks runs beside
 * each read: the log shows in which turn each read was answered, and what it answered.
 */
async function readLog(stream: ReadableStream<Uint8Array>, log: string[], via: 'reader' | 'iterator') {
  const results: unknown[] = [];
  const next =
    via === 'reader'
      ? (() => {
          const reader = stream.getReader();
          return () => reader.read();
        })()
      : (() => {
          const it = (stream as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
          return () => it.next();
        })();
  for (let i = 0; ; i++) {
    const read = next();
    // The app's code on the answer, then a chain of microtasks queued after it.
    const answered = read.then(
      (result) => {
        results.push(result);
        log.push(`app read ${i}: ${result.done ? 'done' : new TextDecoder().decode(result.value).trim()}`);
        return result.done;
      },
      (error: unknown) => {
        results.push(error);
        log.push(`app read ${i} failed: ${(error as Error).message}`);
        return true;
      },
    );
    const beside = Promise.resolve()
      .then(() => log.push(`turn 1 of read ${i}`))
      .then(() => log.push(`turn 2 of read ${i}`));
    const last = await answered;
    await beside;
    if (last) return results;
  }
}

for (const via of ['reader', 'iterator'] as const) {
  test(`read through its ${via}: each chunk reaches the app in the same microtask turn as without tokenmeter, the observer seeing it first`, async () => {
    const bare: string[] = [];
    await readLog(body(), bare, via);
    const observed: string[] = [];
    await readLog(observeReads(body(), looking(observed)), observed, via);
    assert.deepEqual(
      observed.filter((line) => !line.startsWith('seen')),
      bare,
    );
    // Each chunk is seen before the app's code runs on it.
    for (const [i, line] of observed.entries()) {
      const chunk = /^app read \d+: (data: .*)$/.exec(line)?.[1];
      if (chunk !== undefined) assert.ok(observed.indexOf(`seen ${chunk}`) < i, line);
    }
    assert.deepEqual(
      observed.filter((line) => line.startsWith('seen')),
      ['seen data: a', 'seen data: b', 'seen data: [DONE]', 'seen end'],
    );
  });

  test(`read through its ${via}: a body that fails gives the app the platform's error object, in the same turn`, async () => {
    const error = new Error('socket hang up');
    const bare: string[] = [];
    const bareResults = await readLog(body(error), bare, via);
    const observed: string[] = [];
    const results = await readLog(observeReads(body(error), looking(observed)), observed, via);
    assert.deepEqual(
      observed.filter((line) => !line.startsWith('seen')),
      bare,
    );
    assert.equal(results.at(-1), error);
    assert.equal(bareResults.at(-1), error);
    assert.ok(observed.includes('seen error socket hang up'));
  });
}

test('an observer that throws after all is reported, and the app reads on undisturbed (no unhandled rejection)', async () => {
  const log: string[] = [];
  const observer = looking(log);
  observer.chunk = () => {
    throw new Error('parser bug');
  };
  const app: string[] = [];
  await readLog(observeReads(body(), observer), app, 'reader');
  assert.ok(app.includes('app read 3: done'));
  assert.deepEqual(log.filter((line) => line.startsWith('internal error')).length, 3);
});

test('an observed body and its reader show the app no property of ours: the same own keys as an unobserved one', async () => {
  const stream = body();
  const keysBefore = Reflect.ownKeys(stream);
  const observed = observeReads(stream, looking([]));
  assert.equal(observed, stream);
  assert.deepEqual(Reflect.ownKeys(stream), keysBefore);
  assert.deepEqual(Reflect.ownKeys(stream), Reflect.ownKeys(body()));
  const reader = stream.getReader();
  assert.deepEqual(Reflect.ownKeys(reader), Reflect.ownKeys(body().getReader()));
  while (!(await reader.read()).done);
});
