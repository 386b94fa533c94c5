// Ollama's native API on recorded-shape payloads: responses, NDJSON streams split anywhere, the
// decoder's edges (CRLF, a last line without its newline, a line over the cap).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createStreamParser,
  NdjsonDecoder,
  parseResponse,
  recognizeRequest,
} from '../../src/adapters/index.js';

const chatInfo = recognizeRequest({
  url: new URL('http://localhost:11434/api/chat'),
  method: 'POST',
  body: { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] },
})!;

const lines = [
  '{"model":"llama3.2","created_at":"2026-12-06T17:00:00Z","message":{"role":"assistant","content":"Hel"},"done":false}',
  '{"model":"llama3.2","created_at":"2026-12-06T17:00:00Z","message":{"role":"assistant","content":"lo"},"done":false}',
  '{"model":"llama3.2","created_at":"2026-12-06T17:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":5,"prompt_eval_count":26,"eval_count":2}',
];
const body = new TextEncoder().encode(`${lines.join('\n')}\n`);

function decodeAll(chunks: Uint8Array[], maxLineBytes?: number): string[] {
  const out: string[] = [];
  const d = new NdjsonDecoder((l) => out.push(l), maxLineBytes === undefined ? {} : { maxLineBytes });
  for (const c of chunks) d.push(c);
  d.end();
  return out;
}

describe('Ollama native API', () => {
  it('reads prompt_eval_count and eval_count of a chat response', () => {
    const r = parseResponse(chatInfo, JSON.parse(lines[2]!));
    assert.deepEqual(r.usage, { inputTokens: 26, outputTokens: 2 });
    assert.deepEqual(r.finishReasons, ['stop']);
    assert.equal(r.responseModel, 'llama3.2');
  });

  it('a whole prompt from the cache (no prompt_eval_count) is 0 input tokens, not a missing usage', () => {
    const r = parseResponse(chatInfo, { model: 'llama3.2', done: true, done_reason: 'stop', eval_count: 4 });
    assert.deepEqual(r.usage, { inputTokens: 0, outputTokens: 4 });
  });

  it('a stream split at every byte gives the same lines and the final usage, terminal on done', () => {
    for (let cut = 1; cut < body.length; cut += 7) {
      const chunks = [body.subarray(0, cut), body.subarray(cut)];
      assert.deepEqual(decodeAll(chunks), lines);
    }
    const byByte = Array.from(body, (b) => Uint8Array.of(b));
    assert.deepEqual(decodeAll(byByte), lines);
    const parser = createStreamParser(chatInfo, { captureOutputText: true });
    const terminal = lines.map((l) => parser.onEvent(l));
    assert.deepEqual(terminal, [false, false, true]);
    assert.deepEqual(parser.result().usage, { inputTokens: 26, outputTokens: 2 });
    assert.equal(parser.outputText?.()?.text, 'Hello');
  });

  it('CRLF line ends, blank lines and a last line without its newline', () => {
    const text = `${lines[0]}\r\n\r\n${lines[2]}`;
    assert.deepEqual(decodeAll([new TextEncoder().encode(text)]), [lines[0], lines[2]]);
  });

  it('a line over the cap is dropped (counted), the next one still read', () => {
    const big = `{"pad":"${'x'.repeat(300)}"}`;
    const text = new TextEncoder().encode(`${big}\n${lines[2]}\n`);
    const chunks = [text.subarray(0, 100), text.subarray(100, 250), text.subarray(250)];
    const out: string[] = [];
    const d = new NdjsonDecoder((l) => out.push(l), { maxLineBytes: 128 });
    for (const c of chunks) d.push(c);
    d.end();
    assert.deepEqual(out, [lines[2]]);
    assert.equal(d.overflows, 1);
  });

  it('an error line ends the stream with its error', () => {
    const parser = createStreamParser(chatInfo);
    assert.equal(parser.onEvent('{"error":"model runner has unexpectedly stopped"}'), true);
    assert.equal(parser.result().errorType, 'error');
  });
});
