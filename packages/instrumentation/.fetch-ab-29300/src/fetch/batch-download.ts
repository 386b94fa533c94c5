// Downloads of batch results (OpenAI Batch output files, Anthropic Message Batches results): the
// body is tapped like a stream (the same Response object, the same bytes, read only as the app
// reads), split into lines, and each result line with usage is recorded as one call priced at the
// batch tier, with its batch id (when the URL names it) and custom id. The download itself is no
// LLM call: it makes no span and no record of its own.

import type { ResponseInfo } from '../adapters/index.js';
import {
  type BatchResultLine,
  type BatchResultsDownload,
  createBatchResultsParser,
  type RequestInfo,
  recognizeBatchResults,
  type StreamParser,
  WIRE_FORMATS,
} from '../adapters/index.js';
import { type FinishOptions, LlmCall } from '../call.js';
import type { FetchFn, TokenmeterRuntime } from '../runtime.js';
import { urlOf } from './request.js';
import { tapStream } from './tap-stream.js';

/** The download, carried through the stream tap: its parser records each result line. */
class BatchResultsCall extends LlmCall {
  private readonly download: BatchResultsDownload;
  private readonly resultsOrigin: string;

  constructor(runtime: TokenmeterRuntime, info: RequestInfo, download: BatchResultsDownload, origin: string) {
    super(runtime, info);
    this.download = download;
    this.resultsOrigin = origin;
  }

  override streamParser(): StreamParser {
    return createBatchResultsParser(this.download.kind, (line) => this.record(line));
  }

  /** The download ended (the body's end, an error or a cancel): nothing of its own to record. */
  override finish(_response: ResponseInfo | undefined, _options?: FinishOptions): void {
    if (this.done) return;
    this.done = true;
    this.runtime.pending.delete(this);
  }

  private record(line: BatchResultLine): void {
    try {
      const d = this.download;
      const format = WIRE_FORMATS[line.api];
      const info: RequestInfo = {
        provider: d.provider,
        operation: format.operation,
        stream: false,
        batch: true,
        batchCustomId: line.customId,
        serverAddress: d.serverAddress,
        serverPort: d.serverPort,
        api: line.api,
      };
      if (line.model !== undefined) info.requestModel = line.model;
      if (d.batchId !== undefined) info.batchId = d.batchId;
      const call = new LlmCall(this.runtime, info, { origin: this.resultsOrigin });
      call.finish(line.response, { httpStatus: line.status });
    } catch (error) {
      this.runtime.internalError('batch', error);
    }
  }
}

/**
 * A GET the app makes: when it downloads batch results, observe them; otherwise (and on any
 * failure of ours) the call goes on untouched.
 */
export function batchDownload(
  runtime: TokenmeterRuntime,
  original: FetchFn,
  self: unknown,
  args: unknown[],
): Promise<Response> {
  let call: BatchResultsCall;
  try {
    const url = urlOf(args[0]);
    const download = url && recognizeBatchResults(url, runtime.recognizeOptions);
    if (!url || !download) return Reflect.apply(original, self, args);
    const info: RequestInfo = {
      provider: download.provider,
      operation: 'batch_results',
      stream: true,
      streamFormat: 'ndjson',
      serverAddress: download.serverAddress,
      serverPort: download.serverPort,
      api: download.kind === 'anthropic' ? 'anthropic.messages' : 'openai.chat',
    };
    call = new BatchResultsCall(runtime, info, download, url.origin);
  } catch (error) {
    runtime.internalError('batch', error);
    return Reflect.apply(original, self, args);
  }
  return Promise.resolve(Reflect.apply(original, self, args) as Promise<Response>).then((response) => {
    try {
      if (response?.status !== 200 || response.body === null) return response;
      return tapStream(response, call, { framing: 'ndjson', injected: false, captureText: false });
    } catch (error) {
      runtime.internalError('batch', error);
      return response;
    }
  });
}
