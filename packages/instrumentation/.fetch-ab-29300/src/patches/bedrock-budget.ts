// The pre-send hook for the AWS SDK's Bedrock runtime client. It runs at the `initialize` step, above
// the SDK's retry step: a blocked command throws the SDK's own ThrottlingException there, and the
// retry strategy (which retries throttling errors) never sees it, so the app gets it at once. A
// routed command goes on with `modelId` replaced (the SDK builds the URL path from it). The decision
// travels in the command's context to the first HTTP attempt (patches/bedrock.ts), whose call holds
// the reservation; a retried attempt asks the hook again.
import { diag } from '@opentelemetry/api';
import type { RequestInfo } from '../adapters/index.js';
import { recognizeBedrockCommand } from '../adapters/index.js';
import { getAttribution } from '../attribution.js';
import { type BudgetNote, ERROR_TYPE_BUDGET_EXCEEDED, LlmCall } from '../call.js';
import type { CallRecord } from '../call-record.js';
import { estimateRequestTokens } from '../estimate/request-tokens.js';
import type { TokenmeterRuntime } from '../runtime.js';
import type { PreSendDecision, PreSendHook } from '../types.js';

/** Where the initialize step leaves its decision for the first attempt (the command's context). */
export const PENDING_BUDGET = Symbol.for('tokenmeter.instrumentation.bedrock.budget');

export interface PendingBudget {
  note: BudgetNote | undefined;
  settle: ((record: CallRecord) => void) | undefined;
}

type Handler = (args: {
  input: unknown;
  request?: unknown;
}) => Promise<{ response: unknown; output: unknown }>;
type Context = { commandName?: string; [PENDING_BUDGET]?: PendingBudget };
export type ThrottlingCtor = new (opts: { message: string; $metadata: Record<string, unknown> }) => Error;

/** Bytes of an InvokeModel body or a document/image become placeholders of their size, not `{"0":..}`. */
function inputText(input: unknown): string {
  const decoder = new TextDecoder();
  return JSON.stringify(input, (_k, v: unknown) => {
    if (v instanceof Uint8Array) {
      const text = v.length < 1_000_000 ? decoder.decode(v) : '';
      // JSON bodies (InvokeModel) are text; media is counted as one part.
      return text.startsWith('{') ? text : 'A'.repeat(Math.min(v.length, 4096));
    }
    return v;
  });
}

function request(info: RequestInfo, input: unknown, startTimeMs: number) {
  let text: string | undefined;
  let tokens: number | undefined;
  const body = () => {
    text ??= inputText(input);
    return text;
  };
  return {
    provider: info.provider,
    operation: info.operation,
    api: info.api,
    model: info.requestModel,
    startTimeMs,
    attribution: getAttribution(),
    maxOutputTokens: info.maxTokens,
    serviceTier: info.serviceTier,
    batch: info.batch,
    origin: undefined,
    stream: info.stream,
    canRewriteModel: true,
    mayWriteCache: body().includes('cachePoint') || body().includes('cache_control'),
    estimateInputTokens: () => {
      tokens ??= estimateRequestTokens(body());
      return tokens;
    },
  };
}

/** The SDK's ThrottlingException (or an error shaped like it), as the service would send it. */
export function throttling(Throttling: ThrottlingCtor | undefined, message: string): Error {
  const $metadata = { httpStatusCode: 429, attempts: 1, totalRetryDelay: 0 };
  if (Throttling !== undefined) {
    try {
      return new Throttling({ message, $metadata });
    } catch (error) {
      diag.debug('tokenmeter: ThrottlingException could not be made', error);
    }
  }
  return Object.assign(new Error(message), { name: 'ThrottlingException', $fault: 'client', $metadata });
}

/** Ask the hook; for a block, record the call and return the error to throw. Never throws itself. */
export async function decideBedrock(
  rt: TokenmeterRuntime,
  hook: PreSendHook,
  info: RequestInfo,
  input: unknown,
  Throttling: ThrottlingCtor | undefined,
): Promise<{ decision: PreSendDecision | undefined; error?: Error }> {
  let decision: PreSendDecision | undefined;
  const startTimeMs = Date.now();
  try {
    decision = await hook(request(info, input, startTimeMs));
  } catch (error) {
    rt.internalError('budgets', error);
    return { decision: undefined };
  }
  if (decision?.action !== 'block') return { decision };
  const call = new LlmCall(rt, info);
  call.budgetNote = { outcome: 'blocked', name: decision.budget };
  call.onHeaders();
  call.finish(undefined, { httpStatus: 429, errorType: ERROR_TYPE_BUDGET_EXCEEDED, blocked: true });
  return { decision, error: throttling(Throttling, decision.message) };
}

/** What a proceed or route decision leaves for the call that sends the request. */
export function pendingOf(
  decision: PreSendDecision | undefined,
  askedModel: string | undefined,
): PendingBudget {
  if (decision === undefined || decision.action === 'block') return { note: undefined, settle: undefined };
  if (decision.action === 'proceed') return { note: undefined, settle: decision.settle };
  const note: BudgetNote = { outcome: 'routed', name: decision.budget };
  if (askedModel !== undefined) note.requestedModel = askedModel;
  return { note, settle: decision.settle };
}

/** The initialize-step middleware: no hook set, nothing done (one property read). */
export function budgetMiddleware(
  runtime: () => TokenmeterRuntime,
  throttlingClass: () => ThrottlingCtor | undefined,
) {
  return (next: Handler, context: Context) => async (args: { input: unknown; request?: unknown }) => {
    const rt = runtime();
    const hook = rt.beforeSend;
    if (hook === undefined || !rt.enabled) return next(args);
    let info: RequestInfo | null = null;
    try {
      info = recognizeBedrockCommand(context.commandName ?? '', args.input, {});
    } catch (error) {
      rt.internalError('budgets', error);
    }
    if (info === null) return next(args);
    const { decision, error } = await decideBedrock(rt, hook, info, args.input, throttlingClass());
    if (error !== undefined) throw error;
    context[PENDING_BUDGET] = pendingOf(decision, info.requestModel);
    if (decision?.action === 'route') {
      // A copy: the app's input object is not changed.
      return next({ ...args, input: { ...(args.input as object), modelId: decision.model } });
    }
    return next(args);
  };
}
