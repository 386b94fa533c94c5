// Starting `tokenmeter serve` in process for tests, and small HTTP helpers.
import { request } from 'node:http';
import { type ServeOptions, startServer, type TokenmeterServer } from '../src/server/server.js';
import { NOW, PACKAGE_ROOT } from './helpers.js';

export async function serve(
  t: { after: (fn: () => Promise<void> | void) => void },
  storePath: string,
  options: Partial<ServeOptions> = {},
): Promise<TokenmeterServer> {
  const server = await startServer({
    storePath,
    port: 0,
    packageRoot: PACKAGE_ROOT,
    now: () => NOW,
    pollMs: 50,
    log: () => {},
    ...options,
  });
  t.after(() => server.close());
  return server;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET (or other method) with full control of the headers (fetch cannot set Host). */
export function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function getJson(
  url: string,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of many shapes, read by assertions
): Promise<{ status: number; json: any }> {
  const r = await get(url, headers);
  return { status: r.status, json: JSON.parse(r.body) };
}
