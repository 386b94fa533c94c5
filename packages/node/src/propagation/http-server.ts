// Incoming requests of `node:http` and `node:https` servers (and the frameworks on them: express,
// fastify, koa, Next.js): a request that carries `traceparent` or `baggage` is handled in the
// context they describe, so the LLM calls made for it join the caller's trace and carry its
// attribution. Its request and response emitters are bound to that context too (a body read with
// `req.on('data' | 'end')` runs its listeners there). A request without those headers is handed on
// untouched: no context is entered, and on Node 20 and 22 AsyncLocalStorage stays off until a
// request that needs it arrives (context-manager.ts).
//
// Neither `node:http` nor `node:https` is loaded for this (with TLS, https is most of what
// propagation would add to start-up; http brings streams and the parsers): both servers are reached
// through net.Server's `emit`, which they inherit (https through tls.Server), and the one check that
// needs their classes runs at a 'request' event, when the server's own module is loaded already.
import type http from 'node:http';
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

let httpServer: (new (...args: never[]) => unknown) | undefined;
let httpsServer: (new (...args: never[]) => unknown) | undefined;

/**
 * Whether `server` is an http.Server or an https.Server (not an http2 server, whose 'request' has
 * other arguments). Its module is loaded by then: the server was made with it.
 */
function isHttpServer(server: unknown): boolean {
  httpServer ??= (requireForCaller()('node:http') as typeof http).Server;
  if (server instanceof httpServer) return true;
  httpsServer ??= (requireForCaller()('node:https') as typeof import('node:https')).Server;
  return server instanceof httpsServer;
}

/** Wraps `emit` of `proto` for the 'request' event of the servers `handles` accepts. Returns the undo. */
function wrapRequestEmit(
  proto: { emit: Emit },
  handles: (server: unknown) => boolean,
  onError: (e: unknown) => void,
): () => void {
  const hadOwn = Object.hasOwn(proto, 'emit');
  const original = proto.emit;
  const emit: Emit = function emit(this: unknown, event, ...args) {
    if (event !== 'request') return original.call(this, event, ...args);
    let ctx: Context | undefined;
    try {
      if (handles(this)) {
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

/** Whether node:http was loaded before tokenmeter (by another preload); when Node does not say, yes. */
function httpLoadedBefore(): boolean {
  const loaded = (process as { moduleLoadList?: unknown }).moduleLoadList;
  return !Array.isArray(loaded) || loaded.includes('NativeModule http');
}

/** Wraps `emit` of net.Server for the 'request' event of http and https servers. Returns the undo. */
export function patchHttpServers(onError: (e: unknown) => void): () => void {
  const undo = [wrapRequestEmit(net.Server.prototype as unknown as { emit: Emit }, isHttpServer, onError)];
  // An http.Server `emit` of its own, given by a library that ran before tokenmeter (another
  // preload's HTTP instrumentation), calls the `emit` it found then, not net.Server's: it is wrapped too.
  if (httpLoadedBefore()) {
    const proto = (requireForCaller()('node:http') as typeof http).Server.prototype as unknown as {
      emit: Emit;
    };
    if (Object.hasOwn(proto, 'emit')) undo.push(wrapRequestEmit(proto, () => true, onError));
  }
  return () => {
    for (const u of undo.reverse()) u();
  };
}
