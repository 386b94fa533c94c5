// Incoming requests of `node:http` and `node:https` servers (and the frameworks on them: express,
// fastify, koa, Next.js): a request that carries `traceparent` or `baggage` is handled in the
// context they describe, so the LLM calls made for it join the caller's trace and carry its
// attribution. Its request and response emitters are bound to that context too (a body read with
// `req.on('data' | 'end')` runs its listeners there). A request without those headers is handed on
// untouched: no context is entered, and on Node 20 and 22 AsyncLocalStorage stays off until a
// request that needs it arrives (context-manager.ts).
//
// `node:https` is not loaded for this (with TLS it is most of what propagation would add to
// start-up): an https server is reached through net.Server's `emit`, which it inherits (through
// tls.Server) and http.Server does not use once wrapped.
import http from 'node:http';
import net from 'node:net';
import { type Context, context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { requireForCaller } from '@tokenmeter/config';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

/** The context of an incoming request's propagation headers, or undefined when it has none worth entering. */
export function incomingContext(req: http.IncomingMessage): Context | undefined {
  const headers = req.headers;
  if (headers.traceparent === undefined && headers.baggage === undefined) return undefined;
  const ctx = propagation.extract(ROOT_CONTEXT, headers);
  return ctx === ROOT_CONTEXT ? undefined : ctx;
}

let httpsServer: (new (...args: never[]) => unknown) | undefined;

/** Whether `server` is an https.Server (node:https is loaded by then: the server was made with it). */
function isHttpsServer(server: unknown): boolean {
  if (server instanceof http.Server) return false;
  httpsServer ??= (requireForCaller()('node:https') as typeof import('node:https')).Server;
  return server instanceof httpsServer;
}

/** Wraps `emit` of `proto` for the 'request' event of the servers `handles` accepts. Returns the undo. */
function wrapRequestEmit(
  proto: { emit: Emit },
  handles: ((server: unknown) => boolean) | undefined,
  onError: (e: unknown) => void,
): () => void {
  const hadOwn = Object.hasOwn(proto, 'emit');
  const original = proto.emit;
  const emit: Emit = function emit(this: unknown, event, ...args) {
    if (event !== 'request') return original.call(this, event, ...args);
    let ctx: Context | undefined;
    try {
      if (handles === undefined || handles(this)) {
        const req = args[0] as http.IncomingMessage;
        ctx = incomingContext(req);
        if (ctx !== undefined) {
          context.bind(ctx, req);
          context.bind(ctx, args[1] as http.ServerResponse);
        }
      }
    } catch (e) {
      onError(e);
      ctx = undefined;
    }
    if (ctx === undefined) return original.call(this, event, ...args);
    return context.with(ctx, original, this, event, ...args);
  };
  proto.emit = emit;
  return () => {
    if (proto.emit !== emit) return;
    if (hadOwn) proto.emit = original;
    else delete (proto as { emit?: Emit }).emit;
  };
}

/** Wraps `emit` of http.Server and, for https servers, net.Server, for their 'request' event. Returns the undo. */
export function patchHttpServers(onError: (e: unknown) => void): () => void {
  const undo = [
    wrapRequestEmit(http.Server.prototype as unknown as { emit: Emit }, undefined, onError),
    wrapRequestEmit(net.Server.prototype as unknown as { emit: Emit }, isHttpsServer, onError),
  ];
  return () => {
    for (const u of undo.reverse()) u();
  };
}
