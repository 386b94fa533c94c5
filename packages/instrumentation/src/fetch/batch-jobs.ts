// Requests about batch jobs (see adapters/batch-jobs.ts). Creating a batch makes one span, a
// `create_batch` operation without cost: its batch id, request count and input file, the provider,
// the server and the attribution, or the error; a created batch is counted in
// tokenmeter.batch.creations. It is not an LLM call: no CallRecord, so no llm_requests_total, no
// store row and no $0 in the cost per request; the batch's requests are
// recorded, priced at the batch tier, when their results are downloaded. Reading an OpenAI batch
// (create, retrieve, list) teaches which output and error files are the batch's. The body is
// observed as the app reads it (never cloned), like any non-streamed response.
import { type Context, context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TOKENMETER_BATCH_ID,
  ATTR_TOKENMETER_BATCH_INPUT_FILE_ID,
  ATTR_TOKENMETER_BATCH_REQUEST_COUNT,
  ATTR_TOKENMETER_FEATURE,
  ATTR_TOKENMETER_TENANT_ID,
  ATTR_TOKENMETER_USER_ID,
  GEN_AI_OPERATION_NAME_VALUE_CREATE_BATCH,
} from '@tokenmeter/semconv';
import {
  type BatchJob,
  type BatchJobRequest,
  type HeaderSource,
  type RequestInfo,
  type ResponseInfo,
  readBatchJobs,
  recognizeBatchJob,
} from '../adapters/index.js';
import { getAttribution } from '../attribution.js';
import { errorTypeOf, type FinishOptions, LlmCall } from '../call.js';
import type { TokenmeterRuntime } from '../runtime.js';
import { observeBody } from './observe-body.js';

class BatchJobCall extends LlmCall {
  private readonly request: BatchJobRequest;
  private readonly parent: Context;
  private jobs: BatchJob[] = [];

  constructor(runtime: TokenmeterRuntime, info: RequestInfo, request: BatchJobRequest) {
    super(runtime, info);
    this.request = request;
    this.parent = context.active();
  }

  /** The batch objects of the response: remembered for the output files, kept for the span. */
  override readResponse(json: unknown, _headers: HeaderSource): ResponseInfo {
    this.jobs = readBatchJobs(json);
    if (this.request.kind === 'openai') {
      for (const job of this.jobs) {
        if (job.outputFileId !== undefined) this.runtime.learnBatchFile(job.outputFileId, job.id);
        if (job.errorFileId !== undefined) this.runtime.learnBatchFile(job.errorFileId, job.id);
      }
    }
    return {};
  }

  /** The response ended (read, failed, or never read): a creation is recorded as its span. */
  override finish(_response: ResponseInfo | undefined, options: FinishOptions = {}): void {
    if (this.done) return;
    this.done = true;
    try {
      this.runtime.pending.delete(this);
      if (this.request.action !== 'create') return;
      this.createSpan(options);
      if (options.errorType === undefined) this.runtime.metrics.batchCreated(this.request.provider);
    } catch (error) {
      this.runtime.internalError('batch', error);
    }
  }

  private createSpan(options: FinishOptions): void {
    const r = this.request;
    const span = this.runtime.tracer.startSpan(
      GEN_AI_OPERATION_NAME_VALUE_CREATE_BATCH,
      {
        kind: SpanKind.CLIENT,
        startTime: performance.timeOrigin + this.startPerf,
        attributes: {
          [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CREATE_BATCH,
          [ATTR_GEN_AI_PROVIDER_NAME]: r.provider,
          [ATTR_SERVER_ADDRESS]: r.serverAddress,
          [ATTR_SERVER_PORT]: r.serverPort,
        },
      },
      this.parent,
    );
    if (span.isRecording()) {
      const job = this.jobs[0];
      if (job !== undefined) {
        span.setAttribute(ATTR_TOKENMETER_BATCH_ID, job.id);
        if (job.requestCount !== undefined)
          span.setAttribute(ATTR_TOKENMETER_BATCH_REQUEST_COUNT, job.requestCount);
        if (job.inputFileId !== undefined)
          span.setAttribute(ATTR_TOKENMETER_BATCH_INPUT_FILE_ID, job.inputFileId);
      }
      const at = getAttribution(this.parent);
      if (at.feature !== undefined) span.setAttribute(ATTR_TOKENMETER_FEATURE, at.feature);
      if (at.user !== undefined) span.setAttribute(ATTR_TOKENMETER_USER_ID, at.user);
      if (at.tenant !== undefined) span.setAttribute(ATTR_TOKENMETER_TENANT_ID, at.tenant);
      if (options.errorType !== undefined) {
        span.setAttribute(ATTR_ERROR_TYPE, options.errorType);
        span.setStatus({ code: SpanStatusCode.ERROR, message: options.errorType });
      }
    }
    span.end(performance.timeOrigin + (options.endPerf ?? performance.now()));
  }
}

/**
 * A request about a batch job (`method` upper case), sent with `send`, observed. Null when it is
 * not one (or on a failure of ours before sending): the caller sends it itself. Never throws: a
 * `send` that throws (a user's fetch) rejects the returned promise with the same error.
 */
export function batchJob(
  runtime: TokenmeterRuntime,
  send: () => Promise<Response>,
  url: URL,
  method: string,
): Promise<Response> | null {
  let call: BatchJobCall;
  try {
    const request = recognizeBatchJob(url, method, runtime.recognizeOptions);
    if (request === null) return null;
    const info: RequestInfo = {
      provider: request.provider,
      operation: GEN_AI_OPERATION_NAME_VALUE_CREATE_BATCH,
      stream: false,
      serverAddress: request.serverAddress,
      serverPort: request.serverPort,
      api: request.kind === 'anthropic' ? 'anthropic.messages' : 'openai.chat',
    };
    call = new BatchJobCall(runtime, info, request);
  } catch (error) {
    runtime.internalError('batch', error);
    return null;
  }
  let pending: Promise<Response>;
  try {
    pending = Promise.resolve(send());
  } catch (error) {
    pending = Promise.reject(error);
  }
  return pending.then(
    (response) => {
      try {
        call.onHeaders();
        const status = response?.status;
        if (typeof status !== 'number' || status >= 400 || response.body === null) {
          call.finish(
            undefined,
            typeof status === 'number' && status >= 400 ? { errorType: String(status) } : {},
          );
          return response;
        }
        observeBody(response, call);
      } catch (error) {
        runtime.internalError('batch', error);
        call.finish(undefined);
      }
      return response;
    },
    (error: unknown) => {
      call.finish(undefined, { errorType: errorTypeOf(error) });
      throw error;
    },
  );
}
