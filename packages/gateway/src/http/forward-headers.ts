// Which of a sender's request headers go on to the next hop: everything end-to-end (its backend
// credentials such as Authorization or x-honeycomb-team, tenant headers such as X-Scope-OrgID,
// User-Agent, traceparent), not the hop-by-hop ones, not what describes the body (the gateway sets
// those for the body it sends), and not the gateway's own bearer token.
import type { IncomingHttpHeaders } from 'node:http';

const NOT_FORWARDED = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'content-length',
  'content-type',
  'content-encoding',
  'accept-encoding',
]);

/**
 * The headers to forward. `ownToken`: the gateway's token, so that an Authorization header that
 * carried it (and only it) stays here. `extra` (the operator's) wins over the sender's.
 */
export function forwardHeaders(
  incoming: IncomingHttpHeaders,
  ownTokenUsed: boolean,
  extra: Record<string, string> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    if (name === 'authorization' && ownTokenUsed) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (extra) for (const [name, value] of Object.entries(extra)) out[name.toLowerCase()] = value;
  return out;
}
