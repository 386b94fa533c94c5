// Batch result files: OpenAI Batch API output files (`GET /v1/files/{id}/content`, one JSON line per
// request: `{id, custom_id, response: {status_code, body}, error}`) and Anthropic Message Batches
// results (`GET /v1/messages/batches/{id}/results`: `{custom_id, result: {type: 'succeeded',
// message}}`). Each line that carries usage is one call, priced at the batch tier; errored,
// cancelled and expired requests used nothing and are skipped. Pure: the fetch layer records.
import { WIRE_FORMATS } from './formats.js';
import { type RecognizeOptions, recognizeRequest } from './recognize.js';
import type { RequestInfo, ResponseInfo, StreamParser, WireApi } from './types.js';
import { checkedUsage } from './usage-check.js';
import { obj, parseJson, str } from './util.js';

export type BatchResultsKind = 'openai' | 'anthropic';

/** Where a batch API is: the provider, server and port an inference call under the same base URL gets. */
export interface BatchEndpoint {
  kind: BatchResultsKind;
  provider: string;
  serverAddress: string;
  serverPort: number;
  /** A gateway or an unknown host: the provider of each result comes from its model (RequestInfo's). */
  providerFromModel?: 'first' | 'fallback';
  /** The AI gateway the URL names (RequestInfo's). */
  gateway?: string;
}

/** A download of batch results: whose format, which batch (when the URL names it), and where. */
export interface BatchResultsDownload extends BatchEndpoint {
  /** The Anthropic batch id from the URL; OpenAI's output file URL names only the file. */
  batchId?: string;
  /** The OpenAI output file the URL names (its batch is known when the app read the batch). */
  fileId?: string;
}

/** One result line with usage. */
export interface BatchResultLine {
  customId: string;
  /** The wire format of the result body (chat completion, embeddings, responses, message). */
  api: WireApi;
  /** The model the result body names. */
  model?: string;
  /** The HTTP status the batch reported for this request (OpenAI), 200 for a succeeded Anthropic result. */
  status: number;
  response: ResponseInfo;
}

const OPENAI_OUTPUT = /^(.*)\/files\/([^/]+)\/content$/;
const ANTHROPIC_RESULTS = /^(.*)\/messages\/batches\/([^/]+)\/results$/;

/** Cheap test on the raw URL, before any parse: could this GET be a download of batch results? */
export function mayBeBatchResults(href: string): boolean {
  return (href.includes('/files/') && href.includes('/content')) || href.includes('/results');
}

/**
 * Constant-time test of a URL fetched with no method at all (a GET): does its path, which ends at
 * `end` (the string's end, or the `?` of a query string), end like a download of batch results?
 */
export function endsLikeBatchResults(href: string, end: number): boolean {
  return href.endsWith('/content', end) || href.endsWith('/results', end);
}

/**
 * The batch API of `kind` under `base` (the URL path before `/messages/batches/...` or
 * `/batches`, `/files/...`), or null when an inference call under that base URL would not be in
 * the kind's format (Anthropic Messages, OpenAI chat): the provider and server such a call gets.
 */
export function batchEndpoint(
  url: URL,
  kind: BatchResultsKind,
  base: string,
  options?: RecognizeOptions,
): BatchEndpoint | null {
  const probe = new URL(url.href);
  probe.pathname = kind === 'anthropic' ? `${base}/messages` : `${base}/chat/completions`;
  probe.search = '';
  const info = recognizeRequest({ url: probe, method: 'POST', body: undefined }, options);
  if (info === null) return null;
  if (info.api !== (kind === 'anthropic' ? 'anthropic.messages' : 'openai.chat')) return null;
  const endpoint: BatchEndpoint = {
    kind,
    provider: info.provider,
    serverAddress: info.serverAddress,
    serverPort: info.serverPort,
  };
  if (info.providerFromModel !== undefined) endpoint.providerFromModel = info.providerFromModel;
  if (info.gateway !== undefined) endpoint.gateway = info.gateway;
  return endpoint;
}

/** An OpenAI API base path: the version prefix is wanted (`/files/{id}/content` alone is too common). */
export function isOpenAIBase(base: string): boolean {
  return base.includes('/v1') || base.includes('/openai');
}

/**
 * The batch results download a GET is, or null. The provider is the one an inference call under
 * the same base URL gets (`.../chat/completions` for OpenAI, `.../messages` for Anthropic).
 */
export function recognizeBatchResults(url: URL, options?: RecognizeOptions): BatchResultsDownload | null {
  const path = url.pathname;
  const a = ANTHROPIC_RESULTS.exec(path);
  if (a) {
    const endpoint = batchEndpoint(url, 'anthropic', a[1]!, options);
    return endpoint && { ...endpoint, batchId: decodeSafe(a[2]!) };
  }
  const o = OPENAI_OUTPUT.exec(path);
  if (!o || !isOpenAIBase(o[1]!)) return null;
  const endpoint = batchEndpoint(url, 'openai', o[1]!, options);
  return endpoint && { ...endpoint, fileId: decodeSafe(o[2]!) };
}

export function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The OpenAI format of a result body, by its `object`. */
function openaiApiOf(body: Record<string, unknown>): WireApi | undefined {
  switch (body.object) {
    case 'chat.completion':
      return 'openai.chat';
    case 'text_completion':
      return 'openai.completions';
    case 'response':
      return 'openai.responses';
    case 'list':
      return 'openai.embeddings';
    default:
      return undefined;
  }
}

/** Read one line of a results file; undefined when it is not a result with usage. Never throws. */
export function readBatchResultLine(kind: BatchResultsKind, line: string): BatchResultLine | undefined {
  // Lines of other files (a fine-tuning file, an input file) are not parsed at all.
  if (!line.includes('"custom_id"')) return undefined;
  const o = obj(parseJson(line));
  const customId = str(o?.custom_id);
  if (!o || customId === undefined) return undefined;
  let api: WireApi | undefined;
  let body: Record<string, unknown> | undefined;
  let status = 200;
  if (kind === 'anthropic') {
    const result = obj(o.result);
    if (result?.type !== 'succeeded') return undefined;
    body = obj(result.message);
    api = 'anthropic.messages';
  } else {
    const response = obj(o.response);
    body = obj(response?.body);
    status = typeof response?.status_code === 'number' ? response.status_code : 200;
    if (body) api = openaiApiOf(body);
  }
  if (!body || api === undefined) return undefined;
  const response = checkedUsage(WIRE_FORMATS[api].parseResponse(body, BATCH_INFO));
  if (response.usage === undefined && response.invalidUsage === undefined) return undefined;
  const line_: BatchResultLine = { customId, api, status, response };
  const model = str(body.model);
  if (model !== undefined) line_.model = model;
  return line_;
}

/** The parsers read the body alone; this stands in for the request they never saw. */
const BATCH_INFO: RequestInfo = {
  provider: '',
  operation: '',
  stream: false,
  serverAddress: '',
  serverPort: 0,
  api: 'openai.chat',
};

/**
 * A stream parser over the lines of a results file (fed one NDJSON line at a time): each result with
 * usage goes to `onResult` as it arrives, so memory stays constant whatever the file's size.
 */
export function createBatchResultsParser(
  kind: BatchResultsKind,
  onResult: (line: BatchResultLine) => void,
): StreamParser {
  let events = 0;
  return {
    onEvent(data) {
      events++;
      const line = readBatchResultLine(kind, data);
      if (line !== undefined) onResult(line);
      return false; // the end of the body is the end of the file
    },
    result: () => ({}),
    stats: () => ({ events, malformed: 0, terminal: false }),
  };
}
