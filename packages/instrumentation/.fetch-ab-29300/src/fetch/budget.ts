// The pre-send hook in the fetch path (only when one is set: budgets). The hook decides on the call
// before it leaves:
// - proceed: sent as it is, the hook's reservation settled when the call ends;
// - route: the model replaced in the request (the body's `model`, or the URL path for Gemini and
//   Bedrock), sent, recorded with both models;
// - block: answered here with the provider's own 429 and `x-should-retry: false`, never sent; the
//   call is recorded (span, metrics, store) as blocked, at $0.
// A hook that throws or rejects is logged and counted, and the call goes on as if there were none.
import { context } from '@opentelemetry/api';
import { budgetFormat } from '../adapters/budget.js';
import { getAttribution } from '../attribution.js';
import { ERROR_TYPE_BUDGET_EXCEEDED, type LlmCall } from '../call.js';
import { estimateRequestTokens } from '../estimate/request-tokens.js';
import type { PreSendDecision, PreSendHook, PreSendRequest } from '../types.js';
import { canReplaceBody, initHeader, parseBody } from './request.js';

/** Sends the call with these arguments (the body text and its parse, for usage injection). */
export type Send = (
  args: unknown[],
  init: unknown,
  bodyText: string | undefined,
  body: Record<string, unknown> | undefined,
) => Promise<Response>;

export interface OutgoingRequest {
  url: URL;
  input: unknown;
  init: unknown;
  args: unknown[];
  bodyText: string | undefined;
  body: Record<string, unknown> | undefined;
}

/** Whether the model of this request can be replaced. */
function canRewrite(call: LlmCall, r: OutgoingRequest): boolean {
  const api = call.info.api;
  if (api.startsWith('gemini.') || api.startsWith('bedrock.')) {
    // The model is in the URL: the input must be a URL we can replace, and (Bedrock) not signed with
    // SigV4, whose signature covers the path.
    if (typeof r.input !== 'string' && !(r.input instanceof URL)) return false;
    return !initHeader(r.init, 'authorization')?.startsWith('AWS4-');
  }
  return canReplaceBody(r.input, r.init);
}

function preSendRequest(call: LlmCall, r: OutgoingRequest): PreSendRequest {
  const info = call.info;
  let tokens: number | undefined;
  const text = r.bodyText;
  const cacheHint =
    text !== undefined &&
    (info.api === 'anthropic.messages' || info.api.startsWith('bedrock.')) &&
    (text.includes('cache_control') || text.includes('cachePoint'));
  return {
    provider: info.provider,
    operation: info.operation,
    api: info.api,
    model: info.requestModel,
    startTimeMs: call.startTimeMs,
    attribution: getAttribution(context.active()),
    maxOutputTokens: info.maxTokens,
    serviceTier: info.serviceTier,
    batch: info.batch,
    origin: r.url.origin,
    stream: info.stream,
    canRewriteModel: canRewrite(call, r),
    mayWriteCache: cacheHint,
    estimateInputTokens: () => {
      tokens ??= text === undefined ? 0 : estimateRequestTokens(text);
      return tokens;
    },
  };
}

export function checkBudget(
  hook: PreSendHook,
  call: LlmCall,
  r: OutgoingRequest,
  send: Send,
): Promise<Response> {
  const proceed = () => send(r.args, r.init, r.bodyText, r.body);
  let decision: ReturnType<PreSendHook>;
  try {
    decision = hook(preSendRequest(call, r));
  } catch (error) {
    call.runtime.internalError('budgets', error);
    return proceed();
  }
  if (decision instanceof Promise) {
    return decision.then(
      (d) => apply(d, call, r, send),
      (error: unknown) => {
        call.runtime.internalError('budgets', error);
        return proceed();
      },
    );
  }
  return apply(decision, call, r, send);
}

function apply(
  d: PreSendDecision | undefined,
  call: LlmCall,
  r: OutgoingRequest,
  send: Send,
): Promise<Response> {
  if (d === undefined || d.action === 'proceed') {
    call.budgetSettle = d?.settle;
    return send(r.args, r.init, r.bodyText, r.body);
  }
  if (d.action === 'block') return blocked(call, d.budget, d.message);
  try {
    const rewrite = budgetFormat(call.info.api).withModel(r.url, r.bodyText, d.model);
    if (rewrite !== undefined) {
      const args = r.args.slice();
      let init = r.init;
      if (rewrite.url !== undefined) args[0] = r.input instanceof URL ? new URL(rewrite.url) : rewrite.url;
      let text = r.bodyText;
      let body = r.body;
      if (rewrite.bodyText !== undefined) {
        init = { ...(r.init as object), body: rewrite.bodyText };
        args[1] = init;
        text = rewrite.bodyText;
        body = parseBody(text);
      }
      const asked = call.info.requestModel;
      call.info = { ...call.info, requestModel: d.model };
      call.budgetNote =
        asked === undefined
          ? { outcome: 'routed', name: d.budget }
          : { outcome: 'routed', name: d.budget, requestedModel: asked };
      call.budgetSettle = d.settle;
      return send(args, init, text, body);
    }
  } catch (error) {
    call.runtime.internalError('budgets', error);
  }
  // Not routable after all: sent as asked (the reservation, made for the cheaper model, is settled).
  call.budgetSettle = d.settle;
  return send(r.args, r.init, r.bodyText, r.body);
}

/** The provider's 429, answered here; the call is recorded as blocked at $0. */
function blocked(call: LlmCall, budget: string, message: string): Promise<Response> {
  const local = budgetFormat(call.info.api).budgetExceeded(message);
  call.budgetNote = { outcome: 'blocked', name: budget };
  call.onHeaders();
  call.finish(undefined, { httpStatus: local.status, errorType: ERROR_TYPE_BUDGET_EXCEEDED, blocked: true });
  return Promise.resolve(
    new Response(local.body, { status: local.status, statusText: local.statusText, headers: local.headers }),
  );
}
