// Bearer-token auth of `tokenmeter serve`, and the Host check that keeps DNS-rebinding pages off a
// loopback server that has no token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from '@tokenmeter/config';

export const TOKEN_COOKIE = 'tokenmeter_token';

/**
 * The host name of a Host header that is exactly `host[:port]` (RFC 9110: uri-host [":" port], no
 * user info, path or spaces), or undefined. `127.0.0.1:8766@evil.com` is not a Host header.
 */
export function hostHeaderName(value: string): string | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value);
  if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) return undefined;
  return m[1];
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The token a request carries: `Authorization: Bearer T`, else the dashboard's cookie. */
export function requestToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  return cookie(req, TOKEN_COOKIE);
}

export function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = requestToken(req);
  return given !== undefined && tokensEqual(given, token);
}

/**
 * Without a token, a loopback server answers only requests addressed to a loopback name, so a web
 * page that re-binds its own domain to 127.0.0.1 cannot read the API.
 */
export function hostAllowed(req: IncomingMessage): boolean {
  const host = req.headers.host;
  const name = host === undefined ? undefined : hostHeaderName(host);
  return name !== undefined && isLoopbackHost(name);
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
