// @aws-sdk/client-bedrock-runtime's module definition: on the SDK's load, BedrockRuntimeClient's
// `send` is wrapped so that a client's first `send` adds tokenmeter's middlewares to its stack. The
// middlewares themselves (bedrock.ts: the adapters, the call and span code) load with the SDK, not
// with this definition: the preload makes it at start-up, and a process without the SDK never loads them.
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { requireForCaller } from '@tokenmeter/config';
import type { TokenmeterRuntime } from '../runtime.js';
import { BEDROCK_SDK, versionRange } from '../supported-sdks.js';
import type * as BedrockModule from './bedrock.js';
import type { ThrottlingCtor } from './bedrock-budget.js';
import { findClass } from './client-property.js';

export const BEDROCK_MODULE = BEDROCK_SDK.name;
export const BEDROCK_VERSIONS = [versionRange(BEDROCK_SDK)];

const MIDDLEWARE_NAME = 'tokenmeterInstrumentationMiddleware';
const BUDGET_MIDDLEWARE_NAME = 'tokenmeterBudgetMiddleware';
const ADDED = Symbol.for('tokenmeter.instrumentation.bedrock.middleware');
const ORIGINAL_SEND = Symbol.for('tokenmeter.instrumentation.bedrock.send');

type BedrockPath = typeof BedrockModule;
let requireHere: NodeJS.Require | undefined;

interface MiddlewareStackLike {
  add(middleware: unknown, options: Record<string, unknown>): void;
}

type SendFn = ((this: { middlewareStack?: MiddlewareStackLike }, ...args: unknown[]) => unknown) & {
  [ORIGINAL_SEND]?: SendFn;
};

export function bedrockModule(runtime: () => TokenmeterRuntime): InstrumentationNodeModuleDefinition {
  let Throttling: ThrottlingCtor | undefined;
  const throttlingClass = () => Throttling;
  // Made as the SDK loads (bedrock.js, with the adapters and the call code, loads then); should that
  // fail, the first `send` tries again and reports the failure.
  let middlewares: { observe: unknown; budget: unknown } | undefined;
  const middlewaresOnce = () => {
    requireHere ??= requireForCaller();
    middlewares ??= (requireHere('./bedrock.js') as BedrockPath).bedrockMiddlewares(runtime, throttlingClass);
    return middlewares;
  };
  return new InstrumentationNodeModuleDefinition(
    BEDROCK_MODULE,
    BEDROCK_VERSIONS,
    (exports) => {
      try {
        middlewaresOnce();
      } catch {
        // left to the first send, as said above
      }
      Throttling = findClass(exports, 'ThrottlingException') as ThrottlingCtor | undefined;
      const Client = findClass(exports, 'BedrockRuntimeClient');
      if (Client === undefined) return exports;
      const proto = Client.prototype as { send?: SendFn };
      const original = proto.send;
      if (typeof original !== 'function' || original[ORIGINAL_SEND] !== undefined) return exports;
      const send: SendFn = function (
        this: { middlewareStack?: MiddlewareStackLike; [ADDED]?: true },
        ...args
      ) {
        if (this[ADDED] === undefined) {
          try {
            this[ADDED] = true;
            const { observe, budget } = middlewaresOnce();
            this.middlewareStack?.add(observe, {
              step: 'deserialize',
              name: MIDDLEWARE_NAME,
              priority: 'high',
              override: true,
            });
            // Above the retry step: a blocked command is not retried.
            this.middlewareStack?.add(budget, {
              step: 'initialize',
              name: BUDGET_MIDDLEWARE_NAME,
              priority: 'high',
              override: true,
            });
          } catch (error) {
            runtime().internalError('bedrock', error);
          }
        }
        return original.apply(this, args);
      };
      send[ORIGINAL_SEND] = original;
      proto.send = send;
      return exports;
    },
    (exports) => {
      const Client = findClass(exports, 'BedrockRuntimeClient');
      const proto = Client?.prototype as { send?: SendFn } | undefined;
      const current = proto?.send;
      if (proto !== undefined && current?.[ORIGINAL_SEND] !== undefined) {
        // The original is inherited from the SDK's base Client: remove our own property.
        if (Object.hasOwn(proto, 'send')) delete proto.send;
        if (proto.send !== current[ORIGINAL_SEND]) proto.send = current[ORIGINAL_SEND];
      }
    },
  );
}
