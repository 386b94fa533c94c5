// Outgoing requests of fetch (Node's undici, and the `undici` package): the propagation headers are
// added when undici creates the request (diagnostics channel `undici:request:create`, published in
// the caller's async context), unless the caller set that header or the host is not one to send them
// to (hosts.ts). A request to another host, or with nothing to send, costs two map lookups.
import diagnostics from 'node:diagnostics_channel';
import { propagationHeaders } from './headers.js';
import type { HostPolicy } from './hosts.js';

const CHANNEL = 'undici:request:create';

/** The parts of undici's request this reads: headers as a flat [name, value, ...] array (undici 6+) or raw text (undici 5). */
interface UndiciRequest {
  origin?: unknown;
  headers?: unknown;
  addHeader?: (name: string, value: string) => unknown;
}

/** Origin → hostname, for the few origins an app talks to (bounded). */
const hostnames = new Map<string, string>();

function hostnameOf(origin: unknown): string {
  const key = typeof origin === 'string' ? origin : String(origin);
  let host = hostnames.get(key);
  if (host === undefined) {
    try {
      host = new URL(key).hostname;
    } catch {
      host = '';
    }
    if (hostnames.size >= 1024) hostnames.clear();
    hostnames.set(key, host);
  }
  return host;
}

function hasHeader(request: UndiciRequest, name: string): boolean {
  const h = request.headers;
  if (Array.isArray(h)) {
    for (let i = 0; i < h.length; i += 2) {
      const key = h[i];
      if (typeof key === 'string' && key.length === name.length && key.toLowerCase() === name) return true;
    }
    return false;
  }
  if (typeof h === 'string') {
    const lower = h.toLowerCase();
    return lower.startsWith(`${name}:`) || lower.includes(`\n${name}:`);
  }
  return false;
}

function addHeader(request: UndiciRequest, name: string, value: string): void {
  if (typeof request.addHeader === 'function') request.addHeader(name, value);
  else if (Array.isArray(request.headers)) request.headers.push(name, value);
  else if (typeof request.headers === 'string') request.headers += `${name}: ${value}\r\n`;
}

/** Subscribes to undici's request creation. Returns the undo. */
export function subscribeUndici(sendsTo: HostPolicy, onError: (e: unknown) => void): () => void {
  const onCreate = (message: unknown): void => {
    try {
      // The host first (a map lookup): an LLM call or a public API inside withAttribution costs
      // no header building.
      const request = (message as { request?: UndiciRequest } | undefined)?.request;
      if (request === undefined || !sendsTo(hostnameOf(request.origin))) return;
      const headers = propagationHeaders();
      for (const [name, value] of headers) if (!hasHeader(request, name)) addHeader(request, name, value);
    } catch (e) {
      onError(e);
    }
  };
  diagnostics.subscribe(CHANNEL, onCreate);
  return () => {
    diagnostics.unsubscribe(CHANNEL, onCreate);
  };
}
