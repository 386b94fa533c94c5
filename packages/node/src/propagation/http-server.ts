// Incoming requests of `node:http` and `node:https` servers (and the frameworks on them: express,
// fastify, koa, Next.js): a request that carries `traceparent` or `baggage` is handled in the
// context they describe, so the LLM calls made for it join the caller's trace and carry its
// attribution. Its request and response emitters are bound to that context too (a body read with
// `req.on('data' | 'end')` runs its listeners there). A request without those headers is handed on
// untouched: no context is entered, and on Node 20 and 22 AsyncLocalStorage stays off until a
// request that needs it arrives (context-manager.ts).
import http from 'node:http';
import https from 'node:https';
import { type Context, context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

/** The context of an incoming request's propagation headers, or undefined when it has none worth entering. */
export function incomingContext(req: http.IncomingMessage): Context | undefined {
  const headers = req.headers;
  if (headers.traceparent === undefined && headers.baggage === undefined) return undefined;
  const ctx = propagation.extract(ROOT_CONTEXT, headers);
  return ctx === ROOT_CONTEXT ? undefined : ctx;
}

/** Wraps `emit` of http.Server and https.Server for their 'request' event. Returns the undo. */
export function patchHttpServers(onError: (e: unknown) => void): () => void {
  const undo: (() => void)[] = [];
  for (const proto of [http.Server.prototype, https.Server.prototype] as unknown as { emit: Emit }[]) {
    const hadOwn = Object.hasOwn(proto, 'emit');
    const original = proto.emit;
    const emit: Emit = function emit(this: unknown, event, ...args) {
      if (event !== 'request') return original.call(this, event, ...args);
      let ctx: Context | undefined;
      try {
        const req = args[0] as http.IncomingMessage;
        ctx = incomingContext(req);
        if (ctx !== undefined) {
          context.bind(ctx, req);
          context.bind(ctx, args[1] as http.ServerResponse);
        }
      } catch (e) {
        onError(e);
        ctx = undefined;
      }
      if (ctx === undefined) return original.call(this, event, ...args);
      return context.with(ctx, original, this, event, ...args);
    };
    proto.emit = emit;
    undo.push(() => {
      if (proto.emit !== emit) return;
      if (hadOwn) proto.emit = original;
      else delete (proto as { emit?: Emit }).emit;
    });
  }
  return () => {
    for (const u of undo) u();
  };
}
