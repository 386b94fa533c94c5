// Which hosts an outgoing request may carry the propagation headers to. Baggage holds the
// attribution (feature, user and tenant ids) and traceparent the app's trace ids: both are the
// app's own business, for its own services. So by default only private hosts get them, the ones
// a request cannot reach outside the app's network:
// - loopback, private (RFC 1918, RFC 4193), link-local and carrier-grade NAT (100.64/10) addresses;
// - single-label names (`service-b`, `localhost`: docker compose and Kubernetes service names);
// - the suffixes reserved or used for internal names: .localhost, .local (and .cluster.local),
//   .internal, .svc (Kubernetes `svc.ns.svc`), .lan, .home.arpa.
// TOKENMETER_PROPAGATION_HOSTS adds hosts (`api.mycorp.com`, `*.mycorp.com`, or `*` for all). A
// known LLM provider's API host never gets them, whatever the list says: a third party, it has no
// use for them, and the user and tenant ids would leak to it. A name is judged as written: no DNS
// lookup on the request path (a public name that resolves to a private address needs listing).
import { BlockList, isIP } from 'node:net';
import { requireForCaller } from '@tokenmeter/config';

const PRIVATE_SUFFIXES = ['.localhost', '.local', '.internal', '.svc', '.lan', '.home.arpa'];

const PRIVATE_ADDRESSES = new BlockList();
for (const [net, prefix] of [
  ['127.0.0.0', 8],
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['169.254.0.0', 16],
  ['100.64.0.0', 10],
] as const) {
  PRIVATE_ADDRESSES.addSubnet(net, prefix, 'ipv4');
}
PRIVATE_ADDRESSES.addAddress('::1', 'ipv6');
PRIVATE_ADDRESSES.addSubnet('fc00::', 7, 'ipv6');
PRIVATE_ADDRESSES.addSubnet('fe80::', 10, 'ipv6');

/** `hostname` without IPv6 brackets or a trailing dot, lower case. */
function normalise(hostname: string): string {
  let h = hostname.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/** Whether `host` (normalised) cannot be reached outside the app's network, judged by its name. */
export function isPrivateHost(host: string): boolean {
  const ip = isIP(host);
  if (ip === 4) return PRIVATE_ADDRESSES.check(host, 'ipv4');
  if (ip === 6) return PRIVATE_ADDRESSES.check(host, 'ipv6'); // IPv4-mapped ones by the IPv4 rules
  if (host === '' || !host.includes('.')) return true;
  return PRIVATE_SUFFIXES.some((s) => host.endsWith(s));
}

function matches(host: string, pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  return host === pattern;
}

/** Decides, per hostname, whether a request there gets the propagation headers. */
export type HostPolicy = (hostname: string) => boolean;

const MAX_CACHED = 1024;

let knownProviderHost: ((hostname: string) => boolean) | undefined;

/**
 * The instrumentation's known-provider check, loaded with the first private or allowed host asked
 * about: it comes with the request recognisers, which the preload leaves out of start-up.
 */
function isKnownProviderHost(host: string): boolean {
  knownProviderHost ??= (
    requireForCaller()('@tokenmeter/instrumentation') as { isKnownProviderHost(h: string): boolean }
  ).isKnownProviderHost;
  return knownProviderHost(host);
}

/**
 * The policy for the private hosts plus `allowed` (TOKENMETER_PROPAGATION_HOSTS patterns), never a
 * known LLM provider host. Answers are cached per hostname (bounded): the request path pays a map
 * lookup.
 */
export function hostPolicy(allowed: readonly string[]): HostPolicy {
  const cache = new Map<string, boolean>();
  return (hostname) => {
    let yes = cache.get(hostname);
    if (yes === undefined) {
      const host = normalise(hostname);
      yes = (isPrivateHost(host) || allowed.some((p) => matches(host, p))) && !isKnownProviderHost(host);
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(hostname, yes);
    }
    return yes;
  };
}
