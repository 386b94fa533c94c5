// One observed LLM call, from the request to the end of its response. The request path only keeps
// the active context and two clocks; when the response ends, the call builds the CallRecord, prices
// it, and hands it to the CLIENT span (created then, with its real start time and parent, and never
// made the active context; attributes are built only when it records), the metrics and the
// onCallRecord sink.
import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_GEN_AI_OPENAI_RESPONSE_SERVICE_TIER,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TOKENMETER_AI_GATEWAY_NAME,
  ATTR_TOKENMETER_BATCH_CUSTOM_ID,
  ATTR_TOKENMETER_BATCH_ID,
  ATTR_TOKENMETER_BUDGET_ACTION,
  ATTR_TOKENMETER_BUDGET_NAME,
  ATTR_TOKENMETER_BUDGET_REQUESTED_MODEL,
  ATTR_TOKENMETER_COST_LOCAL,
  ATTR_TOKENMETER_FEATURE,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_TENANT_ID,
  ATTR_TOKENMETER_USAGE_ESTIMATED,
  ATTR_TOKENMETER_USER_ID,
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  TOKENMETER_BUDGET_ACTION_VALUE_BLOCK,
  TOKENMETER_BUDGET_ACTION_VALUE_ROUTE_CHEAP,
} from '@tokenmeter/semconv';
import {
  type CapturedText,
  type HeaderSource,
  parseResponse,
  type RequestInfo,
  type ResponseInfo,
  type StreamParser,
  WIRE_FORMATS,
} from './adapters/index.js';
import { wholeBody } from './adapters/json-scan.js';
import { getAttribution } from './attribution.js';
import { callEndings, type EndedCall } from './call-endings.js';
import type { CallRecord } from './call-record.js';
import { inputMessages, type Message, outputMessages, serializeMessages, streamedOutput } from './content.js';
import { writeCostAttributes } from './cost-attributes.js';
import { coverage } from './coverage.js';
import { canEstimateNow, type EstimateInput, estimateUsage, estimateUsageNow } from './estimate/index.js';
import { reportParserFailure } from './internal-error.js';
import type { PendingCall } from './pending.js';
import { type PriceOutcome, priceCheckedCall } from './price.js';
import { reportedCost } from './reported-cost.js';
import type { TokenmeterRuntime } from './runtime.js';

export interface StartOptions {
  /**
   * The parsed request body, kept only when content capture or estimation needs it: possibly a
   * shallow parse (long prompt values left out), then `requestText` too, parsed whole on use.
   */
  requestBody?: unknown;
  requestText?: string | undefined;
  /** The request URL's origin (pricing uses it for Azure and unknown hosts). */
  origin?: string | undefined;
  /** The context active when the request was made, when the caller has read it; default: read now. */
  context?: Context | undefined;
}

export interface FinishOptions {
  /** error.type: an HTTP status code as a string, or an error class name. */
  errorType?: string | undefined;
  httpStatus?: number | undefined;
  /** performance.now() at the end; default now. */
  endPerf?: number | undefined;
  /** The parsed response body (content capture of non-streamed responses). */
  responseJson?: unknown;
  /** Output text a stream parser kept (estimation, content capture). */
  outputText?: CapturedText | undefined;
  /** A budget blocked the call before it was sent: no tokens, priced at $0. */
  blocked?: boolean | undefined;
}

/** error.type of a call a budget blocked (answered locally with the provider's 429). */
export const ERROR_TYPE_BUDGET_EXCEEDED = 'budget_exceeded';

/** What a budget did to a call, for its span, metrics and record. */
export interface BudgetNote {
  outcome: 'blocked' | 'routed';
  /** The budget that acted. */
  name: string;
  /** The model the application asked for (routed calls). */
  requestedModel?: string;
}

/**
 * error.type of a stream whose body ended before the protocol's terminal event ([DONE],
 * message_stop, response.completed, ...): the provider or a proxy cut it short, even when the app's
 * SDK reports no error. Not when every finish reason and the usage arrived (`streamCompleted`).
 */
export const ERROR_TYPE_INCOMPLETE_STREAM = 'incomplete_stream';
/** error.type of a successful (2xx) response whose JSON body does not parse. */
export const ERROR_TYPE_MALFORMED_RESPONSE = 'malformed_response';

/** An error's error.type: its name (AbortError, TimeoutError, TypeError), else `Error`. */
export function errorTypeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return 'Error';
}

const BLOCKED_USAGE = Object.freeze({ inputTokens: 0, outputTokens: 0 });

/**
 * Largest body text whose parse waits for the call's batch (a burst of queued calls holds at most
 * MAX_QUEUED of them); a longer one is parsed when the app reads it.
 */
const MAX_DEFERRED_BODY_CHARS = 64 * 1024;

const OPENAI_TIER_PROVIDERS = new Set<string>([
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
]);

export class LlmCall implements PendingCall, EndedCall {
  readonly startTimeMs: number = Date.now();
  readonly startPerf: number = performance.now();
  headersAt = 0;
  firstChunkAt: number | undefined;
  /** The response status, once headers arrived. */
  httpStatus: number | undefined;
  /** The context active when the request was made: the span's parent, and the attribution. */
  private readonly ctx: Context;
  done = false;
  /** Set by the stream tap when usage may have to be counted locally. */
  estimateIfMissing = false;
  /** Set when a budget blocked or routed the call. */
  budgetNote: BudgetNote | undefined;
  /** The budget reservation to settle when the call ends (before the record reaches the sinks). */
  budgetSettle: ((record: CallRecord) => void) | undefined;
  /** The AI gateway the call went through: from the URL, or named by the response headers. */
  gateway: string | undefined;
  /** The cost a gateway reported in a response header (LiteLLM), in nano-dollars. */
  headerCostNanos: number | undefined;
  /** The gateway answered from its own cache (its cache-status header says HIT): no provider cost. */
  gatewayCacheHit: boolean | undefined;
  private readonly requestBody: unknown;
  private readonly requestText: string | undefined;
  /** The request URL's origin. */
  readonly origin: string | undefined;
  /** What the call ended with, while it waits in a batch (call-endings.ts). */
  private ended:
    | {
        response: ResponseInfo | undefined;
        options: FinishOptions;
        endPerf: number;
        estimated: boolean;
        /** The usage is to be counted locally when the call completes (the tokenizer is loaded). */
        estimateLater: boolean;
        /** The non-streamed body's text, parsed when the call completes (`finishWithText`). */
        bodyText: string | undefined;
        headers: HeaderSource | undefined;
      }
    | undefined;

  constructor(
    readonly runtime: TokenmeterRuntime,
    /** What the request says; replaced when a budget routes the call to another model. */
    public info: RequestInfo,
    options: StartOptions = {},
  ) {
    const ctx = options.context ?? context.active();
    this.ctx = ctx;
    this.requestBody = options.requestBody;
    this.requestText = options.requestText;
    this.origin = options.origin;
    this.gateway = info.gateway;
    const cov = coverage();
    if (cov.active) {
      const parent = trace.getSpanContext(ctx);
      if (parent !== undefined) cov.parentSpans.add(parent.spanId);
    }
  }

  /** The parser of a streamed body, when not the format's own (batch results downloads). */
  streamParser(): StreamParser | undefined {
    return undefined;
  }

  /** Read a non-streamed JSON response body: the format's parser (a batch job reads its own). */
  readResponse(json: unknown, headers: HeaderSource): ResponseInfo {
    return parseResponse(this.info, json, headers, reportParserFailure);
  }

  /** End the call with its non-streamed response's parsed JSON body. Never throws. */
  finishWithJson(json: unknown, httpStatus: number, headers: HeaderSource): void {
    if (this.done) return;
    const [response, options] = this.readJson(json, httpStatus, headers);
    this.finish(response, options);
  }

  /**
   * End the call with its non-streamed response's body text. When the call ends in a batch, the text
   * is parsed there, not on the app's continuation: a JSON.parse right after the socket read cost
   * ~2.3 × the same parse among others (the mock's 930-byte body: ~9 against ~3.8 µs). Never throws.
   */
  finishWithText(text: string, httpStatus: number, headers: HeaderSource): void {
    if (this.done) return;
    if (!this.parsesLater(text)) {
      const [response, options] = this.parseText(text, httpStatus, headers);
      this.finish(response, options);
      return;
    }
    this.done = true;
    const endPerf = performance.now();
    try {
      this.runtime.pending.delete(this);
      this.ended = {
        response: undefined,
        options: { httpStatus },
        endPerf,
        estimated: false,
        estimateLater: false,
        bodyText: text,
        headers,
      };
      this.queueEnded();
    } catch (error) {
      this.runtime.internalError('call', error);
    }
  }

  /**
   * Whether the body's parse can wait for the batch: it changes nothing the call does before then
   * (no budget reservation to settle at once, no local count deciding at the end, no peer span to
   * cover, no headers to read), and the text is not large. A subclass (a batch job, a results
   * download) reads and ends its own way, at once.
   */
  private parsesLater(text: string): boolean {
    return (
      this.runtime.endCallsInBatches &&
      Object.getPrototypeOf(this) === LlmCall.prototype &&
      this.budgetSettle === undefined &&
      !this.estimateIfMissing &&
      text.length <= MAX_DEFERRED_BODY_CHARS &&
      WIRE_FORMATS[this.info.api]?.readsResponseHeaders !== true &&
      !coverage().active
    );
  }

  /** A body text's JSON read: a body that does not parse ends the call as malformed, without usage. */
  private parseText(
    text: string,
    httpStatus: number,
    headers: HeaderSource,
  ): [ResponseInfo | undefined, FinishOptions] {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON (a malformed or cut body): the call ends without usage; the app sees its own error.
      return [undefined, { httpStatus, errorType: ERROR_TYPE_MALFORMED_RESPONSE }];
    }
    return this.readJson(json, httpStatus, headers);
  }

  private readJson(
    json: unknown,
    httpStatus: number,
    headers: HeaderSource,
  ): [ResponseInfo | undefined, FinishOptions] {
    try {
      return [
        this.readResponse(json, headers),
        { httpStatus, responseJson: this.runtime.config.captureMessageContent ? json : undefined },
      ];
    } catch (error) {
      this.runtime.internalError('response', error);
      return [undefined, { httpStatus }];
    }
  }

  /** Response headers arrived. */
  onHeaders(): void {
    this.headersAt = performance.now();
  }

  /** The body was never read: end at the time the headers arrived. */
  expire(): void {
    this.finish(undefined, { endPerf: this.headersAt || undefined, httpStatus: this.httpStatus });
  }

  /** End the call (once; later calls are ignored). Never throws. */
  finish(response: ResponseInfo | undefined, options: FinishOptions = {}): void {
    if (this.done) return;
    this.done = true;
    const endPerf = options.endPerf ?? performance.now();
    try {
      this.runtime.pending.delete(this);
      if (
        response?.usage === undefined &&
        response?.invalidUsage === undefined &&
        this.estimateIfMissing &&
        (options.errorType === undefined || options.errorType === ERROR_TYPE_INCOMPLETE_STREAM)
      ) {
        // Counted when the call completes (in the batch, off the app's continuation) once the
        // tokenizer is loaded; the first call of a model waits for its load.
        if (canEstimateNow(response?.responseModel ?? this.info.requestModel))
          this.end(response, options, endPerf, false, true);
        else void this.estimateThenComplete(response, options, endPerf);
        return;
      }
      this.end(response, options, endPerf, false, false);
    } catch (error) {
      this.runtime.internalError('call', error);
    }
  }

  /**
   * Complete the call now, or queue it for the next batch when the runtime ends calls in batches.
   * A call holding a budget reservation completes now: the ledger learns the real cost at once.
   */
  private end(
    response: ResponseInfo | undefined,
    options: FinishOptions,
    endPerf: number,
    estimated: boolean,
    estimateLater: boolean,
  ): void {
    const responseId = response?.responseId;
    if (responseId !== undefined) {
      // Now, not in the batch: a peer's span for the same call may end before the batch runs.
      const cov = coverage();
      if (cov.active) cov.responseIds.add(responseId);
    }
    if (this.runtime.endCallsInBatches && this.budgetSettle === undefined) {
      // One shape for every ended call (finishWithText's too): completeEnded reads one map.
      this.ended = {
        response,
        options,
        endPerf,
        estimated,
        estimateLater,
        bodyText: undefined,
        headers: undefined,
      };
      this.queueEnded();
      return;
    }
    this.complete(response, options, endPerf, estimated, estimateLater);
  }

  /** Queue the call (its `ended` set) for the next batch. */
  private queueEnded(): void {
    const endings = callEndings();
    // A collection before the batch runs must find the instruments whose callback drains it.
    if (endings.size === 0) this.runtime.metrics.prepare();
    endings.add(this);
  }

  completeEnded(): void {
    const ended = this.ended;
    if (ended === undefined) return;
    this.ended = undefined;
    try {
      let response = ended.response;
      let options = ended.options;
      if (ended.bodyText !== undefined) {
        [response, options] = this.parseText(ended.bodyText, options.httpStatus!, ended.headers!);
        const responseId = response?.responseId;
        if (responseId !== undefined) {
          const cov = coverage();
          if (cov.active) cov.responseIds.add(responseId);
        }
      }
      this.complete(response, options, ended.endPerf, ended.estimated, ended.estimateLater);
    } catch (error) {
      this.runtime.internalError('call', error);
    }
  }

  /** What the local count of the call's usage reads. */
  private estimateInput(response: ResponseInfo | undefined, options: FinishOptions): EstimateInput {
    return {
      provider: this.info.provider,
      model: response?.responseModel ?? this.info.requestModel,
      api: this.info.api,
      requestBody: wholeBody(this.requestBody, this.requestText),
      outputText: options.outputText,
    };
  }

  /** The span of the call, started at the request's time under the request's context. */
  private startSpan(provider: string): Span {
    const info = this.info;
    const attributes: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: info.operation,
      [ATTR_GEN_AI_PROVIDER_NAME]: provider,
      [ATTR_SERVER_ADDRESS]: info.serverAddress,
      [ATTR_SERVER_PORT]: info.serverPort,
    };
    const model = info.requestModel;
    if (model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = model;
    return this.runtime.tracer.startSpan(
      model === undefined ? info.operation : `${info.operation} ${model}`,
      { kind: SpanKind.CLIENT, attributes, startTime: performance.timeOrigin + this.startPerf },
      this.ctx,
    );
  }

  private async estimateThenComplete(
    response: ResponseInfo | undefined,
    options: FinishOptions,
    endPerf: number,
  ): Promise<void> {
    let usage: ResponseInfo['usage'];
    try {
      const estimated = await estimateUsage(this.estimateInput(response, options));
      usage = estimated.usage;
    } catch (error) {
      this.runtime.internalError('estimate', error);
    }
    try {
      this.end(usage ? { ...response, usage } : response, options, endPerf, usage !== undefined, false);
    } catch (error) {
      this.runtime.internalError('call', error);
    }
  }

  /**
   * Price the call, build its record, end its span and hand the record to the sinks (the usage
   * counted locally first when `estimateLater`).
   */
  private complete(
    response: ResponseInfo | undefined,
    options: FinishOptions,
    endPerf: number,
    estimated: boolean,
    estimateLater: boolean,
  ): void {
    if (estimateLater) {
      const counted = estimateUsageNow(this.estimateInput(response, options))?.usage;
      if (counted !== undefined) {
        response = { ...response, usage: counted };
        estimated = true;
      }
    }
    const info = this.info;
    const runtime = this.runtime;
    // A blocked call was never sent: it used no token and costs $0 (priced, so it is not unpriced).
    const usage = options.blocked ? BLOCKED_USAGE : response?.usage;
    const durationMs = Math.max(0, endPerf - this.startPerf);
    const errorType = options.errorType ?? response?.errorType;
    if (response?.invalidUsage !== undefined)
      runtime.providerProblem(
        `invalid_usage ${info.provider}`,
        `${info.provider} reported invalid usage (${response.invalidUsage}); the call is recorded unpriced (invalid_usage), without token counts`,
      );
    const model = response?.responseModel ?? info.requestModel;
    // The usage is the adapters' (checked there), a local count or BLOCKED_USAGE: not checked again.
    const priced: PriceOutcome = priceCheckedCall(
      info.provider,
      model,
      usage,
      response?.invalidUsage !== undefined,
      this.startTimeMs,
      info.serviceTier,
      info.batch,
      this.origin,
      info.providerFromModel,
    );
    // Through a gateway or to an unknown host, the provider whose list priced the call is the one
    // recorded; server.address and the gateway name keep where the call went.
    const provider = priced.inferredProvider ?? info.provider;
    const gateway = this.gateway;
    // A cost the response reports counts only from a gateway (a provider's own API reports none);
    // an answer from the gateway's cache cost nothing, whatever the cached body says.
    const cacheHit = this.gatewayCacheHit === true;
    const reported =
      gateway === undefined || options.blocked
        ? undefined
        : cacheHit
          ? 0
          : (response?.reportedCostNanos ?? this.headerCostNanos);
    const cost =
      reported === undefined
        ? priced.cost
        : reportedCost(reported, priced.cost, cacheHit ? `${gateway}-cache` : gateway!, model);
    const span = this.startSpan(provider);
    const spanContext = span.spanContext();
    const sampled = (spanContext.traceFlags & 1) === 1;
    const record: CallRecord = {
      startTimeMs: this.startTimeMs,
      durationMs,
      provider,
      operation: info.operation,
      stream: info.stream,
      serverAddress: info.serverAddress,
      serverPort: info.serverPort,
      usageEstimated: estimated,
      cost,
      // A reported cost on a model with no local price: the match says the provider priced it.
      pricingMatch: reported !== undefined && priced.cost === null ? 'provider_reported' : priced.match,
      attribution: getAttribution(this.ctx),
      sampled,
    };
    if (usage !== undefined) record.usage = usage;
    if (reported !== undefined && priced.cost !== null) record.localCost = priced.cost;
    if (gateway !== undefined) record.gateway = gateway;
    if (info.requestModel !== undefined) record.requestModel = info.requestModel;
    if (response?.responseModel !== undefined) record.responseModel = response.responseModel;
    if (response?.responseId !== undefined) record.responseId = response.responseId;
    if (response?.finishReasons !== undefined) record.finishReasons = response.finishReasons;
    if (info.serviceTier !== undefined) record.serviceTier = info.serviceTier;
    if (info.batch !== undefined) {
      record.batch = info.batch;
      if (info.batchId !== undefined) record.batchId = info.batchId;
      if (info.batchCustomId !== undefined) record.batchCustomId = info.batchCustomId;
    }
    if (this.firstChunkAt !== undefined) record.timeToFirstChunkMs = this.firstChunkAt - this.startPerf;
    if (errorType !== undefined) record.errorType = errorType;
    if (options.httpStatus !== undefined) record.httpStatus = options.httpStatus;
    if (sampled) {
      record.traceId = spanContext.traceId;
      record.spanId = spanContext.spanId;
    }
    const note = this.budgetNote;
    if (note !== undefined) {
      record.budgetOutcome = note.outcome;
      record.budgetName = note.name;
      if (note.requestedModel !== undefined) record.requestedModel = note.requestedModel;
    }
    if (span.isRecording()) {
      try {
        this.setSpanAttributes(span, record, response, options);
        if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
      } catch (error) {
        runtime.internalError('span', error);
      }
    }
    span.end(performance.timeOrigin + endPerf);

    const settle = this.budgetSettle;
    if (settle !== undefined) {
      try {
        settle(record);
      } catch (error) {
        runtime.internalError('budgets', error);
      }
    }
    runtime.metrics.record(record);
    const sink = runtime.config.onCallRecord;
    if (sink !== undefined) {
      try {
        sink(record);
      } catch (error) {
        runtime.internalError('on_call_record', error);
      }
    }
  }

  /**
   * The span's attributes past the start ones, built in one object and set with one `setAttributes`:
   * one call site into the SDK instead of ~30 `setAttribute`s (less code for V8's optimising compiler
   * in a fresh process; the walk costs ~0.3 µs per span in steady state: bench/span-attributes-ab.ts).
   */
  private setSpanAttributes(
    span: Span,
    r: CallRecord,
    response: ResponseInfo | undefined,
    options: FinishOptions,
  ): void {
    const info = this.info;
    const a: Attributes = {};
    if (info.maxTokens !== undefined) a[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = info.maxTokens;
    if (info.temperature !== undefined) a[ATTR_GEN_AI_REQUEST_TEMPERATURE] = info.temperature;
    if (info.topP !== undefined) a[ATTR_GEN_AI_REQUEST_TOP_P] = info.topP;
    if (info.choiceCount !== undefined && info.choiceCount !== 1)
      a[ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = info.choiceCount;
    if (info.stream) a[ATTR_GEN_AI_REQUEST_STREAM] = true;
    if (OPENAI_TIER_PROVIDERS.has(r.provider)) {
      if (info.serviceTier !== undefined) a[ATTR_GEN_AI_OPENAI_REQUEST_SERVICE_TIER] = info.serviceTier;
      if (response?.serviceTier !== undefined)
        a[ATTR_GEN_AI_OPENAI_RESPONSE_SERVICE_TIER] = response.serviceTier;
    }
    if (r.responseId !== undefined) a[ATTR_GEN_AI_RESPONSE_ID] = r.responseId;
    if (r.responseModel !== undefined) a[ATTR_GEN_AI_RESPONSE_MODEL] = r.responseModel;
    if (r.finishReasons !== undefined) a[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = r.finishReasons;
    const u = r.usage;
    if (u !== undefined) {
      a[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = u.inputTokens;
      a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = u.outputTokens;
      if (u.cacheReadTokens !== undefined) a[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = u.cacheReadTokens;
      if (u.cacheWriteTokens !== undefined)
        a[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = u.cacheWriteTokens;
      if (u.reasoningTokens !== undefined) a[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = u.reasoningTokens;
      if (r.usageEstimated) a[ATTR_TOKENMETER_USAGE_ESTIMATED] = true;
    }
    if (r.errorType !== undefined) a[ATTR_ERROR_TYPE] = r.errorType;
    if (r.batch === true) {
      if (r.batchId !== undefined) a[ATTR_TOKENMETER_BATCH_ID] = r.batchId;
      if (r.batchCustomId !== undefined) a[ATTR_TOKENMETER_BATCH_CUSTOM_ID] = r.batchCustomId;
    }
    const cost = r.cost;
    a[ATTR_TOKENMETER_PRICING_MATCH] = r.pricingMatch;
    if (cost !== null) writeCostAttributes(a, cost, this.runtime.config.costAttributes);
    if (r.localCost !== undefined) a[ATTR_TOKENMETER_COST_LOCAL] = r.localCost.totalUsd;
    if (r.gateway !== undefined) a[ATTR_TOKENMETER_AI_GATEWAY_NAME] = r.gateway;
    if (r.budgetOutcome !== undefined) {
      if (r.budgetName !== undefined) a[ATTR_TOKENMETER_BUDGET_NAME] = r.budgetName;
      a[ATTR_TOKENMETER_BUDGET_ACTION] =
        r.budgetOutcome === 'blocked'
          ? TOKENMETER_BUDGET_ACTION_VALUE_BLOCK
          : TOKENMETER_BUDGET_ACTION_VALUE_ROUTE_CHEAP;
      if (r.requestedModel !== undefined) a[ATTR_TOKENMETER_BUDGET_REQUESTED_MODEL] = r.requestedModel;
    }
    const at = r.attribution;
    if (at.feature !== undefined) a[ATTR_TOKENMETER_FEATURE] = at.feature;
    if (at.user !== undefined) a[ATTR_TOKENMETER_USER_ID] = at.user;
    if (at.tenant !== undefined) a[ATTR_TOKENMETER_TENANT_ID] = at.tenant;
    span.setAttributes(a);
    if (this.runtime.config.captureMessageContent) this.contentAttributes(span, r, options);
  }

  private contentAttributes(span: Span, r: CallRecord, options: FinishOptions): void {
    try {
      const max = this.runtime.config.maxContentBytes;
      const input = inputMessages(this.info.api, wholeBody(this.requestBody, this.requestText));
      if (input) span.setAttribute(ATTR_GEN_AI_INPUT_MESSAGES, serializeMessages(input, max));
      let output: Message[] | undefined;
      if (options.responseJson !== undefined) output = outputMessages(this.info.api, options.responseJson);
      else if (options.outputText !== undefined)
        output = streamedOutput(options.outputText.text, r.finishReasons);
      if (output) span.setAttribute(ATTR_GEN_AI_OUTPUT_MESSAGES, serializeMessages(output, max));
    } catch (error) {
      this.runtime.internalError('content', error);
    }
  }
}
