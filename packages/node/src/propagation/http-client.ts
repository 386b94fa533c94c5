// Outgoing requests of `node:http` and `node:https` (http.request/get, https.request/get, and the
// clients built on them: axios, got, node-fetch, the AWS SDK's handler): the propagation headers
// are set on the ClientRequest right after it is made, before anything is written, unless the
// caller set that header itself or the host is not one to send them to (hosts.ts).
//
// Where Node publishes each new ClientRequest at the end of its constructor (diagnostics channel
// `http.client.request.created`, Node 23.2+; used from Node 24 on, the releases checked), that is
// where: nothing is patched, and `node:https` (with TLS: the largest part of what the preload loaded
// for propagation) is left for the app to load. On older Nodes (20, 22) request and get of both modules are wrapped; `get` is
// `request` then `end()`, as in Node, so that the headers go on before the request ends.
import diagnostics from 'node:diagnostics_channel';
import type http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { requireForCaller } from '@tokenmeter/config';
import { propagationHeaders } from './headers.js';
import type { HostPolicy } from './hosts.js';

const CREATED_CHANNEL = 'http.client.request.created';

/** Whether tokenmeter takes this Node's `http.client.request.created` channel: Node 24 and later. */
export function publishesClientRequests(version: string = process.versions.node): boolean {
  return Number(version.split('.')[0]) >= 24;
}

type RequestFn = (...args: unknown[]) => http.ClientRequest;
type ClientModule = { request: RequestFn; get: RequestFn };

function addHeaders(req: http.ClientRequest, sendsTo: HostPolicy, onError: (e: unknown) => void): void {
  try {
    // headersSent: headers given as an array, or with `Expect`, are written at once; leave them.
    if (req.headersSent || !sendsTo(req.host)) return;
    const headers = propagationHeaders();
    for (const [name, value] of headers) if (!req.hasHeader(name)) req.setHeader(name, value);
  } catch (e) {
    onError(e);
  }
}

/** Sets the headers on each ClientRequest as Node publishes it. Returns the undo. */
function subscribeClientRequests(sendsTo: HostPolicy, onError: (e: unknown) => void): () => void {
  const onCreated = (message: unknown): void => {
    const req = (message as { request?: http.ClientRequest } | undefined)?.request;
    if (req !== undefined) addHeaders(req, sendsTo, onError);
  };
  diagnostics.subscribe(CREATED_CHANNEL, onCreated);
  return () => {
    diagnostics.unsubscribe(CREATED_CHANNEL, onCreated);
  };
}

/** Wraps request and get of `node:http` and `node:https`. Returns the undo. */
function wrapRequestFunctions(sendsTo: HostPolicy, onError: (e: unknown) => void): () => void {
  // Both builtins, loaded here: this path is taken only on Nodes without the channel.
  const builtin = requireForCaller();
  const undo: (() => void)[] = [];
  for (const mod of [builtin('node:http'), builtin('node:https')] as ClientModule[]) {
    const originalRequest = mod.request;
    const originalGet = mod.get;
    const request: RequestFn = function request(this: unknown, ...args) {
      const req = originalRequest.apply(this, args);
      addHeaders(req, sendsTo, onError);
      return req;
    };
    const get: RequestFn = function get(this: unknown, ...args) {
      const req = request.apply(this, args);
      req.end();
      return req;
    };
    mod.request = request;
    mod.get = get;
    undo.push(() => {
      if (mod.request === request) mod.request = originalRequest;
      if (mod.get === get) mod.get = originalGet;
    });
  }
  // `import { request } from 'node:http'` reads the module's exports as they are now.
  syncBuiltinESMExports();
  return () => {
    for (const u of undo) u();
    syncBuiltinESMExports();
  };
}

/** Sets the propagation headers on the app's outgoing node:http and node:https requests. Returns the undo. */
export function patchHttpClients(sendsTo: HostPolicy, onError: (e: unknown) => void): () => void {
  return publishesClientRequests()
    ? subscribeClientRequests(sendsTo, onError)
    : wrapRequestFunctions(sendsTo, onError);
}
