// Outgoing requests of `node:http` and `node:https` (http.request/get, https.request/get, and the
// clients built on them: axios, got, node-fetch, the AWS SDK's handler): the propagation headers
// are set on the ClientRequest right after it is made, before anything is written, unless the
// caller set that header itself or the host is not one to send them to (hosts.ts). `get` is `request`
// then `end()`, as in Node, so that the headers go on before the request ends.
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { propagationHeaders } from './headers.js';
import type { HostPolicy } from './hosts.js';

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

/** Wraps request and get of `node:http` and `node:https`. Returns the undo. */
export function patchHttpClients(sendsTo: HostPolicy, onError: (e: unknown) => void): () => void {
  const undo: (() => void)[] = [];
  for (const mod of [http, https] as unknown as ClientModule[]) {
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
