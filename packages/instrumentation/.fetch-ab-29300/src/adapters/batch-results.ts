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

/** A download of batch results: whose format, which batch (when the URL names it), and where. */
export interface BatchResultsDownload {
  kind: BatchResultsKind;
  /** The Anthropic batch id from the URL; OpenAI's output file URL names only the file. */
  batchId?: string;
  /** The provider, server and port, as an inference call to the same base URL would be recorded. */
  provider: string;
  serverAddress: string;
  serverPort: number;
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
 * The batch results download a GET is, or null. The provider is the one an inference call under
 * the same base URL gets (`.../chat/completions` for OpenAI, `.../messages` for Anthropic).
 */
export function recognizeBatchResults(url: URL, options?: RecognizeOptions): BatchResultsDownload | null {
  const path = url.pathname;
  let kind: BatchResultsKind;
  let inference: string;
  let batchId: string | undefined;
  const a = ANTHROPIC_RESULTS.exec(path);
  if (a) {
    kind = 'anthropic';
    inference = `${a[1]}/messages`;
    batchId = decodeSafe(a[2]!);
  } else {
    const o = OPENAI_OUTPUT.exec(path);
    // `/files/{id}/content` alone is too common a path: the API's version prefix is wanted too.
    if (!o || (!o[1]!.includes('/v1') && !o[1]!.includes('/openai'))) return null;
    kind = 'openai';
    inference = `${o[1]}/chat/completions`;
  }
  const probe = new URL(url.href);
  probe.pathname = inference;
  probe.search = '';
  const info = recognizeRequest({ url: probe, method: 'POST', body: undefined }, options);
  if (info === null) return null;
  const wanted = kind === 'anthropic' ? 'anthropic.messages' : 'openai.chat';
  if (info.api !== wanted) return null;
  const out: BatchResultsDownload = {
    kind,
    provider: info.provider,
    serverAddress: info.serverAddress,
    serverPort: info.serverPort,
  };
  if (batchId !== undefined) out.batchId = batchId;
  return out;
}

function decodeSafe(s: string): string {
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
