// Shared by the adapter tests: fixtures, splitting a body into chunks, driving a stream parser.
import { readFileSync } from 'node:fs';
import type {
  RecognizeOptions,
  RequestInfo,
  StreamParser,
  StreamParserOptions,
} from '../../src/adapters/index.js';
import { createStreamParser, recognizeRequest } from '../../src/adapters/index.js';
import { SseDecoder } from '../../src/sse.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureText(name));
}

/** Cut `bytes` at the given (sorted or not) positions. */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

export interface StreamRun {
  parser: StreamParser;
  /** Index (0-based) of the event that returned true, or -1. */
  terminalAt: number;
  events: { data: string; event: string | undefined }[];
}

/** Decode `chunks` as SSE and feed every event to a fresh parser for `info`. */
export function runSse(
  info: RequestInfo,
  chunks: Iterable<Uint8Array>,
  options?: StreamParserOptions,
): StreamRun {
  const parser = createStreamParser(info, options);
  const run: StreamRun = { parser, terminalAt: -1, events: [] };
  const decoder = new SseDecoder((data, event) => {
    run.events.push({ data, event });
    if (parser.onEvent(data, event) && run.terminalAt === -1) run.terminalAt = run.events.length - 1;
  });
  for (const c of chunks) decoder.push(c);
  decoder.end();
  return run;
}

/** Recognise a request, failing the test when it is not recognised. */
export function info(url: string, body: unknown, options?: RecognizeOptions, method = 'POST'): RequestInfo {
  const result = recognizeRequest({ url: new URL(url), method, body }, options);
  if (!result) throw new Error(`not recognised: ${url}`);
  return result;
}
